"""Bodies JSON allows and storage cannot hold are refused up front, naming the field, and write nothing."""

from __future__ import annotations

import pytest

from tests.conftest import Api, Tenant

HEAD = '{"user_id": "u1", "category_key": "content_caption", '


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        (HEAD + '"input": "x", "processing_time_ms": 1.5e308}', "body.processing_time_ms", "out of range"),
        (HEAD + '"input": {"x": [1' + "0" * 5000 + "]}}", "body.input.x.0", "an integer of 5001 digits; at most 38"),
        (HEAD + '"input": {"x": -1' + "0" * 38 + "}}", "body.input.x", "an integer of 39 digits"),
        (HEAD + '"input": {"x": NaN}}', "body.input.x", "NaN is not a number JSON allows"),
        (HEAD + '"input": {"x": -Infinity}}', "body.input.x", "-Infinity is not a number JSON allows"),
        (HEAD + '"input": {"x": 1e-200}}', "body.input.x", "non-zero numbers are stored from 1e-130"),
        (HEAD + '"input": ' + "[" * 40 + "]" * 40 + "}", "body.input" + ".0" * 31, "at most 32 levels"),
    ],
)
def test_an_unstorable_value_is_a_422_naming_its_field(api: Api, tenant: Tenant, raw: str, field: str, message: str) -> None:
    reply = api.request("POST", "/v1/sessions", raw=raw, key=tenant.app)
    assert reply.status == 422, reply.body
    [detail] = reply.body["error"]["details"]
    assert detail["field"] == field
    assert message in detail["message"]
    assert api.get("/v1/sessions", key=tenant.read).body["items"] == []


def test_a_body_nested_past_the_parser_is_a_400(api: Api, tenant: Tenant) -> None:
    raw = HEAD + '"input": ' + "[" * 100_000 + "]" * 100_000 + "}"
    reply = api.request("POST", "/v1/sessions", raw=raw, key=tenant.app)
    assert (reply.status, reply.error_code) == (400, "bad_request")
    assert "at most 32 levels" in reply.body["error"]["message"]


def test_the_numbers_storage_holds_are_kept_exactly(api: Api, tenant: Tenant) -> None:
    largest = "9" * 38
    raw = HEAD + '"input": {"n": ' + largest + ', "small": 1e-130, "big": 9.9e125, "zero": 0.0}, "processing_time_ms": 12.5}'
    created = api.request("POST", "/v1/sessions", raw=raw, key=tenant.app)
    assert created.status == 201, created.body
    session = api.get(f"/v1/sessions/{created.body['id']}", key=tenant.read).body
    assert session["input"] == {"n": int(largest), "small": 1e-130, "big": 9.9e125, "zero": 0.0}
    assert session["processing_time_ms"] == 12.5


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/v1/analytics/export?format=jsonl&to=0303-09-26", ["query.to"]),
        ("/v1/analytics/summary?to=0001-01-01T00:00:00Z", ["query.to"]),
        ("/v1/analytics/models?from=0001-01-01&to=0001-01-02", ["query.from", "query.to"]),
        ("/v1/analytics/summary?from=2026-01-01&to=9999-12-31", ["query.to"]),
    ],
)
def test_dates_out_of_the_years_held_are_a_422_naming_the_fields(api: Api, tenant: Tenant, path: str, fields: list[str]) -> None:
    reply = api.get(path, key=tenant.read)
    assert (reply.status, reply.error_code) == (422, "validation_failed"), reply.body
    assert [d["field"] for d in reply.body["error"]["details"]] == fields
    assert "between the years 2000 and 9998" in reply.body["error"]["message"]


def test_a_rebuild_out_of_the_years_held_is_a_422(api: Api, tenant: Tenant) -> None:
    reply = api.post("/v1/analytics/rebuild", {"from": "0001-01-01", "to": "0001-01-02"}, key=tenant.admin)
    assert (reply.status, reply.error_code) == (422, "validation_failed"), reply.body
    assert "between the years 2000 and 9998" in reply.body["error"]["message"]


def test_a_replayed_key_answers_its_secret_as_null_as_the_document_says(api: Api, tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "mint-once"}
    first = api.post("/v1/api-keys", {"name": "ci", "role": "read"}, key=tenant.admin, headers=headers)
    again = api.post("/v1/api-keys", {"name": "ci", "role": "read"}, key=tenant.admin, headers=headers)
    assert (first.status, again.status) == (201, 201)
    assert first.body["key"] and again.body["key"] is None and again.body["id"] == first.body["id"]
    schema = api.get("/openapi.json").body["components"]["schemas"]["ApiKeyCreated"]["properties"]["key"]
    assert {"type": "null"} in schema["anyOf"]


@pytest.mark.parametrize("query", ["from=0269-02-14T18:53:08Z", "to=0265-10-31T07:02:12-03:20", "from=9999-12-31T23:00:00Z"])
def test_a_session_listing_out_of_the_years_held_is_a_422(api: Api, tenant: Tenant, query: str) -> None:
    reply = api.get(f"/v1/sessions?{query}", key=tenant.read)
    assert (reply.status, reply.error_code) == (422, "validation_failed"), reply.body
    assert "between the years 2000 and 9998" in reply.body["error"]["message"]
