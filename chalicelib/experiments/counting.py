"""Per-variant counters of sessions and feedback, moved in the same transaction as the session event.

A session counter (chalicelib/contributions.py): for a session that carries an experiment
and a variant, every event's deltas (a new session; feedback recorded, replaced or changed;
corrections) are ADDed to the variant's sharded counter, with the session id as the shard seed.
The sessions service computes each delta as the difference a feedback makes to what was counted
before, so the variant's counts stay exact through retries and replacements. A session recorded
while the experiment was running also counts in its period of fixed weights (`experiment_period`,
kept on the session so that its erasure takes back the same count): the SRM check tests these.

A contextual experiment also learns here. The session's user's assignment holds the context it
was assigned in; a session created at or after that assignment (so every event of the session
sees the same context, or none does) moves, with the same deltas, the variant's counts in each
of the context's segments, and the variant's statistics of the contextual sampler by what the
feedback change adds: the rated feedback (or ratings) at the context's vector, with their rewards
(`contextual.observation_deltas`). A replaced feedback moves them by the difference, an erased one
takes its part back: each feedback counts exactly once, in the transaction that records it.
"""

from __future__ import annotations

from ..core import keys, storage
from ..core.extensions import SessionFacts
from . import contextual
from .store import AssignmentItem, ExperimentItem, context_counts, period_session_counts, segment_counts, variant_counts


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
    return ops + _contextual_counts(facts, deltas)


def _contextual_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    assert facts.experiment_id and facts.variant_id
    experiment_key = keys.experiment(facts.tenant_id, facts.experiment_id)
    assignment_key = keys.assignment(facts.tenant_id, facts.experiment_id, facts.user_id)
    found = storage.get_many([experiment_key, assignment_key])
    experiment, assigned = found.get(experiment_key), found.get(assignment_key)
    if not isinstance(experiment, ExperimentItem) or not experiment.contextual:
        return []
    if not isinstance(assigned, AssignmentItem) or assigned.context is None or assigned.assigned_at > facts.created_at:
        return []
    encoder = contextual.Encoder.of(experiment.context_fields or [])
    ops = segment_counts(
        facts.tenant_id, facts.experiment_id, facts.variant_id, encoder.segments(assigned.context), deltas, seed=facts.session_id
    )
    count, reward, squares = contextual.reward_deltas(experiment.metric, deltas)
    slot_deltas = contextual.observation_deltas(encoder.vector(assigned.context), encoder.dimension, count, reward, squares)
    return ops + context_counts(facts.tenant_id, facts.experiment_id, facts.variant_id, slot_deltas, seed=facts.session_id)
