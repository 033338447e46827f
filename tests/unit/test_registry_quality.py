"""Data-quality rules and figures, pipeline transformations, policy thresholds and severity: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.governance import thresholds
from chalicelib.governance.violations import severity
from chalicelib.pipelines import quality
from chalicelib.pipelines.runs import transform

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def test_rules_name_each_problem() -> None:
    rule = {"type": "integer", "min": 0, "max": 10, "allowed": [1, 2, 3, 20], "pattern": None}
    assert quality.problems(2, rule) == []
    assert quality.problems(2.5, rule) == ["2.5 is not of type integer", "2.5 is not one of the allowed values"]
    assert quality.problems(20, rule) == ["20 is above the maximum 10"]
    assert quality.problems("3", {"min": 0}) == ["'3' is not a number"]
    assert quality.problems("AB-12", {"type": "string", "pattern": r"[A-Z]{2}-\d+"}) == []
    assert quality.problems("ab", {"pattern": r"[A-Z]{2}-\d+"}) == ["'ab' does not match [A-Z]{2}-\\d+"]
    assert quality.problems("2026-05-19T10:00:00Z", {"type": "timestamp"}) == []
    assert quality.problems(True, {"type": "number"}) == ["True is not of type number"]


def test_column_figures_and_their_status() -> None:
    tally = quality.ColumnTally()
    rule = {"required": True, "type": "number", "min": 0}
    for value in (5, 7, -1, "9", None, quality.get_path({}, "x")):
        tally.see(value, rule, NOW)
    found = {f.quality_metric: f for f in quality.figures("t", "amount", tally, rule, {"validity": 0.5}, 0.05)}
    assert set(found) == {"completeness", "validity", "consistency"}
    assert found["completeness"].metric_value == pytest.approx(4 / 6)
    assert (found["completeness"].threshold, found["completeness"].status) == (0.95, "fail")
    assert found["validity"].metric_value == 0.5 and found["validity"].status == "pass"  # config threshold 0.5
    assert found["consistency"].metric_value == 0.75
    assert found["completeness"].issues == ["2 of 6 records lack amount"]
    assert quality.status_of(0.93, 0.95) == "warning" and quality.status_of(0.89, 0.95) == "fail"
    stale = quality.ColumnTally()
    for when in ("2026-05-20T08:00:00Z", "2026-05-10T08:00:00Z", "yesterday"):
        stale.see(when, {"max_age_days": 2}, NOW)
    timeliness = next(
        f for f in quality.figures("t", "at", stale, {"max_age_days": 2}, {}, 0.05) if f.quality_metric == "timeliness"
    )
    assert timeliness.metric_value == pytest.approx(1 / 3)


def test_paths_fall_back_to_input_data_and_transformations_apply_in_place() -> None:
    record = {"id": "p1", "input_data": {"amount": "12.5", "category": " Office ", "vendor": None}}
    assert quality.get_path(record, "amount") == "12.5"
    assert quality.get_path(record, "input_data.category") == " Office "
    assert quality.is_missing(quality.get_path(record, "nothing"))
    steps = {
        "amount": {"cast": "number", "clip": [0, 10]},
        "category": {"strip": True, "lowercase": True},
        "vendor": {"fill_missing": "unknown"},
        "input_data.region": {"fill_missing": "eu"},
        "input_data.untouched": {"strip": True},
    }
    assert transform(record, steps) is True
    assert record["input_data"] == {"amount": 10, "category": "office", "vendor": "unknown", "region": "eu"}
    assert transform(record, steps) is False  # nothing left to change


def test_threshold_vocabulary_and_severity() -> None:
    assert thresholds.resolve("min_accuracy", {}) == thresholds.resolve("accuracy", {})
    assert thresholds.resolve("rmse", {}).direction == "max"
    assert thresholds.resolve("max_drift", {}).metric == "drift_score"
    assert thresholds.resolve("min", {"metric": "f1_score"}).metric == "f1_score"
    assert thresholds.resolve("threshold", {"metric": "psi"}).direction == "max"
    assert thresholds.resolve("max", {"metric": "accuracy"}) is None  # an accuracy has no maximum
    assert thresholds.checks_of("drift", {}, {}) == {"drift"}
    assert thresholds.checks_of("privacy", {}, {}) == set()
    assert thresholds.checks_of("security", {"max_disparity": 0.1}, {"segment_attribute": "region"}) == {"fairness"}
    assert [field for field, _ in thresholds.problems("fairness", {}, {})] == [
        "body.thresholds.max_disparity",
        "body.rules.segment_attribute",
    ]
    # Severity: how far past the threshold, relative to it.
    assert severity(0.78, 0.8, "min") == "low"
    assert severity(0.7, 0.8, "min") == "medium"
    assert severity(0.6, 0.8, "min") == "high"
    assert severity(0.3, 0.8, "min") == "critical"
    assert severity(0.5, 0.2, "max") == "critical"
    assert severity(0.21, 0.2, "max") == "low"
