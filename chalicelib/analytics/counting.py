"""The sessions subscriber of analytics: per-day counters moved in the same transaction as the event.

Listed in `chalicelib.sessions.events.SUBSCRIBERS`. For every session event (a session or generation
recorded, feedback recorded or replaced, corrections changed, an erasure undoing them) it ADDs the
event's deltas to:

- the (day, task category, model) counter of the session's model, the source of the model roll-ups, and the
  same per hour (the edges of a window asked to the hour);
- the (day, experiment, variant) counter of the session's variant, which the weekly report compares;
- the day's and the hour's latency histograms, when a session with a processing time is created (or erased);
- the touched-days mark of the current hour, which tells aggregate-metrics which days changed.

The day (hour) is always the session's creation day (hour), UTC, as for the tenant's day and hour counters,
so late feedback lands on its session's day and hour. Failed calls to other models of a generation are counted by `attempt_ops`.
"""

from __future__ import annotations

from ..core import clock, counters, keys, storage
from ..sessions.events import SessionFacts
from . import latency
from .store import (
    LATENCY,
    LATENCY_HOUR,
    MODEL_DAY,
    MODEL_HOUR,
    TOUCH,
    VARIANT_DAY,
    LatencyCounter,
    LatencyHourCounter,
    ModelDayCounter,
    ModelHourCounter,
    TouchCounter,
    VariantDayCounter,
)


def session_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    changes = dict(deltas)
    if "sessions" in changes:
        changes["requests"] = changes.pop("sessions")
    ops: list[storage.Op | None] = [
        counters.increment(TouchCounter, facts.tenant_id, TOUCH, touch_bucket(facts.day), {"changes": 1}, seed=facts.session_id)
    ]
    hour = keys.hour_bucket(facts.created_at)
    if facts.model_id:
        pair, seed = f"{facts.category_key}#{facts.model_id}", facts.session_id
        ops.append(counters.increment(ModelDayCounter, facts.tenant_id, MODEL_DAY, f"{facts.day}#{pair}", changes, seed=seed))
        ops.append(counters.increment(ModelHourCounter, facts.tenant_id, MODEL_HOUR, f"{hour}#{pair}", changes, seed=seed))
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


def attempt_ops(tenant_id: str, category_key: str, model_id: str, ok: bool, seed: str) -> list[storage.Op]:
    """A call to a model other than the session's own (a failed one of a fallback chain), on today's and this hour's rows."""
    now, pair, deltas = clock.iso(clock.now()), f"{category_key}#{model_id}", {"attempts": 1, "errors": 0 if ok else 1}
    ops = [
        counters.increment(ModelDayCounter, tenant_id, MODEL_DAY, f"{now[:10]}#{pair}", deltas, seed=seed),
        counters.increment(ModelHourCounter, tenant_id, MODEL_HOUR, f"{keys.hour_bucket(now)}#{pair}", deltas, seed=seed),
    ]
    return [op for op in ops if op is not None]


def touch_bucket(day: str, moment: str | None = None) -> str:
    """`<hour of the write>#<day counted>`: the hour the change was written (wall clock), the day whose counts it moved."""
    hour = (moment or clock.iso(clock.wall()))[:13]
    return f"{hour}#{day}"
