"""The weekly performance report: the last complete week (Monday to Sunday, UTC) against the week before.

Per model and task, per experiment variant and per task category, with the figures of both weeks and
a trend: `improving` or `declining` when the success rate changed significantly (two-sided
two-proportion z-test on successes over rated feedback, alpha 0.05), else `stable` (its reason says
whether the change was not significant or one of the weeks had no rated feedback). Kept as a report
item per week; the task's result is the report itself (GET /v1/scheduler/tasks shows it).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..core import clock, counters, keys
from ..core.errors import NotFound
from ..experiments.stats import ALPHA, two_proportions
from ..model_stats import figures
from ..sessions import service as sessions
from . import periods
from .rollups import Rows, aggregate, day_rows
from .store import VARIANT_DAY, ReportItem, VariantDayCounter, latest_report
from .summary import day_figures


def trend(current: figures.Counts, previous: figures.Counts) -> dict[str, Any]:
    """The trend of a row and the test behind it."""
    n_prev, n_cur = int(figures.g(previous, "rated")), int(figures.g(current, "rated"))
    s_prev, s_cur = int(figures.g(previous, "successes")), int(figures.g(current, "successes"))
    if not n_prev or not n_cur:
        return {"trend": "stable", "reason": "no rated feedback in one of the weeks", "p_value": None, "z": None, "change": None}
    test = two_proportions(s_prev, n_prev, s_cur, n_cur)
    change = round(test.difference, 6) if test.difference is not None else None
    if test.significant and change:
        label, reason = ("improving" if change > 0 else "declining"), f"success rate changed significantly (p < {ALPHA})"
    else:
        label, reason = "stable", f"no significant change in success rate (p >= {ALPHA})"
    return {
        "trend": label,
        "reason": reason,
        "change": change,
        "z": round(test.statistic, 6) if test.statistic is not None else None,
        "p_value": round(test.p_value, 6) if test.p_value is not None else None,
    }


def compare(key: dict[str, str], current: figures.Counts, previous: figures.Counts) -> dict[str, Any]:
    return {
        **key,
        "current": _brief(current),
        "previous": _brief(previous),
        **trend(current, previous),
    }


def _brief(c: figures.Counts) -> dict[str, Any]:
    f = figures.model_figures(c)
    return {
        "sessions": f["total_requests"],
        "rated_feedback": f["rated_feedback"],
        "successes": f["successes"],
        "success_rate": f["success_rate"],
        "average_quality_rating": f["average_quality_rating"],
        "blended_quality_rating": f["blended_quality_rating"],
        "like_ratio": f["like_ratio"],
        "average_speed_ms": f["average_speed_ms"],
        "total_cost_usd": f["total_cost_usd"],
        "satisfaction_score": f["satisfaction_score"],
    }


def _weeks(rows_by_day: dict[str, Rows], week: str) -> tuple[Rows, Rows]:
    by_week = aggregate(rows_by_day, "weekly")
    return by_week.get(week, {}), by_week.get(periods.shift(week, -7), {})


def build(tenant_id: str, week_start: str) -> dict[str, Any]:
    week_end, previous_start = periods.end_of("weekly", week_start), periods.shift(week_start, -7)
    models_now, models_before = _weeks(day_rows(tenant_id, previous_start, week_end), week_start)

    raw = counters.read(VariantDayCounter, tenant_id, VARIANT_DAY, previous_start, f"{week_end}#\uffff")
    variant_days: dict[str, Rows] = defaultdict(dict)
    for bucket, values in raw.items():
        day, experiment_id, variant_id = bucket.split("#", 2)
        variant_days[day][(experiment_id, variant_id)] = figures.clean(values)
    variants_now, variants_before = _weeks(variant_days, week_start)

    categories_now: dict[str, dict[str, float]] = defaultdict(dict)
    categories_before: dict[str, dict[str, float]] = defaultdict(dict)
    for rows, into in ((models_now, categories_now), (models_before, categories_before)):
        for (category, _), counts in rows.items():
            figures.add(into[category], counts)

    def section(now: dict[Any, Any], before: dict[Any, Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
        out = []
        for pair in sorted(set(now) | set(before)):
            values = pair if isinstance(pair, tuple) else (pair,)
            out.append(compare(dict(zip(names, values, strict=True)), now.get(pair, {}), before.get(pair, {})))
        return out

    totals = sessions.daily_counts(tenant_id, previous_start, week_end)
    tenant_now: dict[str, float] = {}
    tenant_before: dict[str, float] = {}
    for day, values in totals.items():
        figures.add(tenant_now if day >= week_start else tenant_before, values)
    models = section(models_now, models_before, ("category_key", "model_id"))
    report = {
        "week_start": week_start,
        "week_end": week_end,
        "previous_week_start": previous_start,
        "previous_week_end": periods.shift(week_start, -1),
        "generated_at": clock.iso(clock.now()),
        "rule": f"two-proportion z-test of the success rate, week against the week before, alpha {ALPHA}",
        "totals": {
            "current": _totals(tenant_now),
            "previous": _totals(tenant_before),
            **trend(_as_rated(tenant_now), _as_rated(tenant_before)),
        },
        "models": models,
        "variants": section(variants_now, variants_before, ("experiment_id", "variant_id")),
        "categories": section(dict(categories_now), dict(categories_before), ("category_key",)),
        "counts": {t: sum(1 for m in models if m["trend"] == t) for t in ("improving", "declining", "stable")},
    }
    return report


def _totals(c: dict[str, float]) -> dict[str, Any]:
    """The tenant's figures of a week, as the summary defines them."""
    keep = ("sessions", "rated_sessions", "feedback_rate", "success_rate", "average_rating", "cost_usd")
    figures_of = day_figures("", c)
    return {name: figures_of[name] for name in keep}


def _as_rated(c: dict[str, float]) -> figures.Counts:
    return {"rated": c.get("rated", 0), "successes": c.get("successes", 0)}


def performance_report(tenant_id: str) -> dict[str, Any]:
    """The scheduled task: report the last complete week and keep the report."""
    today = clock.day_of(clock.now())
    week_start = periods.shift(periods.start_of("weekly", today), -7)
    report = build(tenant_id, week_start)
    key = keys.performance_report(tenant_id, week_start)
    ReportItem(key.pk, key.sk, week_start=week_start, created_at=report["generated_at"], report=report).save()
    return report


def latest(tenant_id: str) -> dict[str, Any]:
    item = latest_report(tenant_id)
    if item is not None:
        return dict(item.report)
    raise NotFound("no performance report yet: the weekly task performance-report writes one (or run it now)")
