"""The seasonal median/MAD detector against independent references (numpy, scipy), on weekday/weekend seasonality."""

from __future__ import annotations

import numpy as np
from scipy import stats

from chalicelib.alerts import detector
from chalicelib.alerts.evaluation import state_of


def weekly_series(weeks: int, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    means = np.array([200, 210, 205, 190, 180, 80, 70], dtype=float)  # weekdays, then a quiet weekend
    return [float(rng.poisson(means[t % 7] * rng.lognormal(0, 0.08))) for t in range(weeks * 7)]


def test_baseline_and_scale_match_the_references() -> None:
    series = weekly_series(8, seed=1)
    rule = detector.DAILY
    base = detector.baselines(series, rule)
    t = len(series) - 1
    assert base[t] == np.median([series[t - 7 * k] for k in range(1, 5)])
    residuals = [(series[u] - base[u]) / base[u] for u in range(t - 28, t) if base[u] is not None]
    verdict = detector.check(series, rule)
    assert verdict is not None
    reference = stats.median_abs_deviation(residuals, scale="normal")
    assert verdict.scale == max(base[t] * reference, 0.05 * base[t])  # type: ignore[operator]
    assert verdict.score == (series[t] - base[t]) / verdict.scale  # type: ignore[operator]


def test_weekends_are_not_anomalies_and_a_shift_is() -> None:
    alarms = 0
    for seed in range(20):
        series = weekly_series(10, seed)
        verdicts = detector.scan(series, detector.DAILY, detector.count_noise(detector.baselines(series)))
        alarms += sum(1 for v in verdicts if v is not None and v.anomalous)
    assert alarms <= 5  # of about 20 x 49 days judged: under 0.5% false alarms (bench/alerts.py measures the rate)
    series = weekly_series(6, seed=3)
    series[-1] *= 1.6  # the last day: 60% more sessions than its weekday usually has
    verdict = detector.check(series, detector.DAILY, detector.count_noise(detector.baselines(series)))
    assert verdict is not None and verdict.anomalous and verdict.direction == "above"
    assert detector.check(series[:10]) is None  # too little history to judge


def test_target_states() -> None:
    assert state_of(None, 0.5, "above", 0.1) == "no_data"
    assert state_of(0.5, 0.5, "above", 0.1) == "missed"
    assert state_of(0.54, 0.5, "above", 0.1) == "at_risk"
    assert state_of(0.56, 0.5, "above", 0.1) == "met"
    assert state_of(9000.0, 10000.0, "below", 0.05) == "met"
    assert state_of(9600.0, 10000.0, "below", 0.05) == "at_risk"
    assert state_of(10000.0, 10000.0, "below", 0.05) == "missed"
