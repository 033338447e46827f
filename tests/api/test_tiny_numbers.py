"""Numbers written in exponent notation (a tiny cost, a float difference) are added like any other, as DynamoDB does:
the local DynamoDB (moto) parsed `4e-05` as an integer, so the second ADD of a cheap model's cost was a 500."""

from __future__ import annotations

import pytest

from chalicelib.core import counters, storage
from chalicelib.sessions.store import DAY, DayCounter
from tests.conftest import Api, Tenant


@pytest.mark.parametrize("delta", [0.00004, -2.7755575615628914e-17, 1e21])
def test_adds_of_numbers_in_exponent_notation_sum_exactly(api: Api, tenant: Tenant, delta: float) -> None:
    for seed in ("a", "b", "c"):
        op = counters.increment(DayCounter, tenant.id, DAY, "2026-01-02", {"quality_sum": delta}, seed="s", shards=1)
        assert op is not None and seed
        storage.commit([op])
    total = counters.read(DayCounter, tenant.id, DAY, "2026-01-02", "2026-01-02", shards=1)["2026-01-02"]["quality_sum"]
    assert total == pytest.approx(3 * delta, rel=1e-12)
