"""Session and feedback use cases, each write exactly once and with its counters in the same transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from ..core import clock, counters, keys, persist, storage
from ..core.errors import NotFound, PayloadTooLarge
from ..core.ids import new_id
from . import events, scoring, store
from .schemas import (
    FeedbackCreate,
    FeedbackRecorded,
    GenerationRecord,
    Session,
    SessionCreate,
    SessionCreated,
    SessionPatch,
)
from .store import DAY, HOUR, DayCounter, FeedbackItem, HourCounter, SessionItem
from .views import quality, session_view

# DynamoDB items stop at 400 KB; a session's payloads (input, outputs, corrections) must stay below this.
MAX_PAYLOAD_BYTES = 350 * 1024
_SESSION_COUNTS = {
    "feedback": "feedback_count",
    "rated": "rated_count",
    "successes": "success_count",
    "rating_count": "rating_count",
    "rating_sum": "rating_sum",
    "quality_count": "quality_count",
    "quality_sum": "quality_sum",
    "likes": "likes",
    "dislikes": "dislikes",
    "regenerates": "regenerates",
    "skips": "skips",
}


def create_session(tenant_id: str, data: SessionCreate) -> SessionCreated:
    # deferred: cold start (the sessions family's reads never need experiments); checks the experiment or assigns a variant
    from ..experiments.assignment import resolve_variant

    variant_id, experiment_period = resolve_variant(tenant_id, data.experiment_id, data.variant_id, data.user_id)
    return _record_new(
        tenant_id,
        source="external",
        user_id=data.user_id,
        category_key=data.category_key,
        project_id=data.project_id,
        input=data.input,
        output=data.output,
        model_id=data.model_id,
        experiment_id=data.experiment_id,
        variant_id=variant_id,
        experiment_period=experiment_period,
        features=data.features or None,
        target=data.target,
        processing_time_ms=data.processing_time_ms,
    )


def record_generation(tenant_id: str, record: GenerationRecord) -> SessionCreated:
    """Record a generation as a session, with its usage and every attempt, and count it: the failed calls of its
    fallback chain are counted against their models by this event alone (`SessionFacts.failed_calls`)."""
    return _record_new(
        tenant_id,
        failed=failed_calls(record.attempts),
        source="generation",
        user_id=record.user_id,
        category_key=record.category_key,
        input=record.input,
        output=record.output,
        model_id=record.model_id,
        experiment_id=record.experiment_id,
        variant_id=record.variant_id,
        experiment_period=record.experiment_period,
        features=record.features or None,
        processing_time_ms=record.processing_time_ms,
        status=record.status,
        prompt=record.prompt,
        input_tokens=record.input_tokens,
        output_tokens=record.output_tokens,
        cost_usd=record.cost_usd,
        latency_ms=record.latency_ms,
        attempts=record.attempts,
        selected_by=record.selected_by,
        confidence_score=record.confidence_score,
        candidates=record.candidates,
        priority=record.priority,
        complexity=record.complexity,
    )


def _record_new(tenant_id: str, *, failed: tuple[str, ...] = (), **fields: Any) -> SessionCreated:
    """The one path that writes a new session (an external one, or a generation's): the item under a new id, and in
    the same transaction what its creation adds to the counters (`creation_deltas`, which its erasure takes back)."""
    now = clock.now()
    created_at = clock.iso(now)
    session_id = new_id("ses")
    key = keys.session(tenant_id, session_id)
    item = SessionItem(
        key.pk,
        key.sk,
        id=session_id,
        created_at=created_at,
        updated_at=created_at,
        day=clock.day_of(now),
        version=1,
        **fields,
        **_index_keys(tenant_id, fields["user_id"], fields["category_key"], created_at, session_id),
    )
    _check_payload(item)
    ops: list[storage.Op] = [storage.Put(item, SessionItem.pk.does_not_exist())]
    ops += _day_counter(tenant_id, item, creation_deltas(item), failed=failed)
    storage.commit(ops)
    return SessionCreated(id=session_id, session_id=session_id, created_at=created_at)


def patch_session(tenant_id: str, session_id: str, data: SessionPatch) -> Session:
    changes = data.model_dump(include=data.model_fields_set)

    def attempt() -> SessionItem:
        session = _load_session(tenant_id, session_id)
        before = int(session.corrections_count or 0)
        for name, value in changes.items():
            setattr(session, name, value)
        if "manual_corrections" in changes:
            session.corrections_count = len(changes["manual_corrections"] or [])
        _check_payload(session)
        after = int(session.corrections_count or 0)
        session.updated_at = clock.iso(clock.now())
        changed = [*changes, "corrections_count", "updated_at"]
        ops: list[storage.Op] = [_session_update(session, changed)]
        ops += _day_counter(
            tenant_id,
            session,
            {"corrections": after - before, "corrected_sessions": int(after > 0) - int(before > 0)},
        )
        storage.commit(ops)
        return session

    return session_view(storage.retrying(attempt, what="updating the session"))


def record_feedback(tenant_id: str, session_id: str, data: FeedbackCreate) -> FeedbackRecorded:
    """Store one user's feedback on a session; a second one from the same user replaces the first.

    The session's sums move by atomic ADDs, so feedback from different users never conflicts;
    only the count of rated sessions needs to know whether this feedback makes the session rated
    (or unrated), and that is a condition on the session's rated count as it was read.
    """

    def attempt() -> FeedbackRecorded:
        session_key, feedback_key = keys.session(tenant_id, session_id), keys.feedback(tenant_id, session_id, data.user_id)
        found = storage.get_many([session_key, feedback_key])
        session, previous = found.get(session_key), found.get(feedback_key)
        if not isinstance(session, SessionItem):
            raise NotFound(f"no session {session_id}")
        previous = previous if isinstance(previous, FeedbackItem) else None
        now = clock.iso(clock.now())
        feedback = _feedback_item(tenant_id, session, data, previous, now)
        storage.commit(feedback_change_ops(tenant_id, session, previous, feedback, now))
        return FeedbackRecorded(
            id=feedback.id,
            feedback_id=feedback.id,
            session_id=session_id,
            quality_score=feedback.quality_score,
            session_quality_score=quality(session),
            replaced=previous is not None,
        )

    return storage.retrying(attempt, what="recording feedback")


def feedback_change_ops(
    tenant_id: str,
    session: SessionItem,
    previous: FeedbackItem | None,
    feedback: FeedbackItem | None,
    now: str,
    *,
    erasing: bool = False,
) -> list[storage.Op]:
    """The transaction that replaces `previous` with `feedback` (either may be None) and moves every count.

    The session's sums move by atomic ADDs, so feedback from different users never conflicts; only the
    count of rated sessions needs to know whether this change makes the session rated (or unrated), and
    that is a condition on the session's rated count as it was read. `session` is updated in place.
    """
    delta = scoring.Contribution.of(feedback).minus(scoring.Contribution.of(previous))
    rated_before = int(session.rated_count or 0)
    rated_after = rated_before + int(delta["rated"])
    rated_condition: Condition
    if delta["rated"] == 0:
        rated_condition = SessionItem.pk.exists()
    elif rated_before == 0 or rated_after == 0:
        # This change decides whether the session counts as rated: it must still be as we read it.
        rated_condition = (
            SessionItem.rated_count == rated_before
            if rated_before
            else (SessionItem.rated_count.does_not_exist() | (SessionItem.rated_count == 0))
        )
    else:
        rated_condition = SessionItem.rated_count > 0 if delta["rated"] > 0 else SessionItem.rated_count > 1
    delta["rated_sessions"] = int(rated_after > 0) - int(rated_before > 0)

    actions: list[Action] = [
        getattr(SessionItem, _SESSION_COUNTS[name]).add(value)
        for name, value in delta.items()
        if name in _SESSION_COUNTS and value
    ]
    actions.append(SessionItem.updated_at.set(now))
    ops: list[storage.Op] = []
    if feedback is not None:
        ops.append(persist.replacing(feedback, previous))
    elif previous is not None:
        ops.append(storage.Delete(FeedbackItem(previous.pk, previous.sk), FeedbackItem.version == previous.version))
    ops.append(storage.Update(SessionItem(session.pk, session.sk), actions, rated_condition))
    changed = feedback or previous
    rater = changed.user_id if changed is not None else None
    ops += _day_counter(tenant_id, session, delta, feedback_user_id=rater, erasing=erasing)
    for name, session_field in _SESSION_COUNTS.items():
        setattr(session, session_field, (getattr(session, session_field) or 0) + delta[name])
    return ops


def creation_deltas(session: SessionItem) -> dict[str, float]:
    """What a session's creation added to the counters (its erasure takes exactly this away)."""
    deltas: dict[str, float] = {"sessions": 1}
    if session.processing_time_ms is not None:
        deltas |= {"processing_count": 1, "processing_ms_sum": float(session.processing_time_ms)}
    if session.source == "generation":
        attempts = session.attempts or []
        deltas |= {
            "generations": 1,
            "failed_generations": int(session.status == "failed"),
            "attempt_errors": sum(1 for a in attempts if not a.get("ok")),
            "attempts": int(session.status == "succeeded"),  # the answering call; failed calls are not the user's data
            "input_tokens": float(session.input_tokens or 0),
            "output_tokens": float(session.output_tokens or 0),
            "cost_usd": float(session.cost_usd or 0),
            **_image_deltas(session.output, float(session.cost_usd or 0)),
        }
    return deltas


def _image_deltas(output: Any, cost_usd: float | None) -> dict[str, float]:
    """The images a generation's output references (images/storage.py) and their cost, for the day counters."""
    images = output.get("images") if isinstance(output, dict) else None
    if not isinstance(images, list) or not images:
        return {}
    return {"images": len(images), "image_cost_usd": float(cost_usd or 0)}


def daily_counts(tenant_id: str, first_day: str, last_day: str) -> dict[str, dict[str, float]]:
    """The tenant's day counters in [first_day, last_day], summed over shards."""
    return counters.read(DayCounter, tenant_id, DAY, first_day, last_day)


def hourly_counts(tenant_id: str, first_hour: str, last_hour: str) -> dict[str, dict[str, float]]:
    """The tenant's hour counters in [first_hour, last_hour] (`yyyy-mm-ddThh`), summed over shards."""
    return counters.read(HourCounter, tenant_id, HOUR, first_hour, last_hour)


# --- helpers -----------------------------------------------------------------------------------


def sessions_created_in(tenant_id: str, start: str, end: str) -> Iterator[SessionItem]:
    """Every session created in [start, end), oldest first: what the roll-ups and exports recount."""
    return store.sessions_created_in(tenant_id, start, end)


def feedback_of_session(tenant_id: str, session_id: str) -> list[FeedbackItem]:
    """Every feedback on a session (eventually consistent), for the roll-ups and exports."""
    return store.feedback_of_session(tenant_id, session_id)


def session_user(tenant_id: str, session_id: str) -> str:
    """The end user a session belongs to; 404 naming the session when there is none."""
    return str(_load_session(tenant_id, session_id).user_id)


def _load_session(tenant_id: str, session_id: str) -> SessionItem:
    return persist.load(SessionItem, keys.session(tenant_id, session_id), f"no session {session_id}")


def _session_update(session: SessionItem, fields: list[str]) -> storage.Update:
    """SET the changed fields and bump the version, on condition nobody else changed the session meanwhile."""
    return persist.changed(session, {name: getattr(session, name) for name in dict.fromkeys(fields)})


def _index_keys(tenant_id: str, user_id: str, category_key: str, created_at: str, session_id: str) -> dict[str, Any]:
    month = created_at[:7]
    when = keys.time_sort(created_at, session_id)
    return {
        "gsi1pk": keys.sessions_by_month(tenant_id, month),
        "gsi1sk": when,
        "gsi2pk": keys.user_items(tenant_id, user_id),
        "gsi2sk": keys.session_of_user(created_at, session_id),
        "gsi3pk": keys.sessions_by_category(tenant_id, category_key, month),
        "gsi3sk": when,
    }


def _day_counter(
    tenant_id: str,
    session: SessionItem,
    deltas: dict[str, float],
    *,
    feedback_user_id: str | None = None,
    erasing: bool = False,
    failed: tuple[str, ...] = (),
) -> list[storage.Op]:
    """The tenant's day and hour counters, and every subscriber's counters, for this change of `session` (`failed`:
    the models whose calls failed, on the event that records a generation)."""
    ops = [
        counters.increment(DayCounter, tenant_id, DAY, session.day, deltas, seed=session.id),
        counters.increment(HourCounter, tenant_id, HOUR, keys.hour_bucket(session.created_at), deltas, seed=session.id),
    ]
    facts = dataclasses.replace(facts_of(tenant_id, session, feedback_user_id, erasing=erasing), failed_calls=failed)
    return [op for op in ops if op is not None] + events.ops_for(facts, deltas)


def failed_calls(attempts: list[dict[str, Any]]) -> tuple[str, ...]:
    """The models of a generation's attempts whose calls failed (a skipped candidate was never called)."""
    return tuple(str(a["model_id"]) for a in attempts if not a.get("ok") and not str(a.get("error") or "").startswith("skipped"))


def erasure_ops(tenant_id: str, session: SessionItem) -> list[storage.Op]:
    """Delete a session that has no feedback left, and take back everything its creation counted."""
    corrections = int(session.corrections_count or 0)
    deltas = {name: -value for name, value in creation_deltas(session).items()}
    deltas |= {"corrections": -corrections, "corrected_sessions": -int(corrections > 0)}
    ops: list[storage.Op] = [
        storage.Delete(SessionItem(session.pk, session.sk), SessionItem.pk.exists() & (SessionItem.feedback_count == 0))
    ]
    return ops + _day_counter(tenant_id, session, deltas, erasing=True)


def facts_of(
    tenant_id: str, session: SessionItem, feedback_user_id: str | None = None, *, erasing: bool = False
) -> events.SessionFacts:
    return events.SessionFacts(
        tenant_id=tenant_id,
        session_id=session.id,
        user_id=session.user_id,
        category_key=session.category_key,
        day=session.day,
        created_at=session.created_at,
        model_id=session.model_id,
        experiment_id=session.experiment_id,
        variant_id=session.variant_id,
        experiment_period=int(session.experiment_period) if session.experiment_period is not None else None,
        feedback_user_id=feedback_user_id,
        erasing=erasing,
        catalog_refs=events.catalog_refs(session.features),
        input=session.input,
        features=session.features,
    )


def _feedback_item(
    tenant_id: str, session: SessionItem, data: FeedbackCreate, previous: FeedbackItem | None, now: str
) -> FeedbackItem:
    key = keys.feedback(tenant_id, session.id, data.user_id)
    feedback_id = previous.id if previous is not None else new_id("fb")
    created_at = previous.created_at if previous is not None else now
    item = FeedbackItem(
        key.pk,
        key.sk,
        id=feedback_id,
        session_id=session.id,
        user_id=data.user_id,
        rating=data.rating,
        thumbs=data.thumbs,
        feedback_type=data.feedback_type,
        helpful=data.helpful,
        aspect=data.aspect,
        text=data.text,
        device_type=data.device_type,
        created_at=created_at,
        updated_at=now,  # its version: persist.replacing, where the feedback is written over `previous`
        gsi2pk=keys.user_items(tenant_id, data.user_id),
        gsi2sk=keys.feedback_of_user(created_at, feedback_id),
    )
    item.quality_score = scoring.quality_score(item)
    return item


def _check_payload(item: SessionItem) -> None:
    size = sum(
        len(SessionItem.get_attributes()[name].serialize(getattr(item, name)) or "")
        for name in ("input", "output", "corrected_output", "manual_corrections", "features", "target", "attempts", "candidates")
        if getattr(item, name) is not None
    )
    if size > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(
            f"the session's input, outputs and corrections together reach {size} bytes; the limit is {MAX_PAYLOAD_BYTES}"
        )


@dataclasses.dataclass(frozen=True)
class Recorded:
    """What a session recorded, as other capabilities read it (training's examples and datasets)."""

    input: Any
    output: Any
    corrected_output: Any
    features: dict[str, Any] | None
    prompt: Any


def recorded(tenant_id: str, session_ids: list[str], *, consistent: bool = True) -> dict[str, Recorded]:
    """The sessions of `session_ids` that exist, by id, in one BatchGetItem (the others are left out)."""
    found = storage.get_many([keys.session(tenant_id, sid) for sid in session_ids], consistent=consistent) if session_ids else {}
    return {
        item.id: Recorded(item.input, item.output, item.corrected_output, item.features, item.prompt)
        for item in found.values()
        if isinstance(item, SessionItem)
    }
