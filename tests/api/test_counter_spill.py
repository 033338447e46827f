"""A transaction that meets a busy counter shard sets its counter ADDs aside (core/spill.py), and a fold adds them to
the counters exactly once: the request never waits on its tenant's counters, and no count is lost or doubled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.core import counters, faults, keys, storage
from chalicelib.core.spill import CounterSpill
from chalicelib.core.table import TableItem
from chalicelib.jobs.streams import fold_spilled_counters, spilled_tenants
from chalicelib.sessions.store import DAY, DayCounter
from tests.conftest import Api, Tenant

SESSION = {"user_id": "u1", "category_key": "ai_resize", "input": {"canvas": [1080, 1080]}, "output": "ok"}


@pytest.fixture
def counter_conflicts(monkeypatch: pytest.MonkeyPatch) -> Iterator[faults.Faults]:
    """The first 3 transactions that touch a counter shard are cancelled with TransactionConflict on it."""
    faults.reset()
    monkeypatch.setenv("LEARNLOOP_CHAOS", "conflict_first=3,item=#COUNTER#,seed=5")
    active = faults.active()
    assert active is not None
    yield active
    faults.reset()


def sessions_counted(tenant_id: str, day: str) -> int:
    return int(counters.read(DayCounter, tenant_id, DAY, day, day).get(day, {}).get("sessions", 0))


def spill_items(tenant_id: str) -> list[CounterSpill]:
    return list(CounterSpill.query(keys.counter_spill_partition(tenant_id), consistent_read=True))


def test_a_conflicted_session_is_counted_once_through_the_inline_fold(
    api: Api, tenant: Tenant, counter_conflicts: faults.Faults
) -> None:
    created = [api.post("/v1/sessions", SESSION, key=tenant.app) for _ in range(3)]
    assert [reply.status for reply in created] == [201, 201, 201]
    assert counter_conflicts.injected["TransactionConflict"] == 3
    day = created[0].body["created_at"][:10]
    assert sessions_counted(tenant.id, day) == 3
    assert spill_items(tenant.id) == []  # folded by the requests that spilled them
    assert api.get("/v1/analytics/summary?days=1", key=tenant.read).body["total_sessions"] == 3


def test_spilled_counts_wait_for_the_stream_and_a_second_fold_adds_nothing(
    api: Api, tenant: Tenant, counter_conflicts: faults.Faults, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNLOOP_COUNTER_FOLDING", "stream")
    first = api.post("/v1/sessions", SESSION, key=tenant.app)
    assert first.status == 201
    day = first.body["created_at"][:10]
    # Conflicted, so spilled: the session exists, its counts wait in one spill item for the stream consumer.
    assert api.get(f"/v1/sessions/{first.body['id']}", key=tenant.read).status == 200
    assert sessions_counted(tenant.id, day) == 0
    [spill] = spill_items(tenant.id)
    assert spill.tenant_id == tenant.id and {add[1] for add in spill.adds} >= {DAY}

    stale = counters._next_batch(tenant.id)  # what a second, concurrent folder read before the first one committed
    assert counters.fold(tenant.id) == 1
    assert sessions_counted(tenant.id, day) == 1 and spill_items(tenant.id) == []

    real = counters._next_batch
    calls = iter([stale])
    monkeypatch.setattr(counters, "_next_batch", lambda tenant_id: next(calls, None) or real(tenant_id))
    assert counters.fold(tenant.id) == 0  # its deletes' conditions fail: cancelled, nothing added
    assert sessions_counted(tenant.id, day) == 1


def test_the_stream_consumer_folds_the_tenants_of_new_spill_items(
    api: Api, tenant: Tenant, counter_conflicts: faults.Faults, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNLOOP_COUNTER_FOLDING", "stream")
    replies = [api.post("/v1/sessions", SESSION, key=tenant.app) for _ in range(3)]
    day = replies[0].body["created_at"][:10]
    assert len(spill_items(tenant.id)) == 3 and sessions_counted(tenant.id, day) == 0
    images = [{"kind": {"S": "counter_spill"}, "tenant_id": {"S": tenant.id}, "pk": {"S": "x"}}] * 3
    assert spilled_tenants([*images, {"kind": {"S": "session"}}, None]) == [tenant.id]
    record = {
        "eventID": "1",
        "eventName": "INSERT",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:1:table/t/stream/s",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1700000000,
            "NewImage": images[0],
            "SequenceNumber": "1",
            "SizeBytes": 10,
            "StreamViewType": "NEW_IMAGE",
        },
    }
    for _ in range(2):  # delivered twice: the second adds nothing
        fold_spilled_counters({"Records": [record, record]}, None)
    assert sessions_counted(tenant.id, day) == 3 and spill_items(tenant.id) == []


def test_a_replayed_idempotent_create_after_a_spill_is_the_same_session_counted_once(
    api: Api, tenant: Tenant, counter_conflicts: faults.Faults
) -> None:
    headers = {"Idempotency-Key": "spill-once"}
    first = api.post("/v1/sessions", SESSION, key=tenant.app, headers=headers)
    again = api.post("/v1/sessions", SESSION, key=tenant.app, headers=headers)
    assert (first.status, again.status) == (201, 201) and again.body["id"] == first.body["id"]
    assert sessions_counted(tenant.id, first.body["created_at"][:10]) == 1


def test_a_spill_keeps_each_ops_place_for_the_conditions_it_reports() -> None:
    def item(pk: str) -> TableItem:
        return TableItem(pk, "s")

    counter = counters.increment(DayCounter, "t1", DAY, "2026-01-02", {"sessions": 1}, seed="x")
    assert counter is not None and counter.counter is not None
    ops: list[storage.Op] = [storage.Put(item("a")), counter, storage.Put(item("b")), storage.Update(item("guard"), [])]
    sent, origin, tenant_id = storage._spilled(ops, [0, 1, 2, storage._GUARD])
    assert tenant_id == "t1"
    assert origin == [0, 2, storage._SPILL, storage._GUARD]
    assert isinstance(sent[2], storage.Put) and isinstance(sent[2].item, CounterSpill)
    assert sent[2].item.adds == [counter.counter.encoded()]
