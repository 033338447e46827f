"""Context windows and optimisation patterns."""

from __future__ import annotations

from chalice import Blueprint

from ..context import service as context
from ..context.schemas import (
    ContextListQuery,
    ContextPrompt,
    ContextPut,
    ContextSummary,
    ContextWindow,
    Conversation,
    ConversationCreate,
    OptimizationAction,
    OptimizationCreate,
    PromptRequest,
)
from ..core.schemas import Page
from ..patterns import service as patterns
from ..patterns.schemas import MatchRequest, OutcomeRequest, Pattern, PatternCreate, PatternListQuery
from ..tenancy.schemas import Role
from .http import Call, route

contexts = Blueprint(__name__)

WINDOW = "/v1/contexts/{user_id}/{store_id}"


@route(
    contexts,
    "PUT",
    WINDOW,
    role=Role.APP,
    body=ContextPut,
    response=ContextWindow,
    summary="Set the store's context for this user",
    tag="context",
)
def put_context(call: Call[ContextPut, None]) -> ContextWindow:
    return context.put_context(call.tenant, call.params["user_id"], call.params["store_id"], call.body)


@route(
    contexts,
    "GET",
    "/v1/contexts",
    role=Role.READ,
    query=ContextListQuery,
    response=Page[ContextSummary],
    summary="Context windows, the most recently updated first (one user's with user_id)",
    tag="context",
)
def list_contexts(call: Call[None, ContextListQuery]) -> Page[ContextSummary]:
    return context.list_windows(call.tenant, call.query)


@route(
    contexts,
    "GET",
    WINDOW,
    role=Role.READ,
    response=ContextWindow,
    summary="The context window: store data, the last 10 conversations and 50 actions of 30 days",
    tag="context",
    statuses=(404,),
)
def get_context(call: Call[None, None]) -> ContextWindow:
    return context.get_window(call.tenant, call.params["user_id"], call.params["store_id"])


@route(
    contexts,
    "POST",
    WINDOW + "/conversations",
    role=Role.APP,
    body=ConversationCreate,
    status=201,
    response=Conversation,
    summary="Record an exchange (also a session, so feedback can rate it)",
    tag="context",
)
def add_conversation(call: Call[ConversationCreate, None]) -> Conversation:
    return context.add_conversation(call.tenant, call.params["user_id"], call.params["store_id"], call.body)


@route(
    contexts,
    "POST",
    WINDOW + "/optimizations",
    role=Role.APP,
    body=OptimizationCreate,
    status=201,
    response=OptimizationAction,
    summary="Record an optimisation action and its result",
    tag="context",
)
def add_optimization(call: Call[OptimizationCreate, None]) -> OptimizationAction:
    return context.add_optimization(call.tenant, call.params["user_id"], call.params["store_id"], call.body)


@route(
    contexts,
    "POST",
    WINDOW + "/prompt",
    role=Role.APP,
    body=PromptRequest,
    response=ContextPrompt,
    summary="The context-aware prompt for a message, within max_chars",
    tag="context",
)
def contextual_prompt(call: Call[PromptRequest, None]) -> ContextPrompt:
    return context.contextual_prompt(
        call.tenant, call.params["user_id"], call.params["store_id"], call.body.message, call.body.max_chars
    )


@route(
    contexts,
    "POST",
    "/v1/patterns",
    role=Role.ADMIN,
    body=PatternCreate,
    status=201,
    response=Pattern,
    summary="Save an optimisation pattern",
    tag="patterns",
)
def create_pattern(call: Call[PatternCreate, None]) -> Pattern:
    return patterns.create_pattern(call.tenant, call.body)


@route(
    contexts,
    "GET",
    "/v1/patterns",
    role=Role.READ,
    query=PatternListQuery,
    response=Page[Pattern],
    summary="Patterns, newest first, by store type and category",
    tag="patterns",
)
def list_patterns(call: Call[None, PatternListQuery]) -> Page[Pattern]:
    return patterns.list_patterns(call.tenant, call.query)


@route(
    contexts,
    "POST",
    "/v1/patterns/match",
    role=Role.APP,
    body=MatchRequest,
    response=Page[Pattern],
    summary="The patterns whose conditions the facts meet, best first",
    tag="patterns",
)
def match_patterns(call: Call[MatchRequest, None]) -> Page[Pattern]:
    return patterns.match(call.tenant, call.body)


@route(
    contexts,
    "GET",
    "/v1/patterns/{pattern_id}",
    role=Role.READ,
    response=Pattern,
    summary="One pattern",
    tag="patterns",
    statuses=(404,),
)
def get_pattern(call: Call[None, None]) -> Pattern:
    return patterns.get_pattern(call.tenant, call.params["pattern_id"])


@route(
    contexts,
    "POST",
    "/v1/patterns/{pattern_id}/outcome",
    role=Role.APP,
    body=OutcomeRequest,
    response=Pattern,
    summary="Record whether applying the pattern worked",
    tag="patterns",
    statuses=(404,),
)
def pattern_outcome(call: Call[OutcomeRequest, None]) -> Pattern:
    return patterns.record_outcome(call.tenant, call.params["pattern_id"], call.body.success)
