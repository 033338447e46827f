"""Analytics' pure computations: the latency histogram's precision, periods, figures, composite scores, trends."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime

import pytest

from chalicelib.analytics import latency, periods
from chalicelib.analytics.report import trend
from chalicelib.analytics.windows import Split, Window
from chalicelib.model_stats import figures


def test_every_time_lands_in_a_bucket_whose_estimate_is_within_the_stated_precision() -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(7, 2) for _ in range(20_000)] + [1.0, 2.0, 1000.0, 2**24 - 1, 0.999]
    for ms in values:
        index = latency.bucket_of(ms)
        if ms >= 1 and ms < 2**24:
            assert abs(latency.estimate(index) / ms - 1) <= latency.RELATIVE_PRECISION + 1e-9, ms
    assert latency.bucket_of(0) == 0 and latency.estimate(0) == 0.5
    assert latency.bucket_of(10**12) == latency.BUCKETS - 1
    assert latency.RELATIVE_PRECISION == pytest.approx(0.0443, abs=1e-4)


def test_percentiles_follow_the_nearest_rank_rule_within_the_precision() -> None:
    rng = random.Random(3)
    for n in (1, 2, 7, 100, 5001):
        values = [rng.uniform(5, 50_000) for _ in range(n)]
        histogram: dict[int, float] = {}
        for ms in values:
            histogram[latency.bucket_of(ms)] = histogram.get(latency.bucket_of(ms), 0) + 1
        for p in (50, 95, 99):
            exact = sorted(values)[max(1, math.ceil(p / 100 * n)) - 1]
            assert latency.percentile(histogram, p) == pytest.approx(exact, rel=latency.RELATIVE_PRECISION + 1e-6)
    assert latency.percentile({}, 50) is None


def test_periods_are_iso_weeks_and_calendar_months() -> None:
    assert periods.start_of("weekly", "2026-11-01") == "2026-10-26"  # a Sunday belongs to the week of the Monday before
    assert periods.end_of("weekly", "2026-10-26") == "2026-11-01"
    assert periods.start_of("monthly", "2026-02-17") == "2026-02-01" and periods.end_of("monthly", "2026-02-01") == "2026-02-28"
    assert periods.end_of("monthly", "2024-02-01") == "2024-02-29" and periods.end_of("monthly", "2026-12-01") == "2026-12-31"
    assert periods.starts_between("weekly", "2026-10-28", "2026-11-10") == ["2026-10-26", "2026-11-02", "2026-11-09"]
    assert periods.starts_between("monthly", "2026-12-30", "2027-01-02") == ["2026-12-01", "2027-01-01"]
    assert periods.runs(["2026-01-03", "2026-01-01", "2026-01-02", "2026-01-05"]) == [
        ("2026-01-01", "2026-01-03"),
        ("2026-01-05", "2026-01-05"),
    ]


def test_figures_are_ratios_of_the_summed_counts() -> None:
    counts = {
        "requests": 10,
        "attempts": 12,
        "errors": 2,
        "processing_count": 10,
        "processing_ms_sum": 15_000,
        "input_tokens": 300,
        "output_tokens": 700,
        "cost_usd": 0.0123,
        "feedback": 8,
        "rated": 7,
        "successes": 5,
        "quality_count": 7,
        "quality_sum": 4.9,
        "rating_count": 4,
        "rating_sum": 14,
        "likes": 3,
        "dislikes": 1,
        "regenerates": 1,
        "skips": 1,
    }
    f = figures.model_figures(counts)
    assert (f["total_requests"], f["total_tokens"], f["total_feedback"]) == (10, 1000, 8)
    assert f["success_rate"] == 5 / 7 and f["error_rate"] == 2 / 12 and f["average_speed_ms"] == 1500
    assert f["like_ratio"] == 0.75 and f["average_rating"] == 3.5
    assert f["average_quality_rating"] == 3.5 and f["ratings"] == 4  # the mean of the star ratings (seed 002)
    assert f["blended_quality_rating"] == pytest.approx(1 + 4 * 0.7)  # every rated feedback's quality score
    satisfaction = 0.4 * 0.7 + 0.3 * 5 / 7 + 0.2 * 0.75 + 0.1 * (1 - 1 / 7)
    assert f["satisfaction_score"] == pytest.approx(satisfaction, abs=1e-6)
    shrunk = (10 * 0.5 + 7 * satisfaction) / 17
    assert f["recommendation_score"] == pytest.approx((1 - 2 / 12) * (0.8 * shrunk + 0.2 / (1 + 1.5)), abs=1e-6)


def test_composite_scores_use_only_what_was_observed() -> None:
    assert figures.satisfaction_score({}) is None and figures.recommendation_score({}) is None
    only_stars = {"rated": 2, "successes": 1, "quality_count": 2, "quality_sum": 1.0}
    assert figures.satisfaction_score(only_stars) == pytest.approx((0.4 * 0.5 + 0.3 * 0.5 + 0.1 * 1) / 0.8)
    assert figures.like_ratio(only_stars) is None
    assert figures.recommendation_score({"requests": 3}) == 0.5  # no evidence: the prior
    assert figures.blended_quality_rating({"quality_count": 3, "quality_sum": 0.75 * 3}) == 4.0  # stars come back exact
    assert figures.average_quality_rating({"quality_count": 3, "quality_sum": 0.75 * 3}) is None  # no star given


def test_trend_is_significant_change_of_the_success_rate() -> None:
    assert trend({"rated": 100, "successes": 80}, {"rated": 100, "successes": 50})["trend"] == "improving"
    assert trend({"rated": 100, "successes": 40}, {"rated": 100, "successes": 70})["trend"] == "declining"
    steady = trend({"rated": 20, "successes": 11}, {"rated": 20, "successes": 10})
    assert steady["trend"] == "stable" and steady["p_value"] > 0.05
    assert trend({"rated": 5, "successes": 5}, {})["reason"].startswith("no rated feedback")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_window_splits_into_whole_days_and_at_most_23_edge_hours_at_each_end() -> None:
    # Days asked: whole days only, echoed as days.
    days = Window.of(date(2026, 11, 1), date(2026, 11, 30), None, 30)
    assert days.split() == Split(("2026-11-01", "2026-11-30"), []) and days.echo() == ("2026-11-01", "2026-11-30")
    # Friday 20:00 to Tuesday 03:00: three whole days, Friday's last four hours and Tuesday's first three.
    edges = Window(_at("2026-11-20T20:00"), _at("2026-11-24T03:00"), True)
    assert edges.split() == Split(
        ("2026-11-21", "2026-11-23"), [("2026-11-20T20", "2026-11-20T23"), ("2026-11-24T00", "2026-11-24T02")]
    )
    # Across midnight without a whole day: one run of hours.
    night = Window(_at("2026-11-17T22:00"), _at("2026-11-18T02:00"), True)
    assert night.split() == Split(None, [("2026-11-17T22", "2026-11-18T01")])
    # The longest run without a whole day: 01:00 to 23:00 the next day, 46 hours.
    longest = Window(_at("2026-11-17T01:00"), _at("2026-11-18T23:00"), True).split()
    assert longest.days is None and longest.hours == [("2026-11-17T01", "2026-11-18T22")]
    # Not on the hour: from rounds down, to rounds up; the export keeps the instants (at the millisecond).
    loose = Window(_at("2026-11-17T22:30:00.0004"), _at("2026-11-18T01:15"), True)
    assert loose.to_the_hour().echo() == ("2026-11-17T22:00:00.000Z", "2026-11-18T02:00:00.000Z")
    assert loose.exact() == ("2026-11-17T22:30:00.001Z", "2026-11-18T01:15:00.000Z")
    # Midnight to midnight, given as timestamps: whole days, echoed as the instants asked.
    aligned = Window(_at("2026-11-17T00:00"), _at("2026-11-19T00:00"), True)
    assert aligned.split() == Split(("2026-11-17", "2026-11-18"), []) and aligned.last_day == "2026-11-18"
