"""Targets on the figures, their evaluations, and the event feed."""

from __future__ import annotations

from chalice import Blueprint

from ..alerts import evaluation, targets
from ..alerts.schemas import Target, TargetCreate, TargetEvaluation, TargetPatch
from ..core.schemas import ListQuery, Page
from ..events import service as events
from ..events.schemas import Event, EventQuery
from ..tenancy.schemas import Role
from .http import Call, route

alerts = Blueprint(__name__)
TAG = "alerts"


@route(
    alerts,
    "POST",
    "/v1/targets",
    role=Role.ADMIN,
    body=TargetCreate,
    status=201,
    response=Target,
    summary="Set a target on a figure (feedback rate, high ratings, success rate, p95, cost per day, ...)",
    tag=TAG,
    statuses=(409,),
)
def create_target(call: Call[TargetCreate, None]) -> Target:
    return targets.create_target(call.tenant, call.body)


@route(alerts, "GET", "/v1/targets", role=Role.READ, query=ListQuery, response=Page[Target], summary="Targets", tag=TAG)
def list_targets(call: Call[None, ListQuery]) -> Page[Target]:
    return targets.list_targets(call.tenant, call.query)


@route(
    alerts,
    "GET",
    "/v1/targets/{target_id}",
    role=Role.READ,
    response=Target,
    summary="A target with its latest state",
    tag=TAG,
    statuses=(404,),
)
def get_target(call: Call[None, None]) -> Target:
    return targets.get_target(call.tenant, call.params["target_id"])


@route(
    alerts,
    "PATCH",
    "/v1/targets/{target_id}",
    role=Role.ADMIN,
    body=TargetPatch,
    response=Target,
    summary="Enable, disable or change a target",
    tag=TAG,
    statuses=(404,),
)
def patch_target(call: Call[TargetPatch, None]) -> Target:
    return targets.patch_target(call.tenant, call.params["target_id"], call.body)


@route(
    alerts,
    "DELETE",
    "/v1/targets/{target_id}",
    role=Role.ADMIN,
    status=204,
    summary="Delete a target",
    tag=TAG,
    statuses=(404,),
)
def delete_target(call: Call[None, None]) -> None:
    targets.delete_target(call.tenant, call.params["target_id"])


@route(
    alerts,
    "POST",
    "/v1/targets/{target_id}/evaluate",
    role=Role.ADMIN,
    response=TargetEvaluation,
    summary="Evaluate a target now (the evaluate-targets task does it hourly for the enabled ones)",
    tag=TAG,
    statuses=(404,),
)
def evaluate_target(call: Call[None, None]) -> TargetEvaluation:
    return evaluation.evaluate(call.tenant, call.params["target_id"])[0]


@route(
    alerts,
    "GET",
    "/v1/targets/{target_id}/history",
    role=Role.READ,
    query=ListQuery,
    response=Page[TargetEvaluation],
    summary="A target's evaluations, newest first (one per hour)",
    tag=TAG,
    statuses=(404,),
)
def target_history(call: Call[None, ListQuery]) -> Page[TargetEvaluation]:
    return targets.history(call.tenant, call.params["target_id"], call.query)


@route(
    alerts,
    "GET",
    "/v1/events",
    role=Role.READ,
    query=EventQuery,
    response=Page[Event],
    summary="The event feed, newest first (the events webhooks deliver), by type",
    tag=TAG,
)
def list_events(call: Call[None, EventQuery]) -> Page[Event]:
    return events.list_events(call.tenant, call.query)


@route(alerts, "GET", "/v1/events/{event_id}", role=Role.READ, response=Event, summary="An event", tag=TAG, statuses=(404,))
def get_event(call: Call[None, None]) -> Event:
    return events.get_event(call.tenant, call.params["event_id"])
