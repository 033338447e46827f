"""Sessions and feedback."""

from __future__ import annotations

from chalice import Blueprint

from ..core.schemas import Page
from ..sessions import queries, service
from ..sessions.schemas import (
    FeedbackCreate,
    FeedbackRecorded,
    Session,
    SessionCreate,
    SessionCreated,
    SessionDetail,
    SessionListQuery,
    SessionPatch,
)
from ..tenancy.schemas import Role
from .http import Call, Reply, route

sessions = Blueprint(__name__)


@route(
    sessions,
    "POST",
    "/v1/sessions",
    role=Role.APP,
    body=SessionCreate,
    status=201,
    response=SessionCreated,
    summary="Record an AI call made outside Learnloop",
    tag="sessions",
)
def create_session(call: Call[SessionCreate, None]) -> SessionCreated:
    return service.create_session(call.tenant, call.body)


@route(
    sessions,
    "GET",
    "/v1/sessions",
    role=Role.READ,
    query=SessionListQuery,
    response=Page[Session],
    summary="Sessions, newest first, filtered",
    tag="sessions",
)
def list_sessions(call: Call[None, SessionListQuery]) -> Page[Session]:
    return queries.list_sessions(call.tenant, call.query)


@route(
    sessions,
    "GET",
    "/v1/sessions/{session_id}",
    role=Role.READ,
    response=SessionDetail,
    summary="A session with its feedback",
    tag="sessions",
    statuses=(404,),
)
def get_session(call: Call[None, None]) -> SessionDetail:
    return queries.get_session(call.tenant, call.params["session_id"])


@route(
    sessions,
    "PATCH",
    "/v1/sessions/{session_id}",
    role=Role.APP,
    body=SessionPatch,
    response=Session,
    summary="Record the output or the user's corrections",
    tag="sessions",
    statuses=(404,),
)
def patch_session(call: Call[SessionPatch, None]) -> Session:
    return service.patch_session(call.tenant, call.params["session_id"], call.body)


@route(
    sessions,
    "POST",
    "/v1/sessions/{session_id}/feedback",
    role=Role.APP,
    body=FeedbackCreate,
    status=201,
    response=FeedbackRecorded,
    summary="A user's feedback (a second one from the same user replaces the first)",
    tag="sessions",
    statuses=(200, 404),
)
def post_feedback(call: Call[FeedbackCreate, None]) -> Reply:
    recorded = service.record_feedback(call.tenant, call.params["session_id"], call.body)
    return Reply(recorded, 200 if recorded.replaced else 201)
