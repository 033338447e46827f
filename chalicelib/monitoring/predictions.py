"""Predictions and their ground truth, each counted exactly once in the same transaction as the write.

A ground truth adds one to its day's confusion cell (actual, predicted) for labels, or its error to the
day's error sums for numbers, and the same per segment for the attributes that fairness is measured on, and
(for a prediction its deployment served during a champion/challenger challenge) to the challenge's own counters.
A replaced ground truth moves the counters by the difference; repeating it moves nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from ..ai_config import service as ai_config
from ..companies import scope
from ..core import clock, counters, extensions, keys, persist, storage
from ..core.errors import Conflict, NotFound, ValidationFailed
from ..core.ids import new_id
from ..core.table import TableItem
from ..governance import checks
from ..registry import deployments, lifecycle, models
from . import store
from .metrics import canonical_label, number, unwrap
from .schemas import PREDICTION_TYPES, REGRESSION_TYPES, GroundTruth, Prediction, PredictionCreate, PredictionCreated
from .store import (
    ErrorCounter,
    LabelCounter,
    PredictionCounter,
    PredictionItem,
    challenge_counter,
    confusion_counter,
    error_counter,
    prediction_counter,
    segment_confusion_counter,
    segment_error_counter,
)

MISSING = "__missing__"
CounterKey = tuple[type, str, str]  # (counter model, counter name, bucket)


def record_prediction(tenant_id: str, model_name: str, model_version: str, data: PredictionCreate) -> PredictionCreated:
    model = models.load(tenant_id, model_name, model_version)
    if model.status not in lifecycle.PREDICTABLE:
        raise Conflict(f"model {model_name} {model_version} is {model.status} and takes no predictions", code="model_not_serving")
    if data.prediction_type not in PREDICTION_TYPES[model.model_type]:
        allowed = ", ".join(sorted(PREDICTION_TYPES[model.model_type]))
        raise ValidationFailed.field("body.prediction_type", f"a {model.model_type} model takes {allowed} predictions")
    label, value = _predicted(data.prediction_type, data.prediction)
    if label is not None:  # the active categories are the label set of the tenant's classifiers
        ai_config.check_category(tenant_id, model_name, model.model_type, label, "body.prediction")
    company = model.company_id or scope.stamp(data.company_id)
    if data.company_id is not None and data.company_id != company:
        raise ValidationFailed.field("body.company_id", f"model {model_name} {model_version} belongs to company {company}")
    challenge_id, role = _challenge(tenant_id, model.model_name, model_version, data.deployment_id)
    now = clock.now()
    created_at, day = clock.iso(now), clock.day_of(now)
    prediction_id = new_id("prd")
    key = keys.ml_prediction(tenant_id, prediction_id)
    item = PredictionItem(
        key.pk,
        key.sk,
        id=prediction_id,
        model_id=model.id,
        model_name=model_name,
        model_version=model_version,
        prediction_type=data.prediction_type,
        input_data=data.input_data,
        prediction=data.prediction,
        label=label,
        value=value,
        confidence=data.confidence,
        probability=data.probability,
        latency_ms=data.latency_ms,
        company_id=company,
        deployment_id=data.deployment_id,
        challenge_id=challenge_id,
        challenge_role=role,
        day=day,
        created_at=created_at,
        version=1,
        gsi1pk=keys.ml_predictions_by_day(tenant_id, model.id, day),
        gsi1sk=keys.time_sort(created_at, prediction_id),
    )
    deltas: dict[str, float] = {"predictions": 1}
    if data.confidence is not None:
        deltas |= {"confidence_count": 1, "confidence_sum": data.confidence}
    if data.latency_ms is not None:
        deltas |= {"latency_count": 1, "latency_sum": data.latency_ms}
    op = counters.increment(PredictionCounter, tenant_id, prediction_counter(model.id), day, deltas, seed=prediction_id)
    persist.create(item, f"prediction {prediction_id} exists", extra=[op] if op is not None else [])
    return PredictionCreated(id=prediction_id, prediction_id=prediction_id, model_id=model.id, created_at=created_at)


def record_ground_truth(tenant_id: str, prediction_id: str, data: GroundTruth) -> Prediction:
    """Set (or replace) the true value; `is_correct` for labels, `error` = |actual - predicted| for numbers."""
    read: list[PredictionItem] = [_load(tenant_id, prediction_id)]
    model = models.load(tenant_id, read[0].model_name, read[0].model_version, model_id=read[0].model_id)
    attributes = sorted(
        set(model.segment_columns or []) | checks.segment_attributes(checks.active_policies(tenant_id), models.ref(model))
    )

    def attempt() -> PredictionItem:
        # The first attempt uses the prediction as read above; a retry reads it again.
        item = read.pop() if read else _load(tenant_id, prediction_id)
        regression = item.prediction_type in REGRESSION_TYPES
        actual = _actual(regression, data.actual_value)
        if not regression:
            ai_config.check_category(tenant_id, model.model_name, model.model_type, actual, "body.actual_value")
        deltas: dict[CounterKey, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        if item.labelled_at is not None:
            _contribution(deltas, item, _actual(regression, item.actual_value), item.segments or {}, sign=-1)
        segments = _segments(item.input_data, attributes)
        _contribution(deltas, item, actual, segments, sign=1)
        if item.labelled_at is None:
            deltas[(PredictionCounter, prediction_counter(item.model_id), item.day)]["labelled"] += 1
        now = clock.iso(clock.now())
        item.actual_value, item.segments, item.labelled_at = data.actual_value, segments, now
        if regression:
            item.error, item.is_correct = abs(actual - float(item.value)), None
        else:
            item.is_correct, item.error = int(actual == item.label), None
        ops: list[storage.Op] = [persist.bump(item)]
        for (model_cls, name, bucket), fields in deltas.items():
            op = counters.increment(model_cls, tenant_id, name, bucket, fields, seed=item.id)
            ops += [op] if op is not None else []
        storage.commit(ops)
        return item

    return view(persist.retrying(attempt, what="recording the ground truth"))


def get_prediction(tenant_id: str, prediction_id: str) -> Prediction:
    return view(_load(tenant_id, prediction_id))


def recent(tenant_id: str, model_id: str, start: datetime, end: datetime, limit: int) -> Iterator[PredictionItem]:
    """A version's predictions made in [start, end], newest first, at most `limit` (day partitions of GSI1)."""
    lo, hi = clock.iso(start), clock.iso(end)
    day, first, found = end.date(), start.date(), 0
    while day >= first and found < limit:
        page_size = min(max(limit - found, 25), 1000)
        for item in store.predictions_of_day(tenant_id, model_id, day.isoformat(), lo, hi, page_size):
            yield item
            found += 1
            if found >= limit:
                return
        day -= timedelta(days=1)


def _challenge(tenant_id: str, model_name: str, model_version: str, deployment_id: str | None) -> tuple[str | None, str | None]:
    """(challenge id, role) when the deployment that served the prediction runs a challenge this version is part of."""
    if deployment_id is None:
        return None, None
    try:
        deployment = deployments.get_deployment(tenant_id, deployment_id)
    except NotFound:
        raise ValidationFailed.field("body.deployment_id", f"no deployment {deployment_id}") from None
    if deployment.model_name != model_name:
        raise ValidationFailed.field("body.deployment_id", f"deployment {deployment_id} serves {deployment.model_name}")
    lookups = extensions.installed().deployment_challenges()
    found = next((c for c in (lookup(tenant_id, deployment_id) for lookup in lookups) if c is not None), None)
    if found is None or found.champion_version != deployment.model_version or deployment.status != "active":
        return None, None
    roles = {found.champion_version: "champion", found.challenger_version: "challenger"}
    return (found.id, roles[model_version]) if model_version in roles else (None, None)


def _predicted(prediction_type: str, raw: Any) -> tuple[str | None, float | None]:
    try:
        value = unwrap(raw)
        if prediction_type in REGRESSION_TYPES:
            return None, number(value)
        return canonical_label(value), None
    except ValueError as exc:
        raise ValidationFailed.field("body.prediction", str(exc)) from None


def _actual(regression: bool, raw: Any) -> Any:
    try:
        value = unwrap(raw)
        return number(value) if regression else canonical_label(value)
    except ValueError as exc:
        raise ValidationFailed.field("body.actual_value", str(exc)) from None


def _segments(input_data: dict[str, Any], attributes: list[str]) -> dict[str, str]:
    """Each attribute's value as a segment (missing when absent or null; objects and lists are not segments)."""
    found: dict[str, str] = {}
    for attribute in attributes:
        value = input_data.get(attribute)
        if value is None:
            found[attribute] = MISSING
        elif not isinstance(value, dict | list):
            try:
                found[attribute] = canonical_label(value)
            except ValueError:
                continue
    return found


def _contribution(
    deltas: dict[CounterKey, dict[str, float]], item: PredictionItem, actual: str | float, segments: dict[str, str], *, sign: int
) -> None:
    """What one (canonical) ground truth adds to the counters (sign 1), or takes back when replaced (sign -1)."""
    day, part = item.day, keys.key_part
    if item.prediction_type in REGRESSION_TYPES:
        error = float(actual) - float(item.value)
        fields = {"n": 1.0, "abs_error_sum": abs(error), "sq_error_sum": error * error, "error_sum": error}
        targets: list[tuple[type[TableItem], str, str]] = [(ErrorCounter, error_counter(item.model_id), day)]
        targets += [
            (ErrorCounter, segment_error_counter(item.model_id), f"{part(attr)}#{day}#{part(value)}")
            for attr, value in segments.items()
        ]
        if item.challenge_id is not None:
            targets.append((ErrorCounter, challenge_counter(item.challenge_id), str(item.challenge_role)))
    else:
        fields = {"n": 1.0}
        cell = f"{part(str(actual))}#{part(str(item.label))}"
        targets = [(LabelCounter, confusion_counter(item.model_id), f"{day}#{cell}")]
        targets += [
            (LabelCounter, segment_confusion_counter(item.model_id), f"{part(attr)}#{day}#{part(value)}#{cell}")
            for attr, value in segments.items()
        ]
        if item.challenge_id is not None:
            targets.append((LabelCounter, challenge_counter(item.challenge_id), f"{item.challenge_role}#{cell}"))
    for target in targets:
        for name, value in fields.items():
            deltas[target][name] += sign * value


def _load(tenant_id: str, prediction_id: str) -> PredictionItem:
    return persist.load(
        PredictionItem,
        keys.ml_prediction(tenant_id, prediction_id),
        f"no prediction {prediction_id}",
        where=lambda item: scope.visible(item.company_id),
    )


def view(item: PredictionItem) -> Prediction:
    return Prediction.of(
        item,
        prediction_id=item.id,
        is_correct=bool(item.is_correct) if item.is_correct is not None else None,
    )
