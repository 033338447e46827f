"""Every drift report, performance window and data-quality run is held against the tenant's active policies.

The registry calls these with the figures it computed; governance knows nothing of how they were made
(no import of the registry). A breach opens a violation with a deterministic id, so repeated checks of
the same window open exactly one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import thresholds as vocabulary
from .policies import active_policies, checks_of
from .store import PolicyItem
from .violations import Breach, open_violations

__all__ = ["ActivePolicy", "ModelRef", "active_policies", "check_data_quality", "check_drift", "check_performance"]

# An active policy, as `active_policies` gives it and the checks take it: callers hold policies between the two
# without reading governance's store (the API's view of a policy is `schemas.Policy`).
ActivePolicy = PolicyItem

# A segment's figures: value of the segment attribute -> (samples, metrics).
SegmentFigures = Mapping[str, tuple[int, Mapping[str, float | None]]]


@dataclass(frozen=True)
class ModelRef:
    model_id: str
    model_name: str
    model_version: str


@dataclass(frozen=True)
class DriftFacts:
    feature_name: str
    drift_type: str
    metric: str
    drift_score: float
    threshold: float
    status: str
    window_end: str  # the day the report's recent window ends (YYYY-MM-DD)
    report_id: str


@dataclass(frozen=True)
class QualityFacts:
    table_name: str
    column_name: str
    quality_metric: str
    metric_value: float
    threshold: float
    status: str


def applies(policy: PolicyItem, model: ModelRef | None) -> bool:
    rules = policy.rules or {}
    if model is None:
        return "model_name" not in rules and "model_version" not in rules
    return (
        rules.get("model_name", model.model_name) == model.model_name
        and rules.get("model_version", model.model_version) == model.model_version
    )


def policy_window(policy: PolicyItem) -> str:
    return str((policy.rules or {}).get("window", "daily"))


def segment_attributes(policies: Iterable[PolicyItem], model: ModelRef) -> set[str]:
    """The input attributes fairness policies compare this model's segments on (counted with ground truth)."""
    return {str((p.rules or {})["segment_attribute"]) for p in policies if "fairness" in checks_of(p) and applies(p, model)}


def windows_watched(policies: Iterable[PolicyItem], model: ModelRef) -> set[str]:
    """The window kinds (daily, weekly, monthly) some performance or fairness threshold watches on this model."""
    return {policy_window(p) for p in policies if checks_of(p) & {"performance", "fairness"} and applies(p, model)}


def check_performance(
    tenant_id: str,
    policies: Iterable[PolicyItem],
    model: ModelRef,
    window_kind: str,
    window_start: str,
    samples: int,
    figures: Mapping[str, float | None],
    segments: Callable[[str], SegmentFigures],
) -> int:
    """A performance window against minimum scores and maximum errors, and against maximum disparities of a
    metric between the segments of an attribute (fairness). Returns the violations opened."""
    window = f"{window_kind}:{window_start}"
    breaches: list[Breach] = []
    for policy in policies:
        if not applies(policy, model) or policy_window(policy) != window_kind:
            continue
        enough = samples >= int((policy.rules or {}).get("min_samples", 1))
        for limit, threshold in vocabulary.limits(policy.thresholds or {}, "performance", policy.rules) if enough else []:
            value = figures.get(limit.metric)
            if value is None or not _breached(value, threshold, limit.direction):
                continue
            word = "below the minimum" if limit.direction == "min" else "above the maximum"
            breaches.append(
                Breach(
                    policy,
                    limit.metric,
                    value,
                    threshold,
                    limit.direction,
                    window,
                    f"{model.model_name} {model.model_version}: {limit.metric} {value:.4g} is {word} {threshold:g} "
                    f"({window_kind} window from {window_start}, {samples} predictions with ground truth)",
                    model_id=model.model_id,
                    model_name=model.model_name,
                    model_version=model.model_version,
                    details={"samples": samples, "window_start": window_start, "time_window": window_kind},
                )
            )
        if "fairness" in checks_of(policy):
            breach = _fairness(policy, model, window, window_start, segments)
            if breach is not None:
                breaches.append(breach)
    return open_violations(tenant_id, breaches)


def _fairness(
    policy: PolicyItem, model: ModelRef, window: str, window_start: str, segments: Callable[[str], SegmentFigures]
) -> Breach | None:
    rules = policy.rules or {}
    attribute, metric = str(rules["segment_attribute"]), str(rules.get("metric", "accuracy"))
    min_samples = int(rules.get("min_samples", 1))
    threshold = min(value for _, value in vocabulary.limits(policy.thresholds or {}, "fairness", policy.rules))
    values = {
        segment: float(found[metric])  # type: ignore[arg-type]
        for segment, (samples, found) in segments(attribute).items()
        if samples >= min_samples and found.get(metric) is not None
    }
    if len(values) < 2:
        return None
    best, worst = max(values, key=values.__getitem__), min(values, key=values.__getitem__)
    disparity = values[best] - values[worst]
    if disparity <= threshold:
        return None
    return Breach(
        policy,
        f"disparity:{metric}",
        disparity,
        threshold,
        "max",
        window,
        f"{model.model_name} {model.model_version}: {metric} differs by {disparity:.4g} between {attribute}={best} "
        f"({values[best]:.4g}) and {attribute}={worst} ({values[worst]:.4g}); the maximum is {threshold:g}",
        subject=attribute,
        model_id=model.model_id,
        model_name=model.model_name,
        model_version=model.model_version,
        details={"segment_attribute": attribute, "metric": metric, "segments": values, "window_start": window_start},
    )


def check_drift(tenant_id: str, policies: Iterable[PolicyItem], model: ModelRef, reports: Iterable[DriftFacts]) -> int:
    """Drift reports against maximum drift: a per-test maximum (`max_psi`, ...), else a maximum for every test
    (`max_drift_score`, `max_drift`); a drift policy without thresholds is breached by any report whose status
    is `detected`. One violation per (feature, test) and day."""
    breaches: list[Breach] = []
    drift_policies = [p for p in policies if "drift" in checks_of(p) and applies(p, model)]
    for report in reports:
        for policy in drift_policies:
            rules = policy.rules or {}
            if "features" in rules and report.feature_name not in rules["features"]:
                continue
            if "drift_types" in rules and report.drift_type not in rules["drift_types"]:
                continue
            maximums = {lim.metric: value for lim, value in vocabulary.limits(policy.thresholds or {}, "drift", policy.rules)}
            limit = maximums.get(report.metric, maximums.get("drift_score"))
            if limit is None:
                if maximums or report.status != "detected":
                    continue  # a policy with thresholds checks only the tests it names
                limit = report.threshold
            elif report.drift_score <= limit:
                continue
            breaches.append(
                Breach(
                    policy,
                    report.metric,
                    report.drift_score,
                    float(limit),
                    "max",
                    f"daily:{report.window_end}",
                    f"{model.model_name} {model.model_version}: {report.drift_type} on {report.feature_name} "
                    f"({report.metric} {report.drift_score:.4g} > {float(limit):g})",
                    subject=f"{report.drift_type}:{report.feature_name}",
                    model_id=model.model_id,
                    model_name=model.model_name,
                    model_version=model.model_version,
                    details={"feature_name": report.feature_name, "drift_type": report.drift_type, "report_id": report.report_id},
                )
            )
    return open_violations(tenant_id, breaches)


def check_data_quality(
    tenant_id: str,
    policies: Iterable[PolicyItem],
    figures: Iterable[QualityFacts],
    *,
    run_id: str,
    pipeline_name: str,
    model: ModelRef | None = None,
) -> int:
    """A data-quality run's figures against minimum quality (`min_completeness`, ...); a data-quality policy
    without thresholds is breached by any figure whose status is `fail`. One violation per (table, column,
    metric) and run."""
    breaches: list[Breach] = []
    quality_policies = [p for p in policies if "data_quality" in checks_of(p) and applies(p, model)]
    for figure in figures:
        for policy in quality_policies:
            rules = policy.rules or {}
            if any(
                rules.get(name, value) != value
                for name, value in (
                    ("table", figure.table_name),
                    ("column", figure.column_name),
                    ("pipeline_name", pipeline_name),
                )
            ):
                continue
            minimums = {
                lim.metric: value for lim, value in vocabulary.limits(policy.thresholds or {}, "data_quality", policy.rules)
            }
            limit: Any = minimums.get(figure.quality_metric)
            if limit is None:
                if minimums or figure.status != "fail":
                    continue
                limit = figure.threshold
            elif figure.metric_value >= limit:
                continue
            breaches.append(
                Breach(
                    policy,
                    figure.quality_metric,
                    figure.metric_value,
                    float(limit),
                    "min",
                    f"run:{run_id}",
                    f"{figure.table_name}.{figure.column_name}: {figure.quality_metric} {figure.metric_value:.4g} "
                    f"is below {float(limit):g} (pipeline {pipeline_name})",
                    subject=f"{figure.table_name}#{figure.column_name}",
                    model_id=model.model_id if model else None,
                    model_name=model.model_name if model else None,
                    model_version=model.model_version if model else None,
                    details={"table_name": figure.table_name, "column_name": figure.column_name, "pipeline_name": pipeline_name},
                )
            )
    return open_violations(tenant_id, breaches)


def _breached(value: float, threshold: float, direction: str) -> bool:
    return value < threshold if direction == "min" else value > threshold
