"""Health, the OpenAPI document, and properties every route shares."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

import app as chalice_app
from chalicelib import __version__
from tests.conftest import Api, Tenant


def test_health_needs_no_key(api: Api) -> None:
    reply = api.get("/health")
    assert reply.status == 200
    assert reply.body == {"status": "ok", "version": __version__}
    assert reply.headers["x-request-id"].startswith("req_")


def test_openapi_is_valid_and_lists_every_route(api: Api) -> None:
    reply = api.get("/openapi.json")
    assert reply.status == 200
    document = reply.body
    validate(document)
    assert document["openapi"] == "3.1.0"
    declared = {(path, method.lower()) for path, methods in chalice_app.app.routes.items() for method in methods}
    documented = {(path, method) for path, methods in document["paths"].items() for method in methods}
    assert documented == declared
    create = document["paths"]["/v1/sessions"]["post"]
    schema_name = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema = document["components"]["schemas"][schema_name]
    assert set(schema["required"]) == {"user_id", "category_key", "input"}
    assert schema["additionalProperties"] is False
    assert {p["name"] for p in create["parameters"]} == {"Idempotency-Key"}
    listing = document["paths"]["/v1/sessions"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "from",
        "to",
        "user_id",
        "category_key",
        "experiment_id",
        "limit",
        "cursor",
    }
    assert create["x-learnloop-role"] == "app"


def _texts(node: object) -> list[str]:
    """Every summary, description and title of the document."""
    if isinstance(node, dict):
        own = [v for k, v in node.items() if k in ("summary", "description", "title") and isinstance(v, str)]
        return own + [text for value in node.values() for text in _texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in _texts(value)]
    return []


def test_public_texts_name_no_internal_seed_document(api: Api) -> None:
    """Summaries and descriptions speak of the API, not of the seed documents it was built from (`seed 002's ...`,
    `seed: AIModel`): those stay in code comments."""
    texts = _texts(api.get("/openapi.json").body)
    assert len(texts) > 500
    tagged = sorted({text for text in texts if re.search(r"\bseed(?:'s)?\s*(?:\d{3}|:)|\bthe seed's\b", text, re.IGNORECASE)})
    assert tagged == []


def test_every_schema_has_a_name_of_its_own(api: Api) -> None:
    """Two models of one name would be named after their modules (`chalicelib__x__schemas__Task`): none is."""
    names = api.get("/openapi.json").body["components"]["schemas"]
    assert len(names) > 200
    assert sorted(name for name in names if "__" in name) == []


def test_every_tenant_route_needs_a_key(api: Api) -> None:
    for path, methods in chalice_app.app.routes.items():
        if path in ("/health", "/openapi.json") or path.startswith(("/dashboard", "/console")):  # the pages ask for a key
            continue
        concrete = re.sub(r"{\w+}", "x", path)
        for method in methods:
            reply = api.request(method, concrete, json_body={})
            assert reply.status == 401, (method, path, reply.body)
            assert reply.error_code == "unauthorized"
            assert reply.headers["www-authenticate"].startswith("Bearer")


def test_read_keys_cannot_write_anywhere(api: Api, tenant: Tenant) -> None:
    for path, methods in chalice_app.app.routes.items():
        concrete = re.sub(r"{\w+}", "x", path)
        for method in methods:
            if method == "GET" or path in ("/health", "/openapi.json"):
                continue
            reply = api.request(method, concrete, json_body={}, key=tenant.read)
            assert reply.status == 403, (method, path, reply.body)


def test_errors_never_leak_a_stack_trace(api: Api, tenant: Tenant, monkeypatch) -> None:
    from chalicelib.sessions import queries

    def broken(*_args, **_kwargs):
        raise KeyError("internal detail")

    monkeypatch.setattr(queries, "get_session", broken)
    reply = api.get("/v1/sessions/ses_1", key=tenant.read)
    assert reply.status == 500
    assert reply.error_code == "internal_error"
    assert "internal detail" not in str(reply.body) and "Traceback" not in str(reply.body)
    assert reply.headers["x-request-id"] in reply.body["error"]["message"]
