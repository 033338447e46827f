"""The scheduled-task framework: registry, per-tenant state, manual runs, the schedule and queue handlers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.scheduler import fanout, registry, service
from chalicelib.scheduler.registry import TaskSpec
from tests.conftest import Api, Tenant

RUNS: list[str] = []
GATE = threading.Event()


def count_sessions(tenant_id: str) -> dict[str, Any]:
    RUNS.append(tenant_id)
    return {"tenant": tenant_id, "runs_so_far": RUNS.count(tenant_id)}


def explode(tenant_id: str) -> dict[str, Any]:
    raise RuntimeError("the warehouse is on fire")


def wait_for_gate(tenant_id: str) -> dict[str, Any]:
    GATE.wait(timeout=10)
    return {"waited": True}


@pytest.fixture(autouse=True)
def tasks() -> Iterator[None]:
    RUNS.clear()
    GATE.clear()
    specs = [
        TaskSpec("count-sessions", 1, "days", count_sessions, "Counts its runs"),
        TaskSpec("explode", 6, "hours", explode, "Always fails"),
        TaskSpec("slow", 30, "minutes", wait_for_gate, "Waits", enabled_by_default=False),
    ]
    for spec in specs:
        registry.register(spec)
    yield
    for spec in specs:
        registry.unregister(spec.name)


def test_tasks_are_listed_with_schedule_and_state(api: Api, tenant: Tenant) -> None:
    reply = api.get("/v1/scheduler/tasks", key=tenant.admin)
    assert reply.status == 200
    by_name = {t["name"]: t for t in reply.body["items"]}
    assert by_name["count-sessions"]["schedule"] == "rate(1 day)"
    assert by_name["explode"]["schedule"] == "rate(6 hours)"
    assert by_name["slow"]["enabled"] is False
    first = by_name["count-sessions"]
    assert (first["enabled"], first["last_run_at"], first["last_status"], first["last_result"]) == (True, None, None, None)
    assert api.get("/v1/scheduler/tasks", key=tenant.app).status == 403


def test_a_manual_run_records_its_result(api: Api, tenant: Tenant) -> None:
    run = api.post("/v1/scheduler/tasks/count-sessions/run", key=tenant.admin)
    assert run.status == 200
    assert run.body["status"] == "succeeded"
    assert run.body["result"] == {"tenant": tenant.id, "runs_so_far": 1}
    assert run.body["trigger"] == "manual"
    task = next(t for t in api.get("/v1/scheduler/tasks", key=tenant.admin).body["items"] if t["name"] == "count-sessions")
    assert task["last_status"] == "succeeded"
    assert task["last_result"] == run.body["result"]
    assert task["last_run_at"] == run.body["started_at"]
    assert task["runs"] == 1


def test_a_failing_task_is_recorded_as_failed(api: Api, tenant: Tenant) -> None:
    run = api.post("/v1/scheduler/tasks/explode/run", key=tenant.admin)
    assert run.status == 200
    assert run.body["status"] == "failed"
    # Our words, not the exception's text (which may name infrastructure or echo a secret); the log has the rest.
    assert run.body["error"] == "the task stopped on an internal error (logged for the operator)"
    task = next(t for t in api.get("/v1/scheduler/tasks", key=tenant.admin).body["items"] if t["name"] == "explode")
    assert (task["last_status"], task["failures"], task["runs"]) == ("failed", 1, 1)


def test_tasks_are_switched_per_tenant(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    reply = api.put("/v1/scheduler/tasks/count-sessions", {"enabled": False}, key=tenant.admin)
    assert reply.status == 200 and reply.body["enabled"] is False
    counts = service.run_for_all_tenants("count-sessions")
    assert counts == {"tenants": 2, "succeeded": 1, "failed": 0, "skipped": 1}
    assert RUNS == [other_tenant.id]
    mine = next(t for t in api.get("/v1/scheduler/tasks", key=tenant.admin).body["items"] if t["name"] == "count-sessions")
    theirs = next(
        t for t in api.get("/v1/scheduler/tasks", key=other_tenant.admin).body["items"] if t["name"] == "count-sessions"
    )
    assert (mine["enabled"], mine["runs"]) == (False, 0)
    assert (theirs["enabled"], theirs["runs"], theirs["last_trigger"]) == (True, 1, "schedule")
    assert api.put("/v1/scheduler/tasks/count-sessions", {"enabled": "no"}, key=tenant.admin).status == 422


def test_unknown_tasks_are_404(api: Api, tenant: Tenant) -> None:
    assert api.post("/v1/scheduler/tasks/no-such-task/run", key=tenant.admin).status == 404
    assert api.put("/v1/scheduler/tasks/no-such-task", {"enabled": True}, key=tenant.admin).status == 404


def test_a_running_task_is_not_started_twice(api: Api, tenant: Tenant) -> None:
    api.put("/v1/scheduler/tasks/slow", {"enabled": True}, key=tenant.admin)
    results: list[Any] = []
    first = threading.Thread(target=lambda: results.append(api.post("/v1/scheduler/tasks/slow/run", key=tenant.admin)))
    first.start()
    try:
        for _ in range(200):
            state = next(t for t in api.get("/v1/scheduler/tasks", key=tenant.admin).body["items"] if t["name"] == "slow")
            second = api.post("/v1/scheduler/tasks/slow/run", key=tenant.admin)
            if second.status == 409:
                break
        assert second.status == 409 and second.error_code == "task_running"
        assert state["runs"] == 0
    finally:
        GATE.set()
        first.join()
    assert results[0].status == 200 and results[0].body["status"] == "succeeded"
    assert api.post("/v1/scheduler/tasks/slow/run", key=tenant.admin).status == 200


def test_run_due_respects_the_period(api: Api, tenant: Tenant) -> None:
    from datetime import timedelta

    from chalicelib.core import clock

    service.run_due([tenant.id])
    service.run_due([tenant.id])
    assert RUNS == [tenant.id]  # daily: the second tick is too early
    with clock.frozen(clock.now() + timedelta(days=1, minutes=1)):
        service.run_due([tenant.id])
    assert RUNS == [tenant.id, tenant.id]


def test_the_queue_worker_runs_one_tenant(api: Api, tenant: Tenant) -> None:
    from chalice.test import Client

    import app

    with Client(app.app) as client:
        event = client.events.generate_sqs_event(
            message_bodies=[json.dumps({"task": "count-sessions", "tenant_id": tenant.id})],
            queue_name=registry.TASK_QUEUE_NAME,
        )
        client.lambda_.invoke("scheduled-task-worker", event)
    assert RUNS == [tenant.id]


def test_firing_without_a_queue_runs_inline(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    result = fanout.fire("count-sessions")
    assert result == {"mode": "inline", "tenants": 2, "succeeded": 2, "failed": 0, "skipped": 0}
    assert sorted(RUNS) == sorted([tenant.id, other_tenant.id])


def test_firing_with_a_queue_sends_one_message_per_tenant(
    api: Api, tenant: Tenant, other_tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName=registry.TASK_QUEUE_NAME)["QueueUrl"]
    monkeypatch.setenv("LEARNLOOP_TASK_QUEUE_URL", url)
    assert fanout.fire("count-sessions") == {"mode": "queued", "tenants": 2}
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    bodies = sorted((json.loads(m["Body"])["tenant_id"], json.loads(m["Body"])["task"]) for m in messages)
    assert bodies == sorted([(tenant.id, "count-sessions"), (other_tenant.id, "count-sessions")])
    assert RUNS == []
    for message in messages:
        assert fanout.handle_message(message["Body"]) == "succeeded"
    assert sorted(RUNS) == sorted([tenant.id, other_tenant.id])
