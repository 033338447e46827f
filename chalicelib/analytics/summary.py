"""The tenant's summary over a window: totals, rates, processing-time percentiles and each day.

Read from the tenant's day counters (sessions.service.daily_counts) and the day latency histograms for the
window's whole days, and from the hour counters and histograms for its edge hours (windows.py): at most six
range reads per shard, whatever the number of sessions. docs/analytics.md defines every figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import counters
from ..model_stats import figures
from ..sessions import service as sessions
from . import latency, periods
from .store import LATENCY, LATENCY_HOUR, LatencyCounter, LatencyHourCounter
from .windows import Window


def day_figures(day: str, c: Mapping[str, float]) -> dict[str, Any]:
    g = figures.g
    return {
        "date": day,
        "sessions": int(g(c, "sessions")),
        "rated_sessions": int(g(c, "rated_sessions")),
        "feedback_rate": figures.ratio(g(c, "rated_sessions"), g(c, "sessions")),
        "average_rating": figures.ratio(g(c, "rating_sum"), g(c, "rating_count")),
        "success_rate": figures.ratio(g(c, "successes"), g(c, "rated")),
        "cost_usd": round(g(c, "cost_usd"), 8),
        "images": int(g(c, "images")),
        "image_cost_usd": round(g(c, "image_cost_usd"), 8),
        "tokens": int(g(c, "input_tokens") + g(c, "output_tokens")),
        "input_tokens": int(g(c, "input_tokens")),
        "output_tokens": int(g(c, "output_tokens")),
        "generations": int(g(c, "generations")),
        "failed_generations": int(g(c, "failed_generations")),
        "feedback": int(g(c, "feedback")),
        "rated_feedback": int(g(c, "rated")),
        "successes": int(g(c, "successes")),
        "ratings": int(g(c, "rating_count")),
        "likes": int(g(c, "likes")),
        "dislikes": int(g(c, "dislikes")),
        "regenerates": int(g(c, "regenerates")),
        "average_quality_score": figures.ratio(g(c, "quality_sum"), g(c, "quality_count")),
        "average_processing_ms": figures.ratio(g(c, "processing_ms_sum"), g(c, "processing_count")),
        "corrections": int(g(c, "corrections")),
        "corrected_sessions": int(g(c, "corrected_sessions")),
        "corrections_per_session": figures.ratio(g(c, "corrections"), g(c, "sessions")),
    }


def summary(tenant_id: str, asked: Window) -> dict[str, Any]:
    """The figures of the window to the hour (`from` down, `to` up to the hour), which `from`/`to` echo."""
    window = asked.to_the_hour()
    split = window.split()
    by_day: dict[str, dict[str, float]] = {}
    histograms: list[dict[str, float]] = []
    if split.days is not None:
        by_day |= sessions.daily_counts(tenant_id, *split.days)
        histograms += counters.read(LatencyCounter, tenant_id, LATENCY, *split.days).values()
    for first_hour, last_hour in split.hours:
        for hour, values in sessions.hourly_counts(tenant_id, first_hour, last_hour).items():
            figures.add(by_day.setdefault(hour[:10], {}), values)  # an edge day is never a whole day
        histograms += counters.read(LatencyHourCounter, tenant_id, LATENCY_HOUR, first_hour, last_hour).values()
    totals: dict[str, float] = {}
    histogram: dict[int, float] = {}
    for values in by_day.values():
        figures.add(totals, values)
    for values in histograms:
        for index, count in latency.from_counts(values).items():
            histogram[index] = histogram.get(index, 0) + count
    overall = day_figures("", totals)
    all_days = periods.days(window.first_day, window.last_day)
    halves: tuple[dict[str, float], dict[str, float]] = ({}, {})
    for index, day in enumerate(all_days):  # the earlier half of the days, then the later (the middle day in the later)
        figures.add(halves[int(index >= len(all_days) // 2)], by_day.get(day, {}))
    overall.pop("date")
    first, last = window.echo()
    return {
        "from": first,
        "to": last,
        "total_sessions": overall.pop("sessions"),
        "rated_sessions": overall.pop("rated_sessions"),
        "feedback_rate": overall.pop("feedback_rate"),
        "average_rating": overall.pop("average_rating"),
        "success_rate": overall.pop("success_rate"),
        "total_tokens": overall.pop("tokens"),
        "total_cost_usd": overall.pop("cost_usd"),
        "total_images": overall.pop("images"),
        "total_image_cost_usd": overall.pop("image_cost_usd"),
        "processing_time_ms": {
            "p50": latency.percentile(histogram, 50),
            "p95": latency.percentile(histogram, 95),
            "count": int(sum(histogram.values())),
            "relative_precision": round(latency.RELATIVE_PRECISION, 4),
        },
        **overall,
        "corrections_trend": figures.corrections_trend(halves, "sessions"),
        "daily": [day_figures(day, by_day.get(day, {})) for day in all_days],
    }
