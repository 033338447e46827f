"""Load and chaos, short: 50 clients against the real local stack with faults injected, then every invariant.

The short version of `python -m bench chaos` (bench/chaos.py, bench/load.py): 10% of transactions conflict,
5% of DynamoDB attempts are throttled, every call is 5-200 ms slower, 10% of provider calls fail and 5% time
out, while 50 clients write sessions, feedback, generations and assignments with Idempotency-Keys and retry
as real clients do. Afterwards nothing acknowledged is lost or doubled, the counters equal their recount,
no key's provider calls were made twice, no answer was a 500 and every 503 said when to come back.
"""

from __future__ import annotations

import pytest

from bench import chaos, load

pytestmark = pytest.mark.e2e


def test_invariants_hold_under_chaos_and_fifty_clients() -> None:
    figures = chaos.scenario(load.CHAOS, clients=50, seconds=8.0, seed=11)

    failed = {name: result for name, result in figures["invariants"].items() if not result["ok"]}
    assert failed == {}
    assert figures["statuses"].get("500", 0) == 0
    assert figures["unanswered"] == 0
    # The faults were there: conflicts and throttling retried inside, provider failures met by the generations.
    assert figures["injected"].get("TransactionConflict", 0) > 0
    assert figures["injected"].get("throttle", 0) + figures["injected"].get("ThrottlingError", 0) > 0
    assert set(figures["writes_acknowledged"]) == {"session", "feedback", "generation", "assignment"}
    assert figures["invariants"]["sessions exactly once"]["stored"] >= 20  # a quarter of the clients write one first
