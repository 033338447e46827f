"""The sessions subscriber of analytics: per-day counters moved in the same transaction as the event.

Listed in `chalicelib.sessions.events.SUBSCRIBERS`. For every session event (a session or generation
recorded, feedback recorded or replaced, corrections changed, an erasure undoing them) it ADDs the
event's deltas to:

- the (day, task category, model) counter of the session's model, the source of the model roll-ups;
- the (day, experiment, variant) counter of the session's variant, which the weekly report compares;
- the day's latency histogram, when a session with a processing time is created (or erased);
- the touched-days mark of the current hour, which tells aggregate-metrics which days changed.

The day is always the session's creation day (UTC), as for the tenant's day counters, so late feedback
lands on its session's day. Failed calls to other models of a generation are counted by `attempt_ops`.
"""

from __future__ import annotations

from ..core import clock, counters, storage
from ..sessions.events import SessionFacts
from . import latency
from .store import LATENCY, MODEL_DAY, TOUCH, VARIANT_DAY, LatencyCounter, ModelDayCounter, TouchCounter, VariantDayCounter


def session_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    changes = dict(deltas)
    if "sessions" in changes:
        changes["requests"] = changes.pop("sessions")
    ops: list[storage.Op | None] = [
        counters.increment(TouchCounter, facts.tenant_id, TOUCH, touch_bucket(facts.day), {"changes": 1}, seed=facts.session_id)
    ]
    if facts.model_id:
        bucket = f"{facts.day}#{facts.category_key}#{facts.model_id}"
        ops.append(counters.increment(ModelDayCounter, facts.tenant_id, MODEL_DAY, bucket, changes, seed=facts.session_id))
    if facts.experiment_id and facts.variant_id:
        bucket = f"{facts.day}#{facts.experiment_id}#{facts.variant_id}"
        ops.append(counters.increment(VariantDayCounter, facts.tenant_id, VARIANT_DAY, bucket, changes, seed=facts.session_id))
    timed = changes.get("processing_count")
    if timed:
        ms = abs(changes.get("processing_ms_sum", 0) / timed)
        ops.append(
            counters.increment(
                LatencyCounter,
                facts.tenant_id,
                LATENCY,
                facts.day,
                {latency.field_name(latency.bucket_of(ms)): timed},
                seed=facts.session_id,
            )
        )
    return [op for op in ops if op is not None]


def attempt_ops(tenant_id: str, category_key: str, model_id: str, ok: bool, seed: str) -> list[storage.Op]:
    """A call to a model other than the session's own (a failed one of a fallback chain), on today's row."""
    bucket = f"{clock.day_of(clock.now())}#{category_key}#{model_id}"
    op = counters.increment(ModelDayCounter, tenant_id, MODEL_DAY, bucket, {"attempts": 1, "errors": 0 if ok else 1}, seed=seed)
    return [op] if op is not None else []


def touch_bucket(day: str, moment: str | None = None) -> str:
    """`<hour of the write>#<day counted>`: the hour the change was written (wall clock), the day whose counts it moved."""
    hour = (moment or clock.iso(clock.wall()))[:13]
    return f"{hour}#{day}"
