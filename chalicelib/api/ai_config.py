"""AI configuration: typed, versioned prompts, categories, behaviour and industry settings with rollback."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..ai_config import service
from ..ai_config.schemas import AiConfig, ConfigDiff, ConfigDiffQuery, ConfigPut, ConfigRollback
from ..core.errors import NotFound
from ..core.schemas import ListQuery, Page
from ..tenancy.schemas import Role
from .http import Call, route

ai_config = Blueprint(__name__)
PATH = "/v1/config/{config_type}"
TAG = "config"


def _by(call: Call[Any, Any]) -> str | None:
    return call.caller.key_id if call.caller is not None else None


@route(
    ai_config,
    "PUT",
    PATH,
    role=Role.ADMIN,
    body=ConfigPut,
    response=AiConfig,
    summary="A new version of a configuration (prompts, categories, behavior, industry), active at once",
    tag=TAG,
    statuses=(404, 409),
)
def put_ai_config(call: Call[ConfigPut, None]) -> AiConfig:
    return service.put_config(call.tenant, call.params["config_type"], call.body, _by(call))


@route(ai_config, "GET", PATH, role=Role.READ, response=AiConfig, summary="The active configuration", tag=TAG, statuses=(404,))
def get_ai_config(call: Call[None, None]) -> AiConfig:
    return service.get_active(call.tenant, call.params["config_type"])


@route(
    ai_config,
    "GET",
    f"{PATH}/versions",
    role=Role.READ,
    query=ListQuery,
    response=Page[AiConfig],
    summary="Every version of a configuration, newest first",
    tag=TAG,
    statuses=(404,),
)
def list_ai_config_versions(call: Call[None, ListQuery]) -> Page[AiConfig]:
    return service.list_versions(call.tenant, call.params["config_type"], call.query)


@route(
    ai_config,
    "GET",
    f"{PATH}/versions/{{number}}",
    role=Role.READ,
    response=AiConfig,
    summary="One version of a configuration",
    tag=TAG,
    statuses=(404,),
)
def get_ai_config_version(call: Call[None, None]) -> AiConfig:
    return service.get_version(call.tenant, call.params["config_type"], _number(call.params["number"]))


@route(
    ai_config,
    "GET",
    f"{PATH}/diff",
    role=Role.READ,
    query=ConfigDiffQuery,
    response=ConfigDiff,
    summary="What changed between two versions (?from=&to=)",
    tag=TAG,
    statuses=(404,),
)
def diff_ai_config(call: Call[None, ConfigDiffQuery]) -> ConfigDiff:
    return service.diff(call.tenant, call.params["config_type"], call.query.from_version, call.query.to_version)


@route(
    ai_config,
    "POST",
    f"{PATH}/rollback",
    role=Role.ADMIN,
    body=ConfigRollback,
    status=201,
    response=AiConfig,
    summary="Make an earlier version's data active again, as a new version",
    tag=TAG,
    statuses=(404, 409),
)
def rollback_ai_config(call: Call[ConfigRollback, None]) -> AiConfig:
    return service.rollback(call.tenant, call.params["config_type"], call.body, _by(call))


def _number(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 10**8:
        raise NotFound(f"no version {text}")
    return int(text)
