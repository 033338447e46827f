"""Health and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from .. import __version__
from ..core.schemas import View
from . import openapi
from .http import Call, route

health = Blueprint(__name__)


class Health(View):
    status: str
    version: str


@route(health, "GET", "/health", role=None, response=Health, summary="Liveness", tag="health")
def get_health(call: Call[None, None]) -> Health:
    return Health(status="ok", version=__version__)


@route(health, "GET", "/openapi.json", role=None, summary="This API as an OpenAPI 3.1 document", tag="health")
def get_openapi(call: Call[None, None]) -> dict[str, Any]:
    return openapi.document()
