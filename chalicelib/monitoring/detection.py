"""Drift detection over stored data: the `detect-drift` scheduled task and the latest reports per feature.

For each model version that is not archived: the recent inputs (its predictions of the last 7 days, or
since the end of the baseline's window when that is later; at most 5000, newest first) are compared with
the version's baseline, feature by feature (data drift) and for the outputs (label drift); the accuracy
(or RMSE) of the recent predictions with ground truth is compared with the baseline's window or the
version's recorded accuracy (concept drift). Every report is kept, the latest per (feature, test) is what
`GET .../drift` shows, and each is held against the drift policies. The performance windows the tenant's
policies watch are checked in the same run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ..core import clock, keys, storage
from ..core.ids import new_id
from ..core.schemas import ListQuery, Page
from ..events import hooks as alert_hooks
from ..events import service as alert_events
from ..governance import checks
from ..registry import models
from . import baselines, drift, performance, predictions, store
from .schemas import DriftReport
from .store import BaselineItem, DriftItem, PredictionItem

WINDOW_DAYS = 7
MAX_CURRENT = 5000
HISTORY_DAYS = 400  # drift history is kept this long (TTL)
_ADVICE = {
    "data_drift": "compare the feature's recent values with the training data; retrain on recent data if the shift is real",
    "label_drift": "the model's outputs changed distribution: check its inputs and the population it now serves",
    "concept_drift": "the relation between inputs and target changed: retrain with recent ground truth",
}


def detect_drift(tenant_id: str) -> dict[str, Any]:
    """The scheduled task: drift and performance checks of every version that is not archived."""
    policies = checks.active_policies(tenant_id)
    summary: dict[str, Any] = {
        "models_checked": 0,
        "features_checked": 0,
        "reports": 0,
        "drifted": [],
        "skipped": [],
        "windows_checked": 0,
        "violations_opened": 0,
    }
    for model in models.iter_models(tenant_id):
        if model.status == "archived":
            continue
        summary["models_checked"] += 1
        reports, skipped, opened = check_model(tenant_id, model, policies)
        checked, opened_by_windows = performance.check_latest(tenant_id, model, policies)
        label = f"{model.model_name}:{model.model_version}"
        summary["features_checked"] += len({(r.drift_type, r.feature_name) for r in reports})
        summary["reports"] += len(reports)
        summary["drifted"] += [f"{label}:{r.feature_name}:{r.metric}" for r in reports if r.status == "detected"]
        summary["skipped"] += [f"{label}:{name}" for name in skipped]
        summary["windows_checked"] += checked
        summary["violations_opened"] += opened + opened_by_windows
    return summary


def check_model(
    tenant_id: str, model: models.Version, policies: list[checks.ActivePolicy]
) -> tuple[list[DriftItem], list[str], int]:
    """Test the version's recent data against its baseline; store the reports and check them. Returns the
    reports, the features skipped for too few recent values, and the violations opened."""
    now = clock.now()
    found = baselines.load(tenant_id, model.id)
    start = current_start(found, now)
    recent = list(predictions.recent(tenant_id, model.id, start, now, MAX_CURRENT)) if found else []
    checked_at = clock.iso(now)
    reports: list[DriftItem] = []
    skipped: list[str] = []
    base_value: float | str | None
    now_value: float | str | None
    for baseline in found:
        limits = baseline.thresholds or {}
        values = _current(baseline, recent)
        if len(values) < int(limits.get("min_samples", drift.DEFAULT_MIN_SAMPLES)):
            skipped.append(baseline.feature_name)
            continue
        if baseline.feature_kind == "numeric":
            current = baselines.numbers(values)
            results = drift.numeric_tests(baseline.sample or [], current, limits)
            base_value, now_value = baseline.mean, drift.summary(current)["mean"]
        else:
            counts = baselines.labels(values)
            results = drift.categorical_tests(baseline.counts or {}, counts, limits)
            base_value, now_value = _mode(baseline.counts or {}), _mode(counts)
        for result in results:
            reports.append(_report(tenant_id, model, baseline.feature_name, baseline.drift_type, result, baseline, len(values)))
            reports[-1].baseline_value, reports[-1].current_value = base_value, now_value
    reports += _concept_drift(tenant_id, model, found, start, now)
    for report in reports:
        report.window_start, report.window_end, report.checked_at = clock.iso(start), checked_at, checked_at
    _store(tenant_id, reports)
    facts = [
        checks.DriftFacts(
            r.feature_name, r.drift_type, r.metric, r.drift_score, r.threshold, r.status, now.date().isoformat(), r.id
        )
        for r in reports
    ]
    return reports, skipped, checks.check_drift(tenant_id, policies, models.ref(model), facts)


def current_start(found: list[BaselineItem], now: datetime) -> datetime:
    """The recent window starts 7 days ago, or just after the baseline's own window when that ends later: the
    predictions a baseline was taken from are never compared with themselves."""
    start = now - timedelta(days=WINDOW_DAYS)
    ends = [clock.parse_iso(b.window_end) + timedelta(milliseconds=1) for b in found if b.window_end]
    return max([start, *ends])


def latest(tenant_id: str, model_name: str, model_version: str, query: ListQuery) -> Page[DriftReport]:
    """The latest report of each (feature, test) of a version, in key order."""
    model = models.load(tenant_id, model_name, model_version)
    found, cursor = store.latest_drift_page(tenant_id, model.id, f"drift:{model.id}", query.limit, query.cursor)
    return Page[DriftReport](items=[view(item) for item in found], next_cursor=cursor)


def _current(baseline: BaselineItem, recent: Sequence[PredictionItem]) -> list[Any]:
    if baseline.drift_type == "label_drift":
        values = [baselines.output(item) for item in recent]
    else:
        values = [item.input_data.get(baseline.feature_name) for item in recent]
    usable = (
        baselines.numbers(values)
        if baseline.feature_kind == "numeric"
        else [v for v in values if v is not None and not isinstance(v, dict | list)]
    )
    return list(usable)


def _concept_drift(
    tenant_id: str, model: models.Version, found: list[BaselineItem], start: datetime, now: datetime
) -> list[DriftItem]:
    """Recent accuracy (RMSE) against the baseline window's, or against the version's recorded accuracy."""
    limits = next((b.thresholds for b in found if b.thresholds), None) or {}
    window = next(((b.window_start, b.window_end) for b in found if b.window_start and b.window_end), None)
    if window is None and (performance.is_regression(model) or model.accuracy is None):
        return []  # nothing to compare with: no counters read
    current = performance.window_figures(tenant_id, model, start.date(), now.date())
    if current.samples < int(limits.get("min_samples", drift.DEFAULT_MIN_SAMPLES)):
        return []
    reference = None
    if window is not None:
        base = performance.window_figures(tenant_id, model, clock.parse_iso(window[0]).date(), clock.parse_iso(window[1]).date())
        if base.samples > 0:
            reference = base
    target = model.target_column or "target"
    if performance.is_regression(model):
        if reference is None or reference.values["rmse"] is None or current.values["rmse"] is None:
            return []
        result = drift.rmse_increase(reference.values["rmse"], current.values["rmse"], limits.get("rmse_increase"))
        base_value, now_value = reference.values["rmse"], current.values["rmse"]
    else:
        base_accuracy = reference.values["accuracy"] if reference is not None else model.accuracy
        if base_accuracy is None or current.values["accuracy"] is None:
            return []
        result = drift.accuracy_drop(float(base_accuracy), float(current.values["accuracy"]), limits.get("accuracy_drop"))
        base_value, now_value = base_accuracy, current.values["accuracy"]
    report = _report(tenant_id, model, target, "concept_drift", result, None, current.samples)
    report.baseline_value, report.current_value = base_value, now_value
    report.analysis = {
        **(report.analysis or {}),
        "reference": "baseline window" if reference is not None else "recorded accuracy",
    }
    return [report]


def _report(
    tenant_id: str,
    model: models.Version,
    feature: str,
    drift_type: str,
    result: drift.DriftResult,
    baseline: BaselineItem | None,
    current_size: int,
) -> DriftItem:
    return DriftItem(
        id=new_id("drf"),
        model_id=model.id,
        model_name=model.model_name,
        model_version=model.model_version,
        feature_name=feature,
        drift_type=drift_type,
        metric=result.metric,
        drift_score=_finite(result.drift_score),
        threshold=result.threshold,
        status=result.status,
        statistic=_finite(result.statistic),
        p_value=_finite(result.p_value),
        baseline_size=int(baseline.sample_size) if baseline is not None else 0,
        current_size=current_size,
        analysis={**result.details, "baseline_id": baseline.id if baseline is not None else None},
        recommendations=[_ADVICE[drift_type]] if result.status != "normal" else [],
    )


def _store(tenant_id: str, reports: list[DriftItem]) -> None:
    """Each report, with its `drift.detected` event (once a day) in the same transaction when it drifted."""
    groups: list[tuple[list[storage.Op], list[storage.Op]]] = []
    expires = clock.now() + timedelta(days=HISTORY_DAYS)
    for report in reports:
        history = keys.ml_drift_report(
            tenant_id, report.model_id, report.checked_at, report.drift_type, report.feature_name, report.metric
        )
        last = keys.ml_drift_latest(tenant_id, report.model_id, report.drift_type, report.feature_name, report.metric)
        fields = {name: getattr(report, name) for name in DriftItem.get_attributes() if name not in ("pk", "sk", "kind")}
        ops: list[storage.Op] = [
            storage.Put(DriftItem(history.pk, history.sk, **{**fields, "expires_at": expires})),
            storage.Put(DriftItem(last.pk, last.sk, **fields)),
        ]
        groups.append((ops, alert_hooks.drift_detected(tenant_id, report)))
    alert_events.commit_with_events(groups)


def _finite(value: float | None) -> float | None:
    """DynamoDB numbers are finite: an infinite statistic is stored as a very large one."""
    if value is None or math.isfinite(value):
        return value
    return None if math.isnan(value) else math.copysign(1e300, value)


def _mode(counts: dict[str, int]) -> str | None:
    return max(sorted(counts), key=lambda label: counts[label]) if counts else None


def view(item: DriftItem) -> DriftReport:
    return DriftReport.of(item, drift_id=item.id, analysis=item.analysis or {}, recommendations=item.recommendations or [])
