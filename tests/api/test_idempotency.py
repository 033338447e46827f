"""Idempotency-Key on POST: replays answer the first response and write nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from chalicelib.core import clock
from chalicelib.sessions import service as sessions
from tests.conftest import ROOT_KEY, Api, Tenant

SESSION = {"user_id": "u1", "category_key": "ai_resize", "input": {"w": 100}}


def day_sessions(tenant: Tenant) -> int:
    day = clock.day_of(clock.now())
    return int(sessions.daily_counts(tenant.id, day, day).get(day, {}).get("sessions", 0))


def listed(api: Api, tenant: Tenant) -> list[dict]:
    return api.get("/v1/sessions?limit=200", key=tenant.read).body["items"]


def test_a_hundred_replays_leave_one_session(api: Api, tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "resize-42"}
    first = api.post("/v1/sessions", SESSION, key=tenant.app, headers=headers)
    assert first.status == 201
    assert "idempotent-replayed" not in first.headers
    for _ in range(100):
        again = api.post("/v1/sessions", SESSION, key=tenant.app, headers=headers)
        assert again.status == 201
        assert again.body == first.body
        assert again.headers["idempotent-replayed"] == "true"
    assert [s["session_id"] for s in listed(api, tenant)] == [first.body["session_id"]]
    assert day_sessions(tenant) == 1


def test_twenty_concurrent_identical_posts_leave_one(api: Api, tenant: Tenant) -> None:
    def send(_: int) -> tuple[int, str]:
        reply = api.post("/v1/sessions", SESSION, key=tenant.app, headers={"Idempotency-Key": "burst"})
        return reply.status, reply.body.get("session_id", reply.body)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, range(20)))
    assert {status for status, _ in results} == {201}
    assert len({session_id for _, session_id in results}) == 1
    assert len(listed(api, tenant)) == 1
    assert day_sessions(tenant) == 1


def test_the_same_key_with_another_body_is_409(api: Api, tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "k1"}
    assert api.post("/v1/sessions", SESSION, key=tenant.app, headers=headers).status == 201
    other = api.post("/v1/sessions", {**SESSION, "user_id": "u2"}, key=tenant.app, headers=headers)
    assert other.status == 409
    assert other.error_code == "idempotency_key_reused"
    # The same key on another route is another request too.
    feedback = api.post("/v1/sessions/ses_x/feedback", {"user_id": "u", "rating": 3}, key=tenant.app, headers=headers)
    assert feedback.status == 409
    assert len(listed(api, tenant)) == 1


def test_key_order_in_the_body_does_not_matter(api: Api, tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "k-order"}
    first = api.request(
        "POST",
        "/v1/sessions",
        raw='{"user_id":"u1","category_key":"ai_resize","input":{"w":100}}',
        key=tenant.app,
        headers=headers,
    )
    second = api.request(
        "POST",
        "/v1/sessions",
        raw='{"input": {"w": 100}, "category_key": "ai_resize", "user_id": "u1"}',
        key=tenant.app,
        headers=headers,
    )
    assert second.status == 201 and second.body == first.body


def test_keys_are_scoped_to_the_tenant(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "shared-name"}
    mine = api.post("/v1/sessions", SESSION, key=tenant.app, headers=headers)
    theirs = api.post("/v1/sessions", SESSION, key=other_tenant.app, headers=headers)
    assert mine.status == theirs.status == 201
    assert mine.body["session_id"] != theirs.body["session_id"]
    assert "idempotent-replayed" not in theirs.headers


def test_key_length_is_validated(api: Api, tenant: Tenant) -> None:
    reply = api.post("/v1/sessions", SESSION, key=tenant.app, headers={"Idempotency-Key": "x" * 129})
    assert reply.status == 422
    assert reply.body["error"]["details"][0]["field"] == "header.Idempotency-Key"
    assert api.post("/v1/sessions", SESSION, key=tenant.app, headers={"Idempotency-Key": "x" * 128}).status == 201
    assert len(listed(api, tenant)) == 1


def test_a_failed_request_releases_its_key(api: Api, tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "fix-and-retry"}
    bad = api.post("/v1/sessions/ses_missing/feedback", {"user_id": "u", "rating": 5}, key=tenant.app, headers=headers)
    assert bad.status == 404
    session_id = api.post("/v1/sessions", SESSION, key=tenant.app).body["session_id"]
    # The 404 was not remembered: the key may be used for the corrected request.
    ok = api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u", "rating": 5}, key=tenant.app, headers=headers)
    assert ok.status == 201
    replay = api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u", "rating": 5}, key=tenant.app, headers=headers)
    assert replay.status == 201 and replay.body == ok.body


def test_feedback_replays_do_not_double_count(api: Api, tenant: Tenant) -> None:
    session_id = api.post("/v1/sessions", SESSION, key=tenant.app).body["session_id"]
    for _ in range(5):
        api.post(
            f"/v1/sessions/{session_id}/feedback",
            {"user_id": "u", "thumbs": "up"},
            key=tenant.app,
            headers={"Idempotency-Key": "fb-1"},
        )
    day = clock.day_of(clock.now())
    totals = sessions.daily_counts(tenant.id, day, day)[day]
    assert (totals["feedback"], totals["successes"]) == (1, 1)


def test_root_scoped_keys_protect_tenant_creation(api: Api) -> None:
    headers = {"Idempotency-Key": "onboard-acme"}
    body = {"name": "Acme", "domain": "idem.example"}
    first = api.post("/v1/tenants", body, key=ROOT_KEY, headers=headers)
    again = api.post("/v1/tenants", body, key=ROOT_KEY, headers=headers)
    assert first.status == again.status == 201
    assert again.body["tenant"] == first.body["tenant"]
    assert again.body["api_key"]["id"] == first.body["api_key"]["id"]
    # A minted secret is shown once: it is never stored, so the replay cannot show it again.
    assert first.body["api_key"]["key"].startswith("ll.")
    assert again.body["api_key"]["key"] is None
    assert api.get("/v1/tenants/me", key=first.body["api_key"]["key"]).status == 200


def test_no_stored_item_holds_a_minted_secret(api: Api, tenant: Tenant) -> None:
    from chalicelib.core.table import TableItem

    minted = api.post("/v1/api-keys", {"name": "ci", "role": "app"}, key=tenant.admin, headers={"Idempotency-Key": "mint"})
    secret = minted.body["key"].split(".")[-1]
    dumped = "".join(str(item.attribute_values) for item in TableItem.scan())
    assert secret not in dumped
    assert tenant.admin.split(".")[-1] not in dumped
