"""Scheduled tasks under time budgets: a run out of time is a recorded failure that SQS retries, a killed run's lock
goes stale before its message is redelivered (and is then run, with the killed run recorded), the fan-out loses no
tenant when SendMessageBatch refuses entries."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core import clock, deadline, keys
from chalicelib.scheduler import fanout, registry, service
from chalicelib.scheduler.registry import TaskSpec
from tests.conftest import Api, Tenant

RUNS: list[str] = []


def long_task(tenant_id: str) -> dict[str, Any]:
    """Works item by item, checking its deadline between items (as a task's loop does)."""
    for item in range(100):
        deadline.check(f"item {item}")
        time.sleep(0.05)
    RUNS.append(tenant_id)
    return {"items": 100}


def quick_task(tenant_id: str) -> dict[str, Any]:
    RUNS.append(tenant_id)
    return {"ran": True}


@pytest.fixture(autouse=True)
def tasks() -> Iterator[None]:
    RUNS.clear()
    specs = [
        TaskSpec("long-task", 1, "hours", long_task, "Takes 5 s"),
        TaskSpec("quick-task", 1, "hours", quick_task, "Takes no time"),
    ]
    for spec in specs:
        registry.register(spec)
    yield
    for spec in specs:
        registry.unregister(spec.name)


def state(api: Api, tenant: Tenant, name: str) -> dict[str, Any]:
    return next(t for t in api.get("/v1/scheduler/tasks", key=tenant.admin).body["items"] if t["name"] == name)


def message(name: str, tenant: Tenant) -> str:
    return json.dumps({"task": name, "tenant_id": tenant.id})


def test_a_queued_run_out_of_time_is_recorded_and_raised_for_a_retry(
    api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNLOOP_DEADLINE_MARGIN_SECONDS", "0.5")
    began = time.monotonic()
    with pytest.raises(service.TaskTimedOut):  # SQS delivers the message again
        fanout.handle_message(message("long-task", tenant), seconds=1.5)  # the worker Lambda's remaining time
    # Stopped at its deadline (1.0 s), not after the task's 5 s; the slack is for a loaded CI machine's bookkeeping.
    assert time.monotonic() - began < 3.5
    assert RUNS == []
    task = state(api, tenant, "long-task")
    assert (task["last_status"], task["runs"], task["failures"], task["timeouts"]) == ("failed", 1, 1, 1)
    assert task["last_error"].startswith("timed out: out of time while item ")
    assert task["last_timed_out_at"] == task["last_finished_at"]
    # the lock went with the run: the redelivered message runs at once
    assert fanout.handle_message(message("quick-task", tenant), seconds=60) == "succeeded"
    assert service.run_task(tenant.id, "long-task", seconds=30).status == "succeeded"


def test_the_worker_gives_the_task_its_lambdas_remaining_time(api: Api, tenant: Tenant) -> None:
    from chalice.test import Client

    import app

    with Client(app.app) as client:
        event = client.events.generate_sqs_event(message_bodies=[message("quick-task", tenant)], queue_name="q")
        client.lambda_.invoke("scheduled-task-worker", event)
    assert RUNS == [tenant.id]

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 1500

    class Event:
        context = Context()

    from chalicelib.jobs.schedules import remaining_seconds

    assert remaining_seconds(Event()) == 1.5


def test_a_redelivered_message_runs_once_the_killed_runs_lock_is_stale(api: Api, tenant: Tenant) -> None:
    # A run took the task and its Lambda was killed at its timeout: the lock stays, nothing is recorded.
    started = clock.now()
    service._lock(keys.task_state(tenant.id, "quick-task"), "quick-task", "killed-run", started)
    assert fanout.handle_message(message("quick-task", tenant)) == "skipped"  # a duplicate while it may still run
    assert state(api, tenant, "quick-task")["skipped_while_running"] == 1
    # SQS redelivers after its visibility timeout (360 s), beyond the lock (the Lambda's 60 s + 30 s).
    with clock.frozen(started + timedelta(seconds=deadline.lock_seconds() + 1)):
        assert fanout.handle_message(message("quick-task", tenant)) == "succeeded"
    assert RUNS == [tenant.id]
    task = state(api, tenant, "quick-task")
    assert (task["last_status"], task["runs"], task["failures"], task["timeouts"]) == ("succeeded", 2, 1, 1)
    assert task["last_timed_out_at"] == clock.iso(started + timedelta(seconds=deadline.lock_seconds() + 1))


class FlakySqs:
    """The real (moto) SQS client, except that SendMessageBatch refuses the first entry of its first `refusals` calls."""

    def __init__(self, real: Any, refusals: int) -> None:
        self.real, self.refusals = real, refusals

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        if self.refusals > 0:
            self.refusals -= 1
            refused, taken = Entries[0], Entries[1:]
            answer = self.real.send_message_batch(QueueUrl=QueueUrl, Entries=taken) if taken else {"Successful": []}
            failure = {"Id": refused["Id"], "SenderFault": False, "Code": "InternalError", "Message": "try again"}
            return {**answer, "Failed": [failure]}
        return self.real.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)  # type: ignore[no-any-return]


@pytest.fixture
def queue(api: Api, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    import boto3

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName=registry.TASK_QUEUE_NAME)["QueueUrl"]
    monkeypatch.setenv("LEARNLOOP_TASK_QUEUE_URL", url)
    return sqs, url


def received(sqs: Any, url: str) -> list[str]:
    found: list[str] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        found += [json.loads(m["Body"])["tenant_id"] for m in batch]
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in batch]
        )
    return sorted(found)


def test_the_fan_out_sends_refused_entries_again(
    tenant: Tenant, other_tenant: Tenant, queue: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    sqs, url = queue
    flaky = FlakySqs(sqs, refusals=2)
    monkeypatch.setattr(boto3, "client", lambda *a, **kw: flaky)
    assert fanout.fire("quick-task") == {"mode": "queued", "tenants": 2}
    assert received(sqs, url) == sorted([tenant.id, other_tenant.id])


def test_the_fan_out_raises_when_entries_stay_refused(
    tenant: Tenant, other_tenant: Tenant, queue: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    sqs, url = queue
    monkeypatch.setattr(boto3, "client", lambda *a, **kw: FlakySqs(sqs, refusals=fanout.SEND_ATTEMPTS))
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    with pytest.raises(fanout.FanOutIncomplete) as raised:  # EventBridge retries the trigger
        fanout.fire("quick-task")
    assert str(raised.value) == "1 of 2 messages were not queued (InternalError)"
    assert len(received(sqs, url)) == 1
