"""Sessions: record, correct, read back, list; validation; isolation between tenants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core import clock
from chalicelib.sessions import service as sessions
from tests.conftest import Api, Tenant, make_tenant

RESIZE = {
    "user_id": "user-1",
    "category_key": "ai_resize",
    "project_id": "proj-9",
    "input": {"canvas": {"width": 1080, "height": 1080, "objects": 12}},
    "output": {"canvas": {"width": 1080, "height": 1920}},
    "model_id": "openai:gpt-4o-mini",
    "features": {"object_count": 12, "aspect_ratio_change": 0.5625},
    "target": {"width": 1080, "height": 1920},
    "processing_time_ms": 2310,
}


def today_counts(tenant: Tenant) -> dict[str, float]:
    day = clock.day_of(clock.now())
    return sessions.daily_counts(tenant.id, day, day).get(day, {})


def test_a_session_is_recorded_and_read_back_with_every_field(api: Api, tenant: Tenant) -> None:
    created = api.post("/v1/sessions", RESIZE, key=tenant.app)
    assert created.status == 201
    session_id = created.body["session_id"]
    assert created.body["id"] == session_id and session_id.startswith("ses_")

    got = api.get(f"/v1/sessions/{session_id}", key=tenant.read)
    assert got.status == 200
    for field, value in RESIZE.items():
        assert got.body[field] == value, field
    assert got.body["quality_score"] is None
    assert got.body["feedback"] == []
    assert got.body["created_at"] == created.body["created_at"]
    assert today_counts(tenant)["sessions"] == 1
    assert today_counts(tenant)["processing_ms_sum"] == 2310


def test_corrections_reduce_the_quality_score(api: Api, tenant: Tenant) -> None:
    session_id = api.post("/v1/sessions", RESIZE, key=tenant.app).body["session_id"]
    api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "user-1", "rating": 5}, key=tenant.app)
    patched = api.patch(
        f"/v1/sessions/{session_id}",
        {
            "corrected_output": {"canvas": {"width": 1080, "height": 1920, "moved": 2}},
            "manual_corrections": [{"object": "logo", "dx": 10}, {"object": "title", "dy": -4}],
        },
        key=tenant.app,
    )
    assert patched.status == 200
    assert patched.body["manual_corrections"] == [{"object": "logo", "dx": 10}, {"object": "title", "dy": -4}]
    assert patched.body["quality_score"] == pytest.approx(0.81)  # 1.0 x 0.9 x 0.9
    assert patched.body["output"] == RESIZE["output"]
    counts = today_counts(tenant)
    assert counts["corrections"] == 2 and counts["corrected_sessions"] == 1
    # Replacing the corrections moves the counters by the difference.
    api.patch(f"/v1/sessions/{session_id}", {"manual_corrections": []}, key=tenant.app)
    counts = today_counts(tenant)
    assert counts.get("corrections", 0) == 0 and counts.get("corrected_sessions", 0) == 0
    assert api.get(f"/v1/sessions/{session_id}", key=tenant.read).body["quality_score"] == 1.0


def test_patch_needs_something_and_a_known_session(api: Api, tenant: Tenant) -> None:
    session_id = api.post("/v1/sessions", RESIZE, key=tenant.app).body["session_id"]
    empty = api.patch(f"/v1/sessions/{session_id}", {}, key=tenant.app)
    assert empty.status == 422
    missing = api.patch("/v1/sessions/ses_nothere", {"output": "x"}, key=tenant.app)
    assert missing.status == 404
    assert missing.error_code == "not_found"
    assert api.patch(f"/v1/sessions/{session_id}", {"output": "x"}, key=tenant.read).status == 403


def test_validation_names_every_failing_field_and_writes_nothing(api: Api, tenant: Tenant) -> None:
    reply = api.post(
        "/v1/sessions",
        {"user_id": 7, "category_key": "Bad Key", "input": "x", "processing_time_ms": -1, "colour": "red"},
        key=tenant.app,
    )
    assert reply.status == 422
    fields = {d["field"] for d in reply.body["error"]["details"]}
    assert fields == {"body.user_id", "body.category_key", "body.processing_time_ms", "body.colour"}
    kinds = {d["field"]: d["type"] for d in reply.body["error"]["details"]}
    assert kinds["body.colour"] == "extra_forbidden"
    assert kinds["body.user_id"] == "string_type"
    # A number as a string is a wrong type, not coerced.
    assert api.post("/v1/sessions", {**RESIZE, "processing_time_ms": "12"}, key=tenant.app).status == 422
    assert api.post("/v1/sessions", {**RESIZE, "variant_id": "v1"}, key=tenant.app).status == 422
    assert api.get("/v1/sessions", key=tenant.read).body["items"] == []
    assert today_counts(tenant) == {}


def test_malformed_and_oversized_bodies(api: Api, tenant: Tenant) -> None:
    broken = api.request("POST", "/v1/sessions", raw='{"user_id": "u", ', key=tenant.app)
    assert broken.status == 400
    assert broken.error_code == "bad_request"
    assert "JSON" in broken.body["error"]["message"]
    not_object = api.request("POST", "/v1/sessions", raw="[1, 2]", key=tenant.app)
    assert not_object.status == 422
    huge = api.post("/v1/sessions", {**RESIZE, "input": "x" * (256 * 1024)}, key=tenant.app)
    assert huge.status == 413
    assert huge.error_code == "payload_too_large"
    assert api.get("/v1/sessions", key=tenant.read).body["items"] == []


def test_wrong_method_is_405_in_the_error_format(api: Api, tenant: Tenant) -> None:
    reply = api.request("PUT", "/v1/sessions", json_body={}, key=tenant.app)
    assert reply.status == 405
    assert reply.error_code == "method_not_allowed"
    assert reply.body["error"]["details"] == []


def test_another_tenants_session_is_404_everywhere(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = api.post("/v1/sessions", RESIZE, key=other_tenant.app).body["session_id"]
    assert api.get(f"/v1/sessions/{theirs}", key=tenant.admin).status == 404
    assert api.patch(f"/v1/sessions/{theirs}", {"output": "mine now"}, key=tenant.admin).status == 404
    fb = api.post(f"/v1/sessions/{theirs}/feedback", {"user_id": "u", "rating": 1}, key=tenant.admin)
    assert fb.status == 404
    assert api.get("/v1/sessions", key=tenant.read).body["items"] == []
    assert api.get(f"/v1/sessions?user_id={RESIZE['user_id']}", key=tenant.read).body["items"] == []
    still = api.get(f"/v1/sessions/{theirs}", key=other_tenant.read).body
    assert still["output"] == RESIZE["output"] and still["feedback"] == []


def test_list_is_newest_first_filtered_and_paged(api: Api) -> None:
    start = datetime(2026, 9, 28, 12, 0, tzinfo=UTC)
    with clock.frozen(start - timedelta(days=1)):
        tenant = make_tenant(api, "Lister")
        experiment = {"name": "e", "variants": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]}
        experiment_id = api.post("/v1/experiments", experiment, key=tenant.admin).body["id"]
    made = []
    for i in range(12):
        moment = start + timedelta(days=3 * i)  # spans October and November
        with clock.frozen(moment):
            body = {**RESIZE, "user_id": f"user-{i % 3}", "category_key": "caption" if i % 2 else "ai_resize"}
            if i % 4 == 0:
                body |= {"experiment_id": experiment_id, "variant_id": "a"}
            made.append((moment, api.post("/v1/sessions", body, key=tenant.app).body["session_id"], body))
    with clock.frozen(start + timedelta(days=40)):
        newest_first = [sid for _, sid, _ in reversed(made)]

        def collect(query: str, limit: int) -> list[str]:
            ids, cursor = [], None
            while True:
                path = f"/v1/sessions?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
                reply = api.get(path, key=tenant.read)
                assert reply.status == 200, reply.body
                assert len(reply.body["items"]) <= limit
                ids += [s["session_id"] for s in reply.body["items"]]
                cursor = reply.body["next_cursor"]
                if cursor is None:
                    return ids

        assert collect("", 50) == newest_first
        assert collect("", 5) == newest_first
        assert collect("&user_id=user-1", 2) == [sid for _, sid, b in reversed(made) if b["user_id"] == "user-1"]
        assert collect("&category_key=caption", 4) == [sid for _, sid, b in reversed(made) if b["category_key"] == "caption"]
        assert collect(f"&experiment_id={experiment_id}", 1) == [sid for _, sid, b in reversed(made) if b.get("experiment_id")]
        window = collect("&from=2026-10-05T00:00:00Z&to=2026-10-20T00:00:00Z", 2)
        expected = [
            sid for m, sid, _ in reversed(made) if datetime(2026, 10, 5, tzinfo=UTC) <= m <= datetime(2026, 10, 20, tzinfo=UTC)
        ]
        assert window == expected and len(expected) == 5
        assert collect("&user_id=user-2&category_key=ai_resize", 3) == [
            sid for _, sid, b in reversed(made) if b["user_id"] == "user-2" and b["category_key"] == "ai_resize"
        ]


def test_list_rejects_bad_queries_and_foreign_cursors(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    assert api.get("/v1/sessions?limit=0", key=tenant.read).status == 422
    assert api.get("/v1/sessions?limit=201", key=tenant.read).status == 422
    assert api.get("/v1/sessions?from=yesterday", key=tenant.read).status == 422
    assert api.get("/v1/sessions?colour=red", key=tenant.read).status == 422
    for _ in range(3):
        api.post("/v1/sessions", RESIZE, key=other_tenant.app)
    cursor = api.get("/v1/sessions?limit=1", key=other_tenant.read).body["next_cursor"]
    assert cursor
    stolen = api.get(f"/v1/sessions?limit=1&cursor={cursor}", key=tenant.read)
    assert stolen.status == 422
    assert stolen.body["error"]["details"][0]["field"] == "query.cursor"
    assert api.get("/v1/sessions?cursor=garbage", key=tenant.read).status == 422
