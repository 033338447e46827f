"""The vocabulary of policy thresholds and rules: what each threshold checks, in which direction, within which bounds.

A threshold is named `min_<metric>` or `max_<metric>` (`min_accuracy`, `max_psi`, `max_disparity`), or by
the bare metric, read in its natural direction (`accuracy` is a minimum, `rmse` and `psi` are maximums), or
generically (`min`, `max`, `minimum`, `maximum`, `threshold`) for the metric that `rules.metric` names.
The thresholds decide what a policy checks, whatever its `policy_type`: a `fairness` policy with
`max_disparity`, a `performance` policy with `min_accuracy`, a `bias_detection` policy with both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SCORES = ("accuracy", "precision", "recall", "f1_score")
ERRORS = ("mae", "rmse")
DRIFT_TESTS = ("ks", "psi", "wasserstein", "chi_square", "jensen_shannon", "accuracy_drop", "rmse_increase")
QUALITY = ("completeness", "validity", "consistency", "timeliness")
WINDOWS = ("daily", "weekly", "monthly")
SEVERITIES = ("low", "medium", "high", "critical")
# What may follow a violation (`rules.actions`, taken by chalicelib/learning/actions.py).
ACTIONS = ("retrain", "rollback", "notify")


@dataclass(frozen=True)
class Limit:
    """One threshold: which check (performance, drift, fairness, data_quality), on which metric, which way."""

    check: str
    metric: str  # a performance metric, a drift test (`drift_score`: every test), `disparity`, a quality metric
    direction: str  # min | max
    low: float
    high: float | None


def _vocabulary() -> dict[str, Limit]:
    known: dict[str, Limit] = {}
    for metric in SCORES:
        known[f"min_{metric}"] = known[metric] = Limit("performance", metric, "min", 0.0, 1.0)
    for metric in ERRORS:
        known[f"max_{metric}"] = known[metric] = Limit("performance", metric, "max", 0.0, None)
    for metric in (*DRIFT_TESTS, "drift_score"):
        known[f"max_{metric}"] = known[metric] = Limit("drift", metric, "max", 0.0, None)
    known["max_drift"] = known["drift"] = Limit("drift", "drift_score", "max", 0.0, None)
    known["max_disparity"] = known["disparity"] = Limit("fairness", "disparity", "max", 0.0, None)
    for metric in QUALITY:
        known[f"min_{metric}"] = known[metric] = Limit("data_quality", metric, "min", 0.0, 1.0)
    # A data-quality accuracy figure (min_accuracy is the model's, a performance threshold).
    known["min_data_accuracy"] = known["data_accuracy"] = Limit("data_quality", "accuracy", "min", 0.0, 1.0)
    known["min_f1"] = known["f1"] = known["f1_score"]
    return known


VOCABULARY = _vocabulary()
# What the rules may say (others are kept as given, for the record).
RULES = {
    "model_name": "text",
    "model_version": "text",
    "severity": "severity",
    "window": "window",
    "min_samples": "count",
    "features": "texts",
    "drift_types": "texts",
    "segment_attribute": "text",
    "metric": "metric",
    "table": "text",
    "column": "text",
    "pipeline_name": "text",
    "actions": "actions",
}
# Types whose policy is checked even without thresholds: any detected drift, any failing quality figure.
CHECKED_WITHOUT_THRESHOLDS = {"drift": "drift", "data_quality": "data_quality"}


GENERIC = {"min": "min", "minimum": "min", "max": "max", "maximum": "max", "threshold": None}


def resolve(name: str, rules: Mapping[str, Any]) -> Limit | None:
    """What a threshold's name means (None: nothing known)."""
    if name in VOCABULARY:
        return VOCABULARY[name]
    metric = rules.get("metric")
    if name not in GENERIC or not isinstance(metric, str) or metric not in VOCABULARY:
        return None
    natural = VOCABULARY[metric]
    return VOCABULARY.get(f"{GENERIC[name] or natural.direction}_{natural.metric}")


def limits(thresholds: Mapping[str, float], check: str, rules: Mapping[str, Any] | None = None) -> list[tuple[Limit, float]]:
    """The thresholds of one check, each with its value."""
    found = []
    for name, value in thresholds.items():
        limit = resolve(name, rules or {})
        if limit is not None and limit.check == check:
            found.append((limit, float(value)))
    return found


def checks_of(policy_type: str, thresholds: Mapping[str, float], rules: Mapping[str, Any]) -> set[str]:
    """Which checks a policy takes part in."""
    found = {limit.check for name in thresholds if (limit := resolve(name, rules)) is not None}
    if "fairness" in found and "segment_attribute" not in rules:
        found.discard("fairness")
    if policy_type in CHECKED_WITHOUT_THRESHOLDS and not found:
        found.add(CHECKED_WITHOUT_THRESHOLDS[policy_type])
    return found


def problems(policy_type: str, rules: Mapping[str, Any], thresholds: Mapping[str, float]) -> list[tuple[str, str]]:
    """(field, message) for everything wrong with a policy's rules and thresholds."""
    wrong: list[tuple[str, str]] = []
    for name, value in thresholds.items():
        limit = resolve(name, rules)
        if limit is None:
            known = "min_<metric> or max_<metric>, or min/max with rules.metric (docs/registry.md)"
            wrong.append((f"body.thresholds.{name}", f"is not a known threshold: {known}"))
        elif value < limit.low or (limit.high is not None and value > limit.high):
            bounds = f"between {limit.low} and {limit.high}" if limit.high is not None else f">= {limit.low}"
            wrong.append((f"body.thresholds.{name}", f"must be {bounds}"))
    for name, value in rules.items():
        kind = RULES.get(name)
        if kind == "actions":
            wrong += _action_problems(value)
        elif kind is not None and (problem := _rule_problem(kind, value)):
            wrong.append((f"body.rules.{name}", problem))
    checks = {limit.check for name in thresholds if (limit := resolve(name, rules)) is not None}
    if policy_type == "performance" and "performance" not in checks:
        wrong.append(("body.thresholds", "a performance policy needs a minimum score or a maximum error, e.g. min_accuracy"))
    if policy_type in ("fairness", "bias_detection") and "fairness" not in checks:
        wrong.append(("body.thresholds.max_disparity", f"a {policy_type} policy needs max_disparity"))
    if ("fairness" in checks or policy_type in ("fairness", "bias_detection")) and "segment_attribute" not in rules:
        wrong.append(("body.rules.segment_attribute", "a disparity needs the input attribute whose segments are compared"))
    if "fairness" in checks and rules.get("metric", "accuracy") not in (*SCORES, *ERRORS):
        wrong.append(("body.rules.metric", f"a disparity compares one of {', '.join((*SCORES, *ERRORS))}"))
    return wrong


def _action_problems(value: Any) -> list[tuple[str, str]]:
    """`rules.actions`: a list of known actions, each named once; an unknown one is named by its index."""
    if not isinstance(value, list):
        return [("body.rules.actions", f"must be a list of actions: {', '.join(ACTIONS)}")]
    wrong = [
        (f"body.rules.actions.{i}", f"{action!r} is not an action: {', '.join(ACTIONS)}")
        for i, action in enumerate(value)
        if action not in ACTIONS
    ]
    if not wrong and len(set(value)) != len(value):
        wrong.append(("body.rules.actions", "must name each action once"))
    return wrong


def _rule_problem(kind: str, value: Any) -> str | None:
    if kind == "text":
        return None if isinstance(value, str) and 0 < len(value) <= 200 else "must be a non-empty string"
    if kind == "texts":
        ok = isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
        return None if ok else "must be a non-empty list of strings"
    if kind == "window":
        return None if value in WINDOWS else f"must be one of {', '.join(WINDOWS)}"
    if kind == "severity":
        return None if value in SEVERITIES else f"must be one of {', '.join(SEVERITIES)}"
    if kind == "count":
        return None if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else "must be an integer >= 1"
    known = isinstance(value, str) and value in VOCABULARY and not value.startswith(("min_", "max_"))
    return None if known else "must be a metric such as accuracy, f1_score, rmse, psi, drift_score or completeness"
