"""The sessions subscriber of analytics: per-day counters moved in the same transaction as the event.

A session counter (chalicelib/contributions.py). For every session event (a session or generation
recorded, feedback recorded or replaced, corrections changed, an erasure undoing them) it ADDs the
event's deltas to:

- the (day, experiment, variant) counter of the session's variant, which the weekly report compares;
- the day's and the hour's latency histograms, when a session with a processing time is created (or erased);
- the touched-days mark of the current hour, which tells aggregate-metrics which days changed.

The day (hour) is always the session's creation day (hour), UTC, as for the tenant's day and hour counters,
so late feedback lands on its session's day and hour. The (day, task category, model) rows the model roll-ups are
made of are model statistics' (chalicelib/model_stats/counting.py), moved by the same events.
"""

from __future__ import annotations

from ..core import clock, counters, keys, storage
from ..core.extensions import SessionFacts
from . import latency
from .store import LATENCY, LATENCY_HOUR, TOUCH, VARIANT_DAY, LatencyCounter, LatencyHourCounter, TouchCounter, VariantDayCounter


def session_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    changes = dict(deltas)
    if "sessions" in changes:
        changes["requests"] = changes.pop("sessions")
    ops: list[storage.Op | None] = [
        counters.increment(TouchCounter, facts.tenant_id, TOUCH, touch_bucket(facts.day), {"changes": 1}, seed=facts.session_id)
    ]
    hour = keys.hour_bucket(facts.created_at)
    if facts.experiment_id and facts.variant_id:
        bucket = f"{facts.day}#{facts.experiment_id}#{facts.variant_id}"
        ops.append(counters.increment(VariantDayCounter, facts.tenant_id, VARIANT_DAY, bucket, changes, seed=facts.session_id))
    timed = changes.get("processing_count")
    if timed:
        ms = abs(changes.get("processing_ms_sum", 0) / timed)
        bucket_of_ms = {latency.field_name(latency.bucket_of(ms)): timed}
        ops.append(counters.increment(LatencyCounter, facts.tenant_id, LATENCY, facts.day, bucket_of_ms, seed=facts.session_id))
        ops.append(
            counters.increment(LatencyHourCounter, facts.tenant_id, LATENCY_HOUR, hour, bucket_of_ms, seed=facts.session_id)
        )
    return [op for op in ops if op is not None]


def touch_bucket(day: str, moment: str | None = None) -> str:
    """`<hour of the write>#<day counted>`: the hour the change was written (wall clock), the day whose counts it moved."""
    hour = (moment or clock.iso(clock.wall()))[:13]
    return f"{hour}#{day}"
