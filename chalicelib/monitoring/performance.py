"""Performance over time, computed from the ground-truth counters (never from the predictions themselves).

A window's figures are the sum of its days' counters: confusion cells for classification (accuracy,
precision, recall, F1), error sums for regression (MAE, RMSE), and for both the mean latency of the window's
predictions (`latency`, from the latency count and sum each prediction adds). Every computed window is held
against the tenant's performance and fairness policies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from urllib.parse import unquote

from ..core import clock, counters, keys, pagination
from ..governance import checks
from ..registry import models
from . import metrics
from .schemas import (
    REGRESSION_TYPES,
    MetricSeries,
    PerformanceQuery,
    PerformanceReport,
    PerformanceRow,
    PerformanceWindow,
    SeriesPoint,
)
from .store import (
    ErrorCounter,
    LabelCounter,
    PredictionCounter,
    challenge_counter,
    confusion_counter,
    error_counter,
    prediction_counter,
    segment_confusion_counter,
    segment_error_counter,
)

_LAST = "\uffff"  # sorts after every bucket suffix: `<day>#<last>` closes a range of days
Cells = dict[tuple[str, str], float]


@dataclass(frozen=True)
class Figures:
    start: date
    end: date
    predictions: int
    samples: int
    values: dict[str, float | None]


@dataclass
class Days:
    """A version's counters for a span of days: confusion cells or error sums, and prediction counts."""

    regression: bool
    cells: dict[str, Cells]
    errors: dict[str, tuple[float, float, float]]
    predictions: dict[str, int]
    latency: dict[str, tuple[float, float]] = field(default_factory=dict)  # day -> (count, sum of latency_ms)

    def labels(self) -> set[str]:
        return {label for day in self.cells.values() for pair in day for label in pair}


def is_regression(model: models.Version) -> bool:
    return model.model_type in REGRESSION_TYPES


def read_days(tenant_id: str, model: models.Version, first: date, last: date) -> Days:
    lo, hi = first.isoformat(), f"{last.isoformat()}#{_LAST}"
    cells: dict[str, Cells] = defaultdict(dict)
    errors: dict[str, tuple[float, float, float]] = {}
    if is_regression(model):
        for day, fields in counters.read(ErrorCounter, tenant_id, error_counter(model.id), lo, hi).items():
            errors[day] = (fields.get("n", 0), fields.get("abs_error_sum", 0), fields.get("sq_error_sum", 0))
    else:
        for bucket, fields in counters.read(LabelCounter, tenant_id, confusion_counter(model.id), lo, hi).items():
            day, actual, predicted = bucket.split("#")
            if fields.get("n"):
                cells[day][(unquote(actual), unquote(predicted))] = fields["n"]
    made = counters.read(PredictionCounter, tenant_id, prediction_counter(model.id), lo, hi)
    return Days(
        is_regression(model),
        dict(cells),
        errors,
        {day: int(f.get("predictions", 0)) for day, f in made.items()},
        {day: (f.get("latency_count", 0), f.get("latency_sum", 0)) for day, f in made.items() if f.get("latency_count")},
    )


def prediction_days(tenant_id: str, model_id: str, first: date, last: date) -> dict[str, dict[str, float]]:
    """Per day of [first, last]: the version's predictions, how many got ground truth, and their confidence and latency
    counts and sums (the fields of `PredictionCounter`)."""
    return counters.read(PredictionCounter, tenant_id, prediction_counter(model_id), first.isoformat(), last.isoformat())


def challenge_errors(tenant_id: str, challenge_id: str, role: str) -> dict[str, float]:
    """One arm (champion or challenger) of a challenge: its regression error sums (`ErrorCounter`'s fields)."""
    return counters.read(ErrorCounter, tenant_id, challenge_counter(challenge_id), role, role).get(role, {})


def challenge_cells(tenant_id: str, challenge_id: str, role: str) -> Cells:
    """One arm (champion or challenger) of a challenge: its confusion cells {(actual, predicted): count}."""
    cells: Cells = {}
    for bucket, fields in counters.read(
        LabelCounter, tenant_id, challenge_counter(challenge_id), f"{role}#", f"{role}#{_LAST}"
    ).items():
        _, actual, predicted = bucket.split("#")
        cells[(unquote(actual), unquote(predicted))] = fields.get("n", 0)
    return cells


def figures(days: Days, start: date, end: date, positive: str | None) -> Figures:
    span = clock.days_between(start, end)
    predictions = sum(days.predictions.get(d, 0) for d in span)
    timed = sum(days.latency[d][0] for d in span if d in days.latency)
    latency = {metrics.LATENCY: sum(days.latency[d][1] for d in span if d in days.latency) / timed if timed else None}
    if days.regression:
        n = sum(days.errors[d][0] for d in span if d in days.errors)
        abs_sum = sum(days.errors[d][1] for d in span if d in days.errors)
        sq_sum = sum(days.errors[d][2] for d in span if d in days.errors)
        return Figures(start, end, predictions, round(n), {**metrics.regression_metrics(n, abs_sum, sq_sum), **latency})
    merged: Cells = defaultdict(float)
    for d in span:
        for pair, n in days.cells.get(d, {}).items():
            merged[pair] += n
    values = {**metrics.classification_metrics(merged, positive), **latency}
    return Figures(start, end, predictions, round(sum(merged.values())), values)


def window_figures(tenant_id: str, model: models.Version, first: date, last: date) -> Figures:
    """One span's figures (concept drift compares two of them)."""
    days = read_days(tenant_id, model, first, last)
    return figures(days, first, last, metrics.positive_label(model.positive_label, days.labels()))


def segment_figures(
    tenant_id: str, model: models.Version, attribute: str, start: date, end: date, positive: str | None
) -> checks.SegmentFigures:
    """Per value of `attribute`: (samples, figures) over [start, end], from the segment counters."""
    prefix = keys.key_part(attribute)
    lo, hi = f"{prefix}#{start.isoformat()}", f"{prefix}#{end.isoformat()}#{_LAST}"
    found: dict[str, tuple[int, dict[str, float | None]]] = {}
    if is_regression(model):
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for bucket, fields in counters.read(ErrorCounter, tenant_id, segment_error_counter(model.id), lo, hi).items():
            _, _, value = bucket.split("#")
            total = sums[unquote(value)]
            total[0] += fields.get("n", 0)
            total[1] += fields.get("abs_error_sum", 0)
            total[2] += fields.get("sq_error_sum", 0)
        for value, (n, abs_sum, sq_sum) in sums.items():
            if n > 0:
                found[value] = (round(n), metrics.regression_metrics(n, abs_sum, sq_sum))
        return found
    cells: dict[str, Cells] = defaultdict(lambda: defaultdict(float))
    for bucket, fields in counters.read(LabelCounter, tenant_id, segment_confusion_counter(model.id), lo, hi).items():
        _, _, value, actual, predicted = bucket.split("#")
        cells[unquote(value)][(unquote(actual), unquote(predicted))] += fields.get("n", 0)
    for value, matrix in cells.items():
        labelled = sum(matrix.values())
        if labelled > 0:
            found[value] = (round(labelled), metrics.classification_metrics(matrix, positive))
    return found


def performance(tenant_id: str, model_name: str, model_version: str, query: PerformanceQuery) -> PerformanceReport:
    """The metric series of the last `periods` windows, each with its trend against the window before it."""
    model = models.load(tenant_id, model_name, model_version)
    kind = query.window
    periods = query.periods or metrics.DEFAULT_PERIODS[kind]
    spans = metrics.windows(kind, clock.now().date(), periods + 1)  # one more, for the first window's trend
    days = read_days(tenant_id, model, spans[0][0], spans[-1][1])
    positive = None if days.regression else metrics.positive_label(model.positive_label, days.labels())
    series = [figures(days, start, end, positive) for start, end in spans]
    opened = check(tenant_id, model, kind, series[1:], positive)
    names = (*(metrics.REGRESSION_METRICS if days.regression else metrics.CLASSIFICATION_METRICS), metrics.LATENCY)
    windows: list[PerformanceWindow] = []
    points: dict[str, list[SeriesPoint]] = {name: [] for name in names}
    for previous, current in pairwise(series):
        comparison: dict[str, float | None] = {}
        trends: dict[str, metrics.Trend | None] = {}
        for name in names:
            change, trend = metrics.trend(name, current.values[name], previous.values[name])
            comparison[name], trends[name] = previous.values[name], trend
            points[name].append(
                SeriesPoint(
                    window_start=current.start.isoformat(),
                    window_end=current.end.isoformat(),
                    samples=current.samples,
                    metric_value=current.values[name],
                    comparison_value=previous.values[name],
                    change=change,
                    trend=trend,
                )
            )
        windows.append(
            PerformanceWindow(
                window_start=current.start.isoformat(),
                window_end=current.end.isoformat(),
                predictions=current.predictions,
                samples=current.samples,
                metrics=dict(current.values),
                comparison=comparison,
                trend=trends,
            )
        )
    every_row = [
        PerformanceRow(
            metric_type=name,
            metric_value=window.metrics[name],
            time_window=kind,
            window_start=window.window_start,
            window_end=window.window_end,
            samples=window.samples,
            comparison_value=window.comparison[name],
            trend=window.trend[name],
        )
        for window in windows
        for name in names
    ]
    # The windows and series are the report; its rows (seed 002's metric rows) are the list, paged.
    rows, cursor = pagination.in_order(
        tenant_id,
        f"performance:{model.id}:{kind}",
        every_row,
        query.limit,
        query.cursor,
        lambda r: f"{r.window_start}/{r.metric_type}",
    )
    return PerformanceReport(
        model_id=model.id,
        model_name=model.model_name,
        model_version=model.model_version,
        task="regression" if days.regression else "classification",
        averaging=None if days.regression else ("binary" if positive is not None else "macro"),
        positive_label=positive,
        window=kind,
        windows=windows,
        series=[MetricSeries(metric_type=name, time_window=kind, points=points[name]) for name in names],
        items=rows,
        next_cursor=cursor,
        violations_opened=opened,
    )


def check(
    tenant_id: str,
    model: models.Version,
    kind: str,
    series: Iterable[Figures],
    positive: str | None,
    policies: list[checks.ActivePolicy] | None = None,
) -> int:
    """Hold each window that has ground truth against the policies watching windows of this kind."""
    ref = models.ref(model)
    active = policies if policies is not None else checks.active_policies(tenant_id)
    if kind not in checks.windows_watched(active, ref):
        return 0
    opened = 0
    for window in series:
        if window.samples <= 0:
            continue

        def segments(attribute: str, window: Figures = window) -> checks.SegmentFigures:
            return segment_figures(tenant_id, model, attribute, window.start, window.end, positive)

        opened += checks.check_performance(
            tenant_id, active, ref, kind, window.start.isoformat(), window.samples, window.values, segments
        )
    return opened


def check_latest(tenant_id: str, model: models.Version, policies: list[checks.ActivePolicy]) -> tuple[int, int]:
    """The scheduled check: for each window kind a policy watches, the current and the previous window.
    Returns (windows checked, violations opened)."""
    kinds = checks.windows_watched(policies, models.ref(model))
    checked = opened = 0
    for kind in sorted(kinds):
        spans = metrics.windows(kind, clock.now().date(), 2)
        days = read_days(tenant_id, model, spans[0][0], spans[-1][1])
        positive = None if days.regression else metrics.positive_label(model.positive_label, days.labels())
        series = [figures(days, start, end, positive) for start, end in spans]
        checked += sum(1 for window in series if window.samples > 0)
        opened += check(tenant_id, model, kind, series, positive, policies)
    return checked, opened
