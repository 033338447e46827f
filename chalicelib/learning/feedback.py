"""Feedback on predictions (seed 003's AILearningFeedback): given by users, processed once into the version's figures.

A feedback is `pending` until processed: by the `process-feedback` task when the behaviour configuration says
`automatic` (the default), or by `POST .../feedback/{id}/process` (which also ignores one). Processing is a
conditional move out of `pending` in one transaction with the version's and the company's feedback counters, so
each feedback counts once however often processing is retried or run at once. What it does:

- a correction becomes the prediction's ground truth when the prediction has none (the registry's ground truth,
  with its counters: accuracy and drift see it); when it has one, the ground truth stands and the outcome says
  whether they agree. Either way the corrected value joins the version's next retraining data;
- ratings, flags and comments become the version's daily quality series (ratings, their mean, positive and
  negative, flags, comments), `GET .../feedback-quality`.

The behaviour configuration may ignore corrections below a user confidence and feedback of low impact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..ai_config import service as ai_config
from ..companies import scope
from ..core import clock, counters, keys, persist, storage
from ..core.errors import Conflict, ValidationFailed
from ..core.extensions import Erasure
from ..core.ids import new_id
from ..core.schemas import Page
from ..monitoring import predictions
from ..monitoring.schemas import REGRESSION_TYPES, GroundTruth
from ..registry import models
from ..registry.labels import canonical_label, number, unwrap
from .schemas import FeedbackDecision, FeedbackQuality, FeedbackQuery, PredictionFeedback, PredictionFeedbackCreate, QualityDay
from .store import (
    FeedbackCounter,
    FeedbackItem,
    company_feedback_counter,
    feedback_counter,
    feedback_of_user,
    pending_feedback,
    processed_feedback,
)

MAX_PER_RUN = 1000  # pending feedback one run of the task processes; the next run takes the rest
COUNTS = ("processed", "ignored", "ratings", "positive", "negative", "corrections", "corrections_applied", "flags", "comments")


def give_feedback(tenant_id: str, prediction_id: str, data: PredictionFeedbackCreate) -> PredictionFeedback:
    prediction = predictions.get_prediction(tenant_id, prediction_id)  # 404 outside the request's company
    if data.feedback_type == "correction":
        value = corrected(prediction.prediction_type, data.feedback_data["value"])
        if prediction.prediction_type not in REGRESSION_TYPES:
            model = models.load(tenant_id, prediction.model_name, prediction.model_version, model_id=prediction.model_id)
            ai_config.check_category(tenant_id, model.model_name, model.model_type, value, "body.feedback_data.value")
    now = clock.now()
    created_at = clock.iso(now)
    feedback_id = new_id("fbk")
    key = keys.ml_feedback(tenant_id, prediction_id, feedback_id)
    sort = keys.time_sort(created_at, feedback_id)
    item = FeedbackItem(
        key.pk,
        key.sk,
        id=feedback_id,
        prediction_id=prediction_id,
        model_id=prediction.model_id,
        model_name=prediction.model_name,
        model_version=prediction.model_version,
        company_id=prediction.company_id,
        user_id=data.user_id,
        feedback_type=data.feedback_type,
        feedback_data=data.feedback_data,
        is_positive=data.is_positive if data.is_positive is not None else _positive(data),
        confidence=data.confidence,
        impact=data.impact,
        status="pending",
        day=clock.day_of(now),
        created_at=created_at,
        version=1,
        gsi1pk=keys.ml_feedback_of_version(tenant_id, prediction.model_id),
        gsi1sk=sort,
        gsi2pk=keys.user_items(tenant_id, data.user_id),  # the user's erasure finds it
        gsi2sk=keys.ml_feedback_of_user(created_at, feedback_id),
        gsi3pk=keys.ml_feedback_by_status(tenant_id, "pending"),
        gsi3sk=sort,
    )
    storage.commit([storage.Put(item, FeedbackItem.pk.does_not_exist())])
    return view(item)


def erase_user(tenant_id: str, user_id: str, counted: list[storage.Op]) -> None:
    """Delete every feedback the end user gave on predictions, each in one transaction with `counted` (the erasure's
    running total) and with its counts taken back from the version's and the company's quality series, so the
    series equal what the remaining feedback adds up to. A correction that became its prediction's ground truth
    leaves that ground truth (the prediction's, naming no user). Safe to retry: a deleted feedback is not found again."""
    for hit in feedback_of_user(tenant_id, user_id):

        def attempt(hit: FeedbackItem = hit) -> None:
            item = persist.find(FeedbackItem, keys.Key(hit.pk, hit.sk))
            if item is None or item.user_id != user_id:
                return
            taken = {name: -value for name, value in _deltas(item, item.status, item.outcome or {}).items()}
            ops: list[storage.Op] = [storage.Delete(FeedbackItem(item.pk, item.sk), FeedbackItem.version == item.version)]
            ops += (_counter_ops(tenant_id, item, taken) if item.status != "pending" else []) + counted
            storage.commit(ops)

        persist.retrying(attempt, what="erasing the user's prediction feedback")


def get_feedback(tenant_id: str, prediction_id: str, feedback_id: str) -> PredictionFeedback:
    return view(_load(tenant_id, prediction_id, feedback_id))


def decide(tenant_id: str, prediction_id: str, feedback_id: str, data: FeedbackDecision, by: str | None) -> PredictionFeedback:
    """Process (or ignore) one pending feedback now; 409 when it was processed or ignored already."""
    item = _load(tenant_id, prediction_id, feedback_id)
    if item.status != "pending":
        raise Conflict(f"feedback {feedback_id} is {item.status} already", code="feedback_already_processed")
    reason = (data.reason or "ignored by request") if data.action == "ignore" else None
    done = process(tenant_id, item, by=by or "request", ignore=reason)
    if done is None:
        raise Conflict(f"feedback {feedback_id} was processed meanwhile", code="feedback_already_processed")
    return view(done)


def process_pending(tenant_id: str) -> dict[str, Any]:
    """The `process-feedback` task: every pending feedback of the tenant, processed as the behaviour says."""
    policy = ai_config.behavior(tenant_id)
    result: dict[str, Any] = {"policy": policy.feedback_processing, "processed": 0, "ignored": 0, "ground_truths_set": 0}
    if policy.feedback_processing == "manual":
        return result
    for pending in pending_feedback(tenant_id, MAX_PER_RUN):
        done = process(tenant_id, pending, by="policy")
        if done is not None:
            result[done.status] += 1
            result["ground_truths_set"] += int((done.outcome or {}).get("ground_truth") == "set")
    return result


def process(tenant_id: str, item: FeedbackItem, *, by: str, ignore: str | None = None) -> FeedbackItem | None:
    """Move one pending feedback to processed (or ignored) with its counters, once; None if it is no longer pending."""
    policy = ai_config.behavior(tenant_id)
    outcome: dict[str, Any] = {}
    if ignore is None and policy.ignore_low_impact and item.impact == "low":
        ignore = "low impact (behavior.ignore_low_impact)"
    if ignore is None and item.feedback_type == "correction":
        confidence = item.confidence if item.confidence is not None else 1.0
        if confidence < policy.min_correction_confidence:
            ignore = f"user confidence {confidence} below behavior.min_correction_confidence {policy.min_correction_confidence}"
        else:
            outcome = _apply_correction(tenant_id, item)
    status = "ignored" if ignore is not None else "processed"
    if ignore is not None:
        outcome = {"reason": ignore}
    deltas = _deltas(item, status, outcome)
    now = clock.iso(clock.now())
    item.status, item.outcome, item.processed_at, item.processed_by = status, outcome, now, by
    item.gsi3pk = keys.ml_feedback_by_status(tenant_id, status)
    ops: list[storage.Op] = [persist.bump(item, FeedbackItem.status == "pending")]
    ops += _counter_ops(tenant_id, item, deltas)
    try:
        storage.commit(ops)
    except storage.ConditionFailed as exc:
        if exc.conflict:
            raise
        return None  # processed by another run meanwhile: counted there, once
    return item


def corrected(prediction_type: str, raw: Any) -> Any:
    """The corrected value in canonical form (a label, or a number for regression), or 422."""
    try:
        value = unwrap(raw)
        return number(value) if prediction_type in REGRESSION_TYPES else canonical_label(value)
    except ValueError as exc:
        raise ValidationFailed.field("body.feedback_data.value", str(exc)) from None


def list_for_prediction(tenant_id: str, prediction_id: str, query: FeedbackQuery) -> Page[PredictionFeedback]:
    predictions.get_prediction(tenant_id, prediction_id)  # 404 outside the request's company
    listing = f"feedback:{prediction_id}:{query.status or ''}:{query.feedback_type or ''}:{query.company_id or ''}"
    found, cursor = persist.list_page(
        FeedbackItem,
        keys.ml_prediction(tenant_id, prediction_id).pk,
        owner=tenant_id,
        listing=listing,
        limit=query.limit,
        cursor=query.cursor,
        range_condition=FeedbackItem.sk.startswith(keys.ml_feedback_prefix()),
        filter_condition=_filters(query),
    )
    return Page[PredictionFeedback](items=[view(item) for item in found], next_cursor=cursor)


def list_for_version(tenant_id: str, model_name: str, model_version: str, query: FeedbackQuery) -> Page[PredictionFeedback]:
    model = models.load(tenant_id, model_name, model_version)
    listing = f"feedback:{model.id}:{query.status or ''}:{query.feedback_type or ''}:{query.company_id or ''}"
    found, cursor = persist.list_page(
        FeedbackItem,
        keys.ml_feedback_of_version(tenant_id, model.id),
        owner=tenant_id,
        listing=listing,
        limit=query.limit,
        cursor=query.cursor,
        index="gsi1",
        filter_condition=_filters(query),
        forward=False,
    )
    return Page[PredictionFeedback](items=[view(item) for item in found], next_cursor=cursor)


def processed_of_version(tenant_id: str, model_id: str) -> list[FeedbackItem]:
    """A version's processed feedback, oldest first (retraining reads it)."""
    return processed_feedback(tenant_id, model_id)


def quality(tenant_id: str, model_name: str, model_version: str, days: int) -> FeedbackQuality:
    model = models.load(tenant_id, model_name, model_version)
    today = clock.now().date()
    first = today - timedelta(days=days - 1)
    found = counters.read(FeedbackCounter, tenant_id, feedback_counter(model.id), first.isoformat(), today.isoformat())
    rows = [quality_day(day, found.get(day, {})) for day in clock.days_between(first, today)]
    return FeedbackQuality(
        model_id=model.id,
        model_name=model.model_name,
        model_version=model.model_version,
        days=rows,
        totals=quality_total(rows),
    )


def company_quality(tenant_id: str, company_id: str, days: int) -> QualityDay:
    today = clock.now().date()
    first = today - timedelta(days=days - 1)
    name = company_feedback_counter(keys.key_part(company_id))
    found = counters.read(FeedbackCounter, tenant_id, name, first.isoformat(), today.isoformat())
    return quality_total([quality_day(day, found.get(day, {})) for day in clock.days_between(first, today)])


def quality_day(day: str, fields: dict[str, Any]) -> QualityDay:
    n = {name: int(fields.get(name, 0)) for name in COUNTS}
    rating_sum = float(fields.get("rating_sum", 0))
    rated = n["positive"] + n["negative"]
    return QualityDay(
        date=day,
        processed=n["processed"],
        ignored=n["ignored"],
        ratings=n["ratings"],
        average_rating=rating_sum / n["ratings"] if n["ratings"] else None,
        positive=n["positive"],
        negative=n["negative"],
        positive_rate=n["positive"] / rated if rated else None,
        corrections=n["corrections"],
        corrections_applied=n["corrections_applied"],
        flags=n["flags"],
        comments=n["comments"],
    )


def quality_total(rows: list[QualityDay]) -> QualityDay:
    totals = {name: sum(getattr(row, name) for row in rows) for name in COUNTS}
    rating_sum = sum((row.average_rating or 0) * row.ratings for row in rows)
    rated = totals["positive"] + totals["negative"]
    return QualityDay(
        date="total",
        average_rating=rating_sum / totals["ratings"] if totals["ratings"] else None,
        positive_rate=totals["positive"] / rated if rated else None,
        **totals,
    )


def _apply_correction(tenant_id: str, item: FeedbackItem) -> dict[str, Any]:
    """A correction becomes the ground truth of a prediction that has none; an existing one stands."""
    prediction = predictions.get_prediction(tenant_id, item.prediction_id)
    value = item.feedback_data["value"]
    if prediction.actual_value is None:
        predictions.record_ground_truth(tenant_id, item.prediction_id, GroundTruth(actual_value=value))
        return {"ground_truth": "set", "actual_value": value}
    agrees = corrected(prediction.prediction_type, prediction.actual_value) == corrected(prediction.prediction_type, value)
    return {"ground_truth": "kept", "actual_value": prediction.actual_value, "agrees": agrees}


def _deltas(item: FeedbackItem, status: str, outcome: dict[str, Any]) -> dict[str, float]:
    if status == "ignored":
        return {"ignored": 1}
    deltas: dict[str, float] = {"processed": 1}
    if item.is_positive is True:
        deltas["positive"] = 1
    elif item.is_positive is False:
        deltas["negative"] = 1
    if item.feedback_type == "rating":
        deltas |= {"ratings": 1, "rating_sum": float(item.feedback_data["rating"])}
    elif item.feedback_type == "correction":
        deltas |= {"corrections": 1, "corrections_applied": int(outcome.get("ground_truth") == "set")}
    elif item.feedback_type == "flag":
        deltas["flags"] = 1
    else:
        deltas["comments"] = 1
    return deltas


def _counter_ops(tenant_id: str, item: FeedbackItem, deltas: dict[str, float]) -> list[storage.Op]:
    names = [feedback_counter(item.model_id)]
    if item.company_id:
        names.append(company_feedback_counter(keys.key_part(item.company_id)))
    ops = [counters.increment(FeedbackCounter, tenant_id, name, item.day, deltas, seed=item.id) for name in names]
    return [op for op in ops if op is not None]


def _positive(data: PredictionFeedbackCreate) -> bool | None:
    if data.feedback_type == "rating":
        rating = int(data.feedback_data["rating"])  # type: ignore[arg-type]
        return True if rating >= 4 else False if rating <= 2 else None
    return False if data.feedback_type in ("correction", "flag") else None


def _filters(query: FeedbackQuery) -> Any:
    condition = None
    if query.status is not None:
        condition = FeedbackItem.status == query.status
    if query.feedback_type is not None:
        match = FeedbackItem.feedback_type == query.feedback_type
        condition = match if condition is None else condition & match
    return scope.condition(FeedbackItem.company_id, query.company_id, condition)


def _load(tenant_id: str, prediction_id: str, feedback_id: str) -> FeedbackItem:
    key = keys.ml_feedback(tenant_id, prediction_id, feedback_id)
    missing = f"no feedback {feedback_id} on prediction {prediction_id}"
    return persist.load(FeedbackItem, key, missing, where=lambda item: scope.visible(item.company_id))


def view(item: FeedbackItem) -> PredictionFeedback:
    return PredictionFeedback.of(item, feedback_id=item.id)


def erase_user_data(erasure: Erasure) -> None:
    """The feedback the user gave on predictions, counted as `prediction_feedback` (a user erasure,
    chalicelib/contributions.py)."""
    erase_user(erasure.tenant_id, erasure.user_id, [erasure.count("prediction_feedback")])
