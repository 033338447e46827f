"""Webhooks through the API: secrets shown once, SSRF refusal, signed deliveries retried with backoff from the queue,
the delivery log, redelivery, rotation with an overlap, and an endpoint that keeps failing disabled."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib.core import clock
from chalicelib.events import service as events
from chalicelib.webhooks import signing
from tests.conftest import Api, Tenant
from tests.fakes.webhook_receiver import WebhookReceiver


@pytest.fixture
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLOOP_WEBHOOK_ALLOW_LOOPBACK", "true")


@pytest.fixture
def receiver(loopback: None) -> Iterator[WebhookReceiver]:
    running = WebhookReceiver().start()
    yield running
    running.stop()


def add_endpoint(api: Api, tenant: Tenant, receiver: WebhookReceiver, **extra: object) -> dict:
    made = api.post("/v1/webhooks/endpoints", {"url": receiver.url, **extra}, key=tenant.admin)
    assert made.status == 201, made.body
    receiver.secret = made.body["secret"]
    return made.body


def deliver(api: Api, tenant: Tenant) -> dict:
    run = api.post("/v1/scheduler/tasks/deliver-webhooks/run", key=tenant.admin)
    assert run.status == 200 and run.body["status"] == "succeeded", run.body
    return run.body["result"]


def test_secret_shown_once_and_ssrf_refused(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLOOP_WEBHOOK_ALLOW_LOOPBACK", "false")  # production settings
    for url in (
        "http://127.0.0.1:9/h",
        "http://localhost/h",
        "http://10.0.0.7/h",
        "http://169.254.169.254/latest",
        "http://[::1]/h",
    ):
        refused = api.post("/v1/webhooks/endpoints", {"url": url}, key=tenant.admin)
        assert (refused.status, refused.error_code) == (422, "validation_failed"), url
        assert refused.body["error"]["details"][0]["field"] == "body.url"
    assert api.post("/v1/webhooks/endpoints", {"url": "ftp://hooks.example.com/x"}, key=tenant.admin).status == 422
    bad_type = api.post(
        "/v1/webhooks/endpoints", {"url": "https://hooks.example.com/x", "event_types": ["nope"]}, key=tenant.admin
    )
    assert bad_type.status == 422 and "unknown event types" in bad_type.body["error"]["message"]
    made = api.post(
        "/v1/webhooks/endpoints", {"url": "https://hooks.example.com/x"}, key=tenant.admin, headers={"Idempotency-Key": "ep-1"}
    )
    assert made.status == 201 and made.body["secret"].startswith("whsec_")
    replay = api.post(
        "/v1/webhooks/endpoints", {"url": "https://hooks.example.com/x"}, key=tenant.admin, headers={"Idempotency-Key": "ep-1"}
    )
    assert replay.body["id"] == made.body["id"] and replay.body["secret"] is None  # a minted secret is never stored
    shown = api.get(f"/v1/webhooks/endpoints/{made.body['id']}", key=tenant.admin)
    assert shown.body["secret"] is None and shown.body["secret_hint"] == made.body["secret"][-4:]
    assert api.get(f"/v1/webhooks/endpoints/{made.body['id']}", key=tenant.read).status == 403

    # A name that resolves to a private address is refused at delivery time (DNS can change after creation).
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: (
            [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))]
            if host == "hooks.example.com"
            else real(host, *a, **k)
        ),
    )
    events.emit(tenant.id, "budget.threshold_80", "2026-01", "budget:2026-01", {"month": "2026-01"})
    assert deliver(api, tenant)["retrying"] == 1
    log = api.get(f"/v1/webhooks/endpoints/{made.body['id']}/deliveries", key=tenant.admin).body["items"][0]
    assert log["log"][0]["status_code"] is None
    assert log["log"][0]["error"].startswith("refused: hooks.example.com resolves to 10.1.2.3")


def test_signed_delivery_retried_with_backoff_and_deduped(
    api: Api, tenant: Tenant, other_tenant: Tenant, receiver: WebhookReceiver
) -> None:
    receiver.fail_first = 2
    endpoint = add_endpoint(api, tenant, receiver, event_types=["training_job.failed", "budget.threshold_80"])
    other = api.post("/v1/webhooks/endpoints", {"url": "https://hooks.globex.example/x"}, key=other_tenant.admin).body
    start = clock.now()
    with clock.frozen(start):
        first = events.emit(tenant.id, "budget.threshold_80", "2026-05", "budget:2026-05", {"month": "2026-05", "spent_usd": 8.0})
        again = events.emit(tenant.id, "budget.threshold_80", "2026-05", "budget:2026-05", {"month": "2026-05", "spent_usd": 8.5})
        assert first is not None and again is None  # a detector run again: one event, one delivery
        events.emit(tenant.id, "drift.detected", "m#f#ks#day", "model:m:v1", {})  # a type this endpoint does not want
        assert deliver(api, tenant) == {"succeeded": 0, "retrying": 1, "failed": 0}
        assert deliver(api, tenant) == {"succeeded": 0, "retrying": 0, "failed": 0}  # not due again yet
    with clock.frozen(start + timedelta(seconds=61)):  # 1 minute after the first failure
        assert deliver(api, tenant)["retrying"] == 1
    with clock.frozen(start + timedelta(seconds=61 + 119)):  # the second pause is 2 minutes: not yet
        assert deliver(api, tenant)["retrying"] == 0
    with clock.frozen(start + timedelta(seconds=61 + 121)):
        assert deliver(api, tenant)["succeeded"] == 1
    assert [r.status for r in receiver.received] == [500, 500, 200]
    assert all(r.signature_ok and r.event_id == first for r in receiver.received)
    assert [r.attempt for r in receiver.received] == [1, 2, 3]
    assert receiver.received[0].body["data"] == {"month": "2026-05", "spent_usd": 8.0}
    assert list(receiver.processed) == [first]
    listed = api.get(f"/v1/webhooks/endpoints/{endpoint['id']}/deliveries", key=tenant.admin).body["items"]
    assert [(d["status"], d["attempts"], [a["status_code"] for a in d["log"]]) for d in listed] == [
        ("succeeded", 3, [500, 500, 200])
    ]
    assert api.get(f"/v1/webhooks/endpoints/{endpoint['id']}/deliveries?status=pending", key=tenant.admin).body["items"] == []

    # A manual redelivery: the same event id again, which the receiver acknowledges without processing twice.
    again_delivery = api.post(f"/v1/webhooks/deliveries/{listed[0]['id']}/redeliver", key=tenant.admin)
    assert again_delivery.status == 201 and again_delivery.body["redelivery_of"] == listed[0]["id"]
    assert deliver(api, tenant)["succeeded"] == 1
    assert receiver.received[-1].event_id == first and receiver.duplicates == 1 and len(receiver.processed) == 1

    # Another tenant sees none of it.
    assert api.get(f"/v1/webhooks/endpoints/{endpoint['id']}", key=other_tenant.admin).status == 404
    assert api.get(f"/v1/webhooks/deliveries/{listed[0]['id']}", key=other_tenant.admin).status == 404
    assert api.get(f"/v1/events/{first}", key=other_tenant.read).status == 404
    assert api.get("/v1/events", key=other_tenant.read).body["items"] == []
    assert api.get(f"/v1/webhooks/endpoints/{other['id']}/deliveries", key=other_tenant.admin).body["items"] == []
    feed = api.get("/v1/events?type=budget.threshold_80", key=tenant.read).body["items"]
    assert [(e["id"], e["type"], e["data"]["spent_usd"]) for e in feed] == [(first, "budget.threshold_80", 8.0)]


def test_rotation_signs_with_both_secrets_during_the_overlap(api: Api, tenant: Tenant, receiver: WebhookReceiver) -> None:
    endpoint = add_endpoint(api, tenant, receiver)
    old = receiver.secret
    rotated = api.post(f"/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret", {"overlap_hours": 1}, key=tenant.admin)
    assert rotated.status == 200 and rotated.body["secret"] not in (None, old)
    new = rotated.body["secret"]
    events.emit(tenant.id, "training_job.failed", "job-1", "training_job:job-1", {"job_id": "job-1"})
    receiver.secret = new
    assert deliver(api, tenant)["succeeded"] == 1
    got = receiver.received[-1]
    raw = _raw(got.body)
    header = got.headers[signing.HEADER]
    assert header.count("v1=") == 2
    now = int(time.time())
    assert signing.verify(new, header, raw, now) and signing.verify(old, header, raw, now)
    assert not signing.verify("whsec_wrong", header, raw, now)
    assert not signing.verify(new, header, raw + b" ", now)  # a changed body
    assert not signing.verify(new, header, raw, now + signing.TOLERANCE_SECONDS + 5)  # a replay, later
    with clock.frozen(clock.now() + timedelta(hours=2)):  # the overlap is over: the new secret alone
        events.emit(tenant.id, "training_job.failed", "job-2", "training_job:job-2", {"job_id": "job-2"})
        assert deliver(api, tenant)["succeeded"] == 1
    assert receiver.received[-1].headers[signing.HEADER].count("v1=") == 1


def test_an_endpoint_that_keeps_failing_gives_up_after_a_day_and_is_disabled(
    api: Api, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    receiver.always_fail = True
    endpoint = add_endpoint(api, tenant, receiver)
    start = clock.now()
    with clock.frozen(start):
        events.emit(tenant.id, "anomaly.detected", "sessions#day#x", "sessions:x", {"metric": "sessions"})
    moment, runs = start, 0
    while True:
        with clock.frozen(moment):
            result = deliver(api, tenant)
        runs += 1
        delivery = api.get(f"/v1/webhooks/endpoints/{endpoint['id']}/deliveries", key=tenant.admin).body["items"][0]
        if delivery["status"] != "pending":
            break
        moment = clock.parse_iso(delivery["next_attempt_at"])
        assert runs < 20
    assert result["failed"] == 1 and delivery["status"] == "failed"
    # 1, 2, 4, ... 512 minutes after each failure (about 17 h in all), then the last attempt at the day's end.
    gaps = [
        (clock.parse_iso(b["at"]) - clock.parse_iso(a["at"])).total_seconds()
        for a, b in zip(delivery["log"], delivery["log"][1:], strict=False)
    ]
    assert [round(g) for g in gaps[:10]] == [60 * 2**i for i in range(10)]
    assert delivery["attempts"] == 12 and delivery["log"][-1]["at"][:19] == delivery["give_up_at"][:19]
    assert {a["status_code"] for a in delivery["log"]} == {500}
    shown = api.get(f"/v1/webhooks/endpoints/{endpoint['id']}", key=tenant.admin).body
    assert (shown["enabled"], shown["status"], shown["consecutive_failures"]) == (False, "disabled", 12)
    assert shown["disabled_reason"].startswith("every attempt failed for 24.0 hours")
    with clock.frozen(moment + timedelta(minutes=1)):
        events.emit(tenant.id, "anomaly.detected", "sessions#day#y", "sessions:y", {"metric": "sessions"})
    assert len(api.get(f"/v1/webhooks/endpoints/{endpoint['id']}/deliveries", key=tenant.admin).body["items"]) == 1
    refused = api.post(f"/v1/webhooks/deliveries/{delivery['id']}/redeliver", key=tenant.admin)
    assert (refused.status, refused.error_code) == (409, "endpoint_disabled")
    back = api.patch(f"/v1/webhooks/endpoints/{endpoint['id']}", {"enabled": True}, key=tenant.admin)
    assert back.status == 200 and back.body["status"] == "enabled" and back.body["consecutive_failures"] == 0


def _raw(body: dict) -> bytes:
    import json

    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
