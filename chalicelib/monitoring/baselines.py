"""Drift baselines: the reference distribution of each feature (and of the outputs) of a model version.

Given as samples, or taken from the version's own predictions in a window. Numbers keep at most
2000 values (quantiles of a larger sample), categories their counts, so an item stays far below 400 KB.
A new baseline replaces the version's previous one as a whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from ..core import clock, keys, storage
from ..core.errors import Conflict
from ..core.ids import new_id
from ..registry import models
from ..registry.labels import canonical_label
from . import drift, predictions, store
from .schemas import Baseline, BaselineCreate, BaselineFeature
from .store import BaselineItem, PredictionItem

PREDICTION_FEATURE = "prediction"  # the feature name of the outputs' baseline (label drift)
MAX_FEATURES = 200
_BATCH = 90  # operations per transaction (DynamoDB allows 100, the idempotency guard takes one)


def set_baseline(tenant_id: str, model_name: str, model_version: str, data: BaselineCreate) -> Baseline:
    model = models.load(tenant_id, model_name, model_version)
    now = clock.now()
    window: tuple[str | None, str | None] = (None, None)
    outputs: list[Any] | None
    spec = data.window()
    if spec is not None:
        end = spec.to or now
        start = spec.from_ or end - timedelta(days=spec.days)
        found = list(predictions.recent(tenant_id, model.id, start, end, spec.max_samples))
        if not found:
            raise Conflict(
                f"model {model_name} {model_version} has no predictions between {clock.iso(start)} and {clock.iso(end)}",
                code="no_predictions",
            )
        features, outputs = from_predictions(model, found)
        source, window = "predictions", (clock.iso(start), clock.iso(end))
    else:
        features, outputs, source = dict(data.features or {}), data.predictions, "given"
    thresholds = data.thresholds.model_dump(exclude_none=True) if data.thresholds is not None else {}
    baseline_id = new_id("bsl")
    created_at = clock.iso(now)
    items, skipped = [], []
    wanted = [("data_drift", name, values) for name, values in features.items()]
    if outputs:
        wanted.append(("label_drift", PREDICTION_FEATURE, outputs))
    for drift_type, name, values in wanted:
        item = build(tenant_id, model.id, baseline_id, drift_type, name, values, source, thresholds, window, created_at)
        if item is None:
            skipped.append(name)
        else:
            items.append(item)
    if not items:
        raise Conflict("no feature of the baseline has a usable value (numbers or labels)", code="baseline_empty")
    replace(tenant_id, model.id, items)
    return Baseline(
        id=baseline_id,
        model_id=model.id,
        model_name=model_name,
        model_version=model_version,
        source=source,  # type: ignore[arg-type]
        window_start=window[0],
        window_end=window[1],
        features=[feature_view(item) for item in items],
        skipped=skipped,
        created_at=created_at,
    )


def from_predictions(model: models.Version, found: Sequence[PredictionItem]) -> tuple[dict[str, list[Any]], list[Any]]:
    """Per feature, its values in the predictions' input_data (the model's feature columns, or every key seen)."""
    columns = list(model.feature_columns or [])
    if not columns:
        seen: dict[str, None] = {}
        for item in found:
            seen.update(dict.fromkeys(item.input_data))
        columns = list(seen)[:MAX_FEATURES]
    features = {column: [item.input_data.get(column) for item in found] for column in columns}
    return features, [output(item) for item in found]


def output(item: PredictionItem) -> Any:
    return item.value if item.value is not None else item.label


def numbers(values: Iterable[Any]) -> list[float]:
    return [
        float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool) and v == v and abs(v) != float("inf")
    ]


def labels(values: Iterable[Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for value in values:
        if value is None or isinstance(value, dict | list):
            continue
        try:
            counts[canonical_label(value)] += 1
        except ValueError:
            continue
    return counts


def build(
    tenant_id: str,
    model_id: str,
    baseline_id: str,
    drift_type: str,
    name: str,
    values: Sequence[Any],
    source: str,
    thresholds: dict[str, Any],
    window: tuple[str | None, str | None],
    created_at: str,
) -> BaselineItem | None:
    """A feature's baseline item: numeric when every usable value is a number, else categorical."""
    present = [v for v in values if v is not None]
    numeric = numbers(present)
    key = keys.ml_baseline(tenant_id, model_id, drift_type, name)
    common: dict[str, Any] = {
        "id": baseline_id,
        "model_id": model_id,
        "drift_type": drift_type,
        "feature_name": name,
        "source": source,
        "thresholds": thresholds or None,
        "window_start": window[0],
        "window_end": window[1],
        "created_at": created_at,
    }
    if present and len(numeric) == len(present):
        stats: dict[str, Any] = drift.summary(numeric)
        return BaselineItem(
            key.pk, key.sk, feature_kind="numeric", sample=drift.compress(numeric), sample_size=len(numeric), **stats, **common
        )
    counts = labels(present)
    if not counts:
        return None
    return BaselineItem(
        key.pk,
        key.sk,
        feature_kind="categorical",
        counts=drift.cap_categories(dict(counts)),
        sample_size=sum(counts.values()),
        **common,
    )


def replace(tenant_id: str, model_id: str, items: list[BaselineItem]) -> None:
    """Write the new baseline and delete what remains of the previous one (features no longer in it)."""
    keep = {(item.pk, item.sk) for item in items}
    stale = [item for item in load(tenant_id, model_id) if (item.pk, item.sk) not in keep]
    ops: list[storage.Op] = [storage.Put(item) for item in items]
    ops += [storage.Delete(BaselineItem(item.pk, item.sk)) for item in stale]
    for start in range(0, len(ops), _BATCH):  # up to 200 features and as many stale ones: several transactions
        storage.commit(ops[start : start + _BATCH])


def write_from_pipeline(tenant_id: str, model_id: str, run_id: str, features: dict[str, list[Any]], created_at: str) -> list[str]:
    """A pipeline run's target: the version's data-drift baseline from the run's valid records, per feature. Returns
    the features written; none (nothing usable) leaves the previous baseline as it was."""
    items = [
        item
        for name, values in features.items()
        if (item := build(tenant_id, model_id, run_id, "data_drift", name, values, "pipeline", {}, (None, None), created_at))
        is not None
    ]
    if items:
        replace(tenant_id, model_id, items)
    return [item.feature_name for item in items]


def load(tenant_id: str, model_id: str) -> list[BaselineItem]:
    return store.baseline_items(tenant_id, model_id)


def feature_view(item: BaselineItem) -> BaselineFeature:
    return BaselineFeature.of(
        item,
        kind=item.feature_kind,
        stored_size=len(item.sample or []) if item.feature_kind == "numeric" else len(item.counts or {}),
        categories=item.counts if item.feature_kind == "categorical" else None,
    )
