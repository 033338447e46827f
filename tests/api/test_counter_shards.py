"""Hot counters under conflicts: a retried transaction moves its counter ADDs to other shards, and counts stay exact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.core import counters, faults, keys
from chalicelib.core.table import TableItem
from chalicelib.sessions.store import DAY, DayCounter
from tests.conftest import Api, Tenant

SESSION = {"user_id": "u1", "category_key": "ai_resize", "input": {"canvas": [1080, 1080]}, "output": "ok"}


@pytest.fixture
def conflicts(monkeypatch: pytest.MonkeyPatch) -> Iterator[faults.Faults]:
    """The first 5 transactions cancelled with TransactionConflict, 8 counter shards."""
    monkeypatch.setenv("LEARNLOOP_COUNTER_SHARDS", "8")
    faults.reset()
    monkeypatch.setenv("LEARNLOOP_CHAOS", "conflict_first=5,seed=3")
    active = faults.active()
    assert active is not None
    yield active
    faults.reset()


def test_a_retry_sends_the_same_counters_one_turn_of_the_shards_on(api: Api, tenant: Tenant) -> None:
    op = counters.increment(DayCounter, tenant.id, DAY, "2026-01-02", {"sessions": 1}, seed="ses_x", shards=8)
    assert op is not None and op.moved is not None
    first = counters.shard_for("ses_x", 8)
    assert (op.item.pk, op.item.sk) == keys.counter(tenant.id, first, DAY, "2026-01-02")
    assert [op.moved(turn).pk for turn in (0, 3, 8)] == [
        keys.counter_partition(tenant.id, first),
        keys.counter_partition(tenant.id, (first + 3) % 8),
        keys.counter_partition(tenant.id, first),
    ]
    assert op.moved(3).sk == op.item.sk
    single = counters.increment(DayCounter, tenant.id, DAY, "2026-01-02", {"sessions": 1}, seed="ses_x", shards=1)
    assert single is not None and single.moved is None


def test_sessions_whose_transactions_conflicted_are_counted_once(api: Api, tenant: Tenant, conflicts: faults.Faults) -> None:
    created = [api.post("/v1/sessions", SESSION, key=tenant.app) for _ in range(4)]
    assert [reply.status for reply in created] == [201, 201, 201, 201]
    assert conflicts.injected["TransactionConflict"] == 5
    day = created[0].body["created_at"][:10]
    assert counters.read(DayCounter, tenant.id, DAY, day, day)[day]["sessions"] == 4
    items = [item for shard in range(8) for item in TableItem.query(keys.counter_partition(tenant.id, shard))]
    assert sum(int(getattr(item, "sessions", 0) or 0) for item in items if item.sk == f"{DAY}#{day}") == 4
    summary = api.get("/v1/analytics/summary?days=1", key=tenant.read).body
    assert summary["total_sessions"] == 4
