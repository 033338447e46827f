"""Live statistics of models per task and users' preferences, counted from sessions and feedback.

A sessions subscriber (see chalicelib/sessions/events.py): every session with a model adds to
that model's counters for the session's task category, and every feedback adds its quality,
success and like/dislike/regenerate counts to the model's counters and to the rating user's
preference counters, in the same transaction as the session or feedback itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.expressions.update import Action

from ..core import clock, counters, keys, storage
from ..sessions.events import SessionFacts
from .store import MODEL_TASK, ModelTaskCounter, UserPreferenceCounter


@dataclass(frozen=True)
class Evidence:
    """What has been observed of a model on a task (or of one user's experience of it)."""

    requests: float = 0
    attempts: float = 0
    errors: float = 0
    processing_count: float = 0
    processing_ms_sum: float = 0
    cost_usd: float = 0
    feedback: float = 0
    rated: float = 0
    successes: float = 0
    quality_count: float = 0
    quality_sum: float = 0
    likes: float = 0
    dislikes: float = 0
    regenerates: float = 0

    @classmethod
    def of(cls, values: dict[str, float]) -> Evidence:
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})

    @property
    def mean_quality(self) -> float | None:
        return self.quality_sum / self.quality_count if self.quality_count else None

    @property
    def mean_latency_ms(self) -> float | None:
        return self.processing_ms_sum / self.processing_count if self.processing_count else None


def session_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    if not facts.model_id:
        return []
    changes = dict(deltas)
    if "sessions" in changes:
        changes["requests"] = changes.pop("sessions")
    user_id = facts.feedback_user_id or facts.user_id
    preference = counters.increment_at(
        UserPreferenceCounter, keys.user_preference(facts.tenant_id, user_id, facts.category_key, facts.model_id), changes
    )
    if preference is not None and not facts.erasing:
        preference.actions += _preference_bookkeeping(facts.tenant_id, user_id, facts.category_key, facts.model_id)
    ops = [
        counters.increment(
            ModelTaskCounter,
            facts.tenant_id,
            MODEL_TASK,
            f"{facts.category_key}#{facts.model_id}",
            changes,
            seed=facts.session_id,
        ),
        preference,
    ]
    return [op for op in ops if op is not None]


def _preference_bookkeeping(tenant_id: str, user_id: str, category_key: str, model_id: str) -> list[Action]:
    """Who and what the preference is about, when the user last used the model, and its place in the index of
    preferences changed by day, from which aggregate-metrics refreshes only the preferences that moved."""
    now, written = clock.iso(clock.now()), clock.iso(clock.wall())  # the index follows when the write happens
    attr = UserPreferenceCounter
    return [
        attr.user_id.set(user_id),
        attr.category_key.set(category_key),
        attr.model_id.set(model_id),
        attr.last_used_at.set(now),
        attr.first_used_at.set(attr.first_used_at | now),
        attr.gsi1pk.set(keys.preference_changes(tenant_id, written[:10], counters.shard_for(user_id))),
        attr.gsi1sk.set(f"{written}#{category_key}#{model_id}"),
    ]


def attempt_ops(tenant_id: str, category_key: str, attempts: Iterable[tuple[str, bool]], seed: str) -> list[storage.Op]:
    """Count calls to models other than the session's own (failures, mostly), so routing learns which models fail.

    The session's own model has its call counted by `session_counts` (an `attempts` delta): one transaction
    may not touch an item twice.
    """
    from ..analytics import counting  # the same calls on their day's row of the model roll-ups

    ops: list[storage.Op] = []
    for model_id, ok in attempts:
        op = counters.increment(
            ModelTaskCounter,
            tenant_id,
            MODEL_TASK,
            f"{category_key}#{model_id}",
            {"attempts": 1, "errors": 0 if ok else 1},
            seed=seed,
        )
        if op is not None:
            ops.append(op)
        ops += counting.attempt_ops(tenant_id, category_key, model_id, ok, seed)
    return ops


def for_category(tenant_id: str, category_key: str) -> dict[str, Evidence]:
    """Every model's evidence on one category, by model id."""
    found = counters.read_prefix(ModelTaskCounter, tenant_id, MODEL_TASK, f"{category_key}#")
    return {bucket.split("#", 1)[1]: Evidence.of(values) for bucket, values in found.items()}


def user_preferences(tenant_id: str, user_id: str, category_key: str) -> dict[str, Evidence]:
    """One user's evidence of each model on one category, by model id."""
    found = counters.read_at(
        UserPreferenceCounter, keys.user_partition(tenant_id, user_id), keys.user_preference_prefix(category_key)
    )
    return {model_id: Evidence.of(values) for model_id, values in found.items()}
