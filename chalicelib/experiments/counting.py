"""Per-variant counters of sessions and feedback, moved in the same transaction as the session event.

Listed in `chalicelib.sessions.events.SUBSCRIBERS`: for a session that carries an experiment
and a variant, every event's deltas (a new session; feedback recorded, replaced or changed;
corrections) are ADDed to the variant's sharded counter, with the session id as the shard seed.
The sessions service computes each delta as the difference a feedback makes to what was counted
before, so the variant's counts stay exact through retries and replacements. A session recorded
while the experiment was running also counts in its period of fixed weights (`experiment_period`,
kept on the session so that its erasure takes back the same count): the SRM check tests these.
"""

from __future__ import annotations

from ..core import storage
from ..sessions.events import SessionFacts
from .store import period_session_counts, variant_counts


def session_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    if not facts.experiment_id or not facts.variant_id:
        return []
    ops = variant_counts(facts.tenant_id, facts.experiment_id, deltas, facts.variant_id, seed=facts.session_id)
    if facts.experiment_period is not None and deltas.get("sessions"):
        ops += period_session_counts(
            facts.tenant_id,
            facts.experiment_id,
            facts.experiment_period,
            facts.variant_id,
            seed=facts.session_id,
            delta=deltas["sessions"],
        )
    return ops
