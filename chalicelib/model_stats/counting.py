"""The sessions subscriber of model statistics: every count of a model moves in the transaction of its event.

For a session event (a session or generation recorded, feedback recorded or replaced, corrections changed, an
erasure undoing them) with a model, it ADDs the event's deltas (`sessions` counted as `requests`) to the model's
counters on the session's task category: all time, the session's creation day and hour (UTC; late feedback lands
on its session's day), and the rating user's preference counter in the user's own partition. A generation's
failed calls to other models of its fallback chain (`SessionFacts.failed_calls`, carried only by the event that
records the generation) add one attempt and one error each to those models' rows, so routing learns which
models fail; a failed call to the session's own model joins its own change (one transaction touches an item once).
"""

from __future__ import annotations

from collections import Counter

from pynamodb.expressions.update import Action

from ..core import clock, counters, keys, storage
from ..core.extensions import SessionFacts
from .store import MODEL_DAY, MODEL_HOUR, MODEL_TASK, ModelDayCounter, ModelHourCounter, ModelTaskCounter, UserPreferenceCounter


def session_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    changes = dict(deltas)
    if "sessions" in changes:
        changes["requests"] = changes.pop("sessions")
    by_model: dict[str, dict[str, float]] = {}
    if facts.model_id:
        by_model[facts.model_id] = dict(changes)
    for model_id, failed in Counter(facts.failed_calls).items():
        own = by_model.setdefault(model_id, {})
        own["attempts"] = own.get("attempts", 0) + failed
        own["errors"] = own.get("errors", 0) + failed
    ops: list[storage.Op | None] = []
    if facts.model_id:
        ops.append(_preference(facts, facts.model_id, changes))
    hour = keys.hour_bucket(facts.created_at)
    for model_id, counted in by_model.items():
        pair, seed = f"{facts.category_key}#{model_id}", facts.session_id
        ops.append(counters.increment(ModelTaskCounter, facts.tenant_id, MODEL_TASK, pair, counted, seed=seed))
        ops.append(counters.increment(ModelDayCounter, facts.tenant_id, MODEL_DAY, f"{facts.day}#{pair}", counted, seed=seed))
        ops.append(counters.increment(ModelHourCounter, facts.tenant_id, MODEL_HOUR, f"{hour}#{pair}", counted, seed=seed))
    return [op for op in ops if op is not None]


def _preference(facts: SessionFacts, model_id: str, changes: dict[str, float]) -> storage.Update | None:
    """The rating user's (or the session's user's) experience of the model."""
    user_id = facts.feedback_user_id or facts.user_id
    key = keys.user_preference(facts.tenant_id, user_id, facts.category_key, model_id)
    preference = counters.increment_at(UserPreferenceCounter, key, changes)
    if preference is not None and not facts.erasing:
        preference.actions += _preference_bookkeeping(facts.tenant_id, user_id, facts.category_key, model_id)
    return preference


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
