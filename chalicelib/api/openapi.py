"""The OpenAPI 3.1 document, generated from the route declarations and their pydantic models."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from .. import __version__
from ..core.schemas import ListQuery
from . import families
from .http import ROUTES

_ERRORS = {
    400: "Malformed JSON",
    401: "Missing or unknown API key",
    403: "The key's role is too low, or its tenant is suspended (tenant_suspended)",
    404: "Not found (or another tenant's)",
    405: "Method not allowed",
    409: "Conflict: state, version or Idempotency-Key reused with another body",
    413: "Body over 256 KiB",
    422: "Validation failed; details name each field",
    429: "Rate limit, budget, or failed authentications of this address exceeded (Retry-After)",
    500: "Internal error: the answer names the request's id, never a stack trace",
    502: "Every model of the fallback chain failed (the session is recorded)",
    503: "Storage throttled past retries (Retry-After)",
    504: "The request's 29 s budget ran out before a model answered (the session is recorded)",
}

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


# The OpenAI-compatible paths answer errors in OpenAI's shape (chalicelib/api/errors.py), `details` kept.
_OPENAI_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "code"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "code": {"type": ["string", "null"]},
                "param": {"type": ["string", "null"]},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


def _error_schema(path: str) -> str:
    return "OpenAIError" if path.startswith("/openai/") else "Error"


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    families.load_all()  # every family's declarations, whichever requests came first
    place = families.order()
    routes = sorted(ROUTES, key=lambda spec: place.get(spec.name, len(place)))
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    for spec in routes:
        if spec.body is not None:
            models.append((spec.body, "validation"))
        if isinstance(spec.response, type) and issubclass(spec.response, BaseModel):
            models.append((spec.response, "serialization"))
    refs, definitions = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas = dict(definitions.get("$defs", {}))
    schemas["Error"] = _ERROR_SCHEMA
    schemas["OpenAIError"] = _OPENAI_ERROR_SCHEMA

    paths: dict[str, dict[str, Any]] = {}
    for spec in routes:
        operation: dict[str, Any] = {"operationId": spec.name, "summary": spec.summary, "tags": [spec.tag] if spec.tag else []}
        if spec.role is not None:
            operation["security"] = [{"bearer": []}]
            operation["x-learnloop-role"] = spec.role.value
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", spec.path)
        ]
        if spec.query is not None and issubclass(spec.query, ListQuery):
            # A list: `{items, next_cursor}`, paged by `limit` and `cursor` (clients and tests find lists by this mark).
            operation["x-learnloop-list"] = True
        if spec.query is not None:
            query_schema = spec.query.model_json_schema(by_alias=True)
            required = set(query_schema.get("required", []))
            for name, schema in query_schema.get("properties", {}).items():
                parameters.append({"name": name, "in": "query", "required": name in required, "schema": schema})
        if spec.method == "POST":
            parameters.append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 128},
                    "description": "Replays return the first answer and write nothing; another body is 409.",
                }
            )
        if parameters:
            operation["parameters"] = parameters
        if spec.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(spec.body, "validation")]}},
            }
        responses: dict[str, Any] = {}
        success: dict[str, Any] = {"description": spec.summary or "OK"}
        if isinstance(spec.response, type) and issubclass(spec.response, BaseModel):
            success["content"] = {"application/json": {"schema": refs[(spec.response, "serialization")]}}
        elif isinstance(spec.response, str):  # a media type: the route answers text (JSONL, CSV), not JSON
            success["content"] = {spec.response: {"schema": {"type": "string"}}}
        elif spec.status != 204:
            success["content"] = {"application/json": {"schema": {"type": "object"}}}
        for media in spec.media:
            success.setdefault("content", {})[media] = {"schema": {"type": "string"}}
        responses[str(spec.status)] = success
        for extra in spec.statuses:
            if extra < 400:
                responses[str(extra)] = success
        errors = {400, 413, 422} if spec.body is not None else set()
        errors |= {422} if spec.query is not None else set()
        errors |= {401, 403, 429, 503} if spec.role is not None else set()
        # A POST may reuse an Idempotency-Key with another body; path parameters may name nothing or be malformed.
        errors |= {409} if spec.method == "POST" else set()
        errors |= {404, 422} if "{" in spec.path else set()
        errors |= {code for code in spec.statuses if code >= 400}
        errors |= {500}  # any operation may fail unexpectedly, answered in the error format
        for code in sorted(errors):
            responses[str(code)] = {
                "description": _ERRORS[code],
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{_error_schema(spec.path)}"}}},
            }
        operation["responses"] = responses
        paths.setdefault(spec.path, {})[spec.method.lower()] = operation

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Learnloop",
            "version": __version__,
            "description": "The learning loop of an application's AI features.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A Learnloop API key"}},
        },
    }
