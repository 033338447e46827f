"""Generations."""

from __future__ import annotations

from chalice import Blueprint

from ..generation import service
from ..generation.schemas import Generated, GenerationRequest
from ..tenancy.schemas import Role
from .http import Call, route

generation = Blueprint(__name__)


@route(
    generation,
    "POST",
    "/v1/generations",
    role=Role.APP,
    body=GenerationRequest,
    status=201,
    response=Generated,
    summary="Generate for a task: route, render, call with fallbacks, record the session",
    tag="generation",
    statuses=(404, 502, 504),
)
def post_generation(call: Call[GenerationRequest, None]) -> Generated:
    return service.generate(call.tenant, call.body, call.caller.limits if call.caller else None)
