"""Prompt templates."""

from __future__ import annotations

from chalice import Blueprint

from ..core.schemas import ListQuery, Page
from ..prompts import service
from ..prompts.schemas import Prompt, PromptPut, PromptQuery, Rendered, RenderRequest
from ..tenancy.schemas import Role
from .http import Call, route

prompts = Blueprint(__name__)


@route(
    prompts,
    "PUT",
    "/v1/prompts/{name}",
    role=Role.ADMIN,
    body=PromptPut,
    status=201,
    response=Prompt,
    summary="Save a new version of a template",
    tag="prompts",
)
def put_prompt(call: Call[PromptPut, None]) -> Prompt:
    return service.put_prompt(call.tenant, call.params["name"], call.body)


@route(
    prompts,
    "GET",
    "/v1/prompts",
    role=Role.READ,
    query=ListQuery,
    response=Page[Prompt],
    summary="Every template, latest versions, by name",
    tag="prompts",
)
def list_prompts(call: Call[None, ListQuery]) -> Page[Prompt]:
    return service.list_prompts(call.tenant, call.query)


@route(
    prompts,
    "GET",
    "/v1/prompts/{name}",
    role=Role.READ,
    query=PromptQuery,
    response=Prompt,
    summary="A template (the latest version, or ?version=)",
    tag="prompts",
    statuses=(404,),
)
def get_prompt(call: Call[None, PromptQuery]) -> Prompt:
    return service.get_prompt(call.tenant, call.params["name"], call.query.version)


@route(
    prompts,
    "POST",
    "/v1/prompts/{name}/render",
    role=Role.APP,
    body=RenderRequest,
    response=Rendered,
    summary="Render a template; a missing variable is 422 naming it",
    tag="prompts",
    statuses=(404,),
)
def render_prompt(call: Call[RenderRequest, None]) -> Rendered:
    return service.render(call.tenant, call.params["name"], call.body.variables, call.body.version)
