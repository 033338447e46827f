"""Pure performance arithmetic: classification and regression metrics, windows and trends (labels are read as the
registry reads them, `registry/labels.py`).

Classification metrics come from a confusion matrix given as counts per (actual, predicted) label pair;
regression metrics from the count, sum of absolute errors and sum of squared errors. Both are what the
counters hold, so a window's metrics never need the predictions themselves.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Literal

# Labels and values as the registry reads them, re-exported: monitoring's callers (and tests) name them `metrics.*`.
from ..registry.labels import canonical_label as canonical_label
from ..registry.labels import number as number
from ..registry.labels import unwrap as unwrap

Trend = Literal["improving", "declining", "stable"]
WindowKind = Literal["daily", "weekly", "monthly"]

CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1_score")
REGRESSION_METRICS = ("mae", "rmse")
# The mean `latency_ms` of a window's predictions (given with each one; lower is better, like an error).
LATENCY = "latency"
HIGHER_IS_BETTER = frozenset(CLASSIFICATION_METRICS)
# A change of at most this much is `stable`: absolute for scores in [0, 1], relative for errors.
STABLE_ABSOLUTE = 0.01
STABLE_RELATIVE = 0.05
DEFAULT_PERIODS: dict[str, int] = {"daily": 30, "weekly": 12, "monthly": 12}
# Binary label sets whose positive class needs no declaration.
_IMPLICIT_POSITIVE = (
    (frozenset({"true", "false"}), "true"),
    (frozenset({"1", "0"}), "1"),
    (frozenset({"anomaly", "normal"}), "anomaly"),
    (frozenset({"yes", "no"}), "yes"),
    (frozenset({"positive", "negative"}), "positive"),
)


# --- labels ---------------------------------------------------------------------------------------------


def positive_label(declared: str | None, labels: Iterable[str]) -> str | None:
    """The positive class when the task is binary: the declared one, or the obvious one of a true/false, 1/0,
    anomaly/normal, yes/no or positive/negative label set; None means multi-class (macro averaging)."""
    if declared is not None:
        return declared
    seen = frozenset(labels)
    if not seen:
        return None
    for label_set, positive in _IMPLICIT_POSITIVE:
        if seen <= label_set:
            return positive
    return None


# --- metrics ---------------------------------------------------------------------------------------


def classification_metrics(cells: Mapping[tuple[str, str], float], positive: str | None) -> dict[str, float | None]:
    """Accuracy, precision, recall and F1 of a confusion matrix {(actual, predicted): count}.

    Binary (a positive class): precision tp/(tp+fp), recall tp/(tp+fn), F1 2PR/(P+R), each 0 when its
    denominator is 0. Multi-class: the macro average over every label that occurs as actual or
    predicted, each label's F1 computed from its own precision and recall (as scikit-learn's
    `average="macro", zero_division=0`). All None when the matrix is empty.
    """
    total = sum(cells.values())
    if total <= 0:
        return dict.fromkeys(CLASSIFICATION_METRICS)
    correct = sum(n for (actual, predicted), n in cells.items() if actual == predicted)
    if positive is not None:
        precision, recall, f1 = _per_label(cells, positive)
    else:
        labels = sorted({label for pair in cells for label in pair})
        scores = [_per_label(cells, label) for label in labels]
        precision = sum(s[0] for s in scores) / len(scores)
        recall = sum(s[1] for s in scores) / len(scores)
        f1 = sum(s[2] for s in scores) / len(scores)
    return {"accuracy": correct / total, "precision": precision, "recall": recall, "f1_score": f1}


def _per_label(cells: Mapping[tuple[str, str], float], label: str) -> tuple[float, float, float]:
    tp = sum(n for (a, p), n in cells.items() if a == label and p == label)
    predicted = sum(n for (_, p), n in cells.items() if p == label)
    actual = sum(n for (a, _), n in cells.items() if a == label)
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def regression_metrics(n: float, abs_error_sum: float, sq_error_sum: float) -> dict[str, float | None]:
    """MAE = sum|e| / n and RMSE = sqrt(sum e^2 / n); None when nothing was measured."""
    if n <= 0:
        return dict.fromkeys(REGRESSION_METRICS)
    return {"mae": abs_error_sum / n, "rmse": math.sqrt(max(sq_error_sum, 0.0) / n)}


def trend(metric: str, current: float | None, previous: float | None) -> tuple[float | None, Trend | None]:
    """The change against the previous window and its direction; None when either window has no value.

    Scores (accuracy, precision, recall, F1; higher is better) are stable within 0.01 (one percentage
    point); errors (MAE, RMSE; lower is better) within 5 % of the previous value.
    """
    if current is None or previous is None:
        return None, None
    change = current - previous
    if metric in HIGHER_IS_BETTER:
        if abs(change) <= STABLE_ABSOLUTE:
            return change, "stable"
        return change, "improving" if change > 0 else "declining"
    if previous == 0:
        return change, "stable" if current == 0 else "declining"
    if abs(change) / abs(previous) <= STABLE_RELATIVE:
        return change, "stable"
    return change, "improving" if change < 0 else "declining"


# --- windows ---------------------------------------------------------------------------------------


def window_of(kind: str, day: date) -> tuple[date, date]:
    """The window of `kind` holding `day`: the day, its ISO week (Monday to Sunday), or its calendar month."""
    if kind == "daily":
        return day, day
    if kind == "weekly":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def windows(kind: str, today: date, periods: int) -> list[tuple[date, date]]:
    """The last `periods` windows of `kind` up to the one holding `today`, oldest first."""
    found: list[tuple[date, date]] = []
    day = today
    for _ in range(periods):
        start, end = window_of(kind, day)
        found.append((start, end))
        day = start - timedelta(days=1)
    return list(reversed(found))
