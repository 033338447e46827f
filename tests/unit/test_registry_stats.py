"""Drift statistics against scipy on the same samples, drift on seeded synthetic data, performance arithmetic."""

from __future__ import annotations

import math
from datetime import date
from itertools import pairwise

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance

from chalicelib.monitoring import drift, metrics

SEED = 20261121


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


def _counts(values: np.ndarray) -> dict[str, int]:
    labels, counts = np.unique(values, return_counts=True)
    return {str(label): int(n) for label, n in zip(labels, counts, strict=True)}


# --- every statistic equals scipy's ------------------------------------------------------------------


def test_ks_is_scipys_two_sample_test(rng: np.random.Generator) -> None:
    base, now = rng.normal(0, 1, 800), rng.normal(0.2, 1.1, 600)
    result = drift.ks(base.tolist(), now.tolist())
    reference = stats.ks_2samp(base, now)
    assert result.metric == "ks"
    assert result.drift_score == result.statistic == pytest.approx(float(reference.statistic), rel=0, abs=1e-15)
    assert result.p_value == pytest.approx(float(reference.pvalue), rel=1e-12)
    assert result.threshold == 0.1


def test_psi_is_the_symmetric_kl_divergence_over_baseline_deciles(rng: np.random.Generator) -> None:
    base, now = rng.normal(10, 2, 1000), rng.normal(10.8, 2.5, 700)
    result = drift.psi(base.tolist(), now.tolist())
    # Independent reference: decile edges, a value on an edge goes to the bin above, empty bins floored at 1e-4.
    edges = np.quantile(base, [i / 10 for i in range(1, 10)])
    bounds = [-math.inf, *edges, math.inf]

    def shares(sample: np.ndarray) -> np.ndarray:
        counts = np.array([np.sum((sample >= lo) & (sample < hi)) for lo, hi in pairwise(bounds)])
        share = np.maximum(counts / len(sample), 1e-4)
        return share / share.sum()

    b, c = shares(base), shares(now)
    expected = float(np.sum((c - b) * np.log(c / b)))
    assert result.drift_score == pytest.approx(expected, rel=1e-12)
    assert result.drift_score == pytest.approx(float(stats.entropy(c, b) + stats.entropy(b, c)), rel=1e-12)
    assert result.threshold == 0.2 and result.details["bins"] == 10


def test_psi_merges_repeated_edges_of_a_lumpy_baseline() -> None:
    base = [0.0] * 60 + [1.0] * 30 + [2.0] * 10
    now = [0.0] * 20 + [1.0] * 40 + [2.0] * 40
    result = drift.psi(base, now)
    # Deciles (linear interpolation) 0,0,0,0,0,0.4,1,1,1.1 -> inner edges {0, 0.4, 1, 1.1}:
    # bins (<0) [0,0.4) [0.4,1) [1,1.1) [>=1.1), the empty ones floored at 1e-4.
    assert result.details["edges"] == pytest.approx([0.0, 0.4, 1.0, 1.1])
    b = np.array([1e-4, 0.6, 1e-4, 0.3, 0.1])
    c = np.array([1e-4, 0.2, 1e-4, 0.4, 0.4])
    b, c = b / b.sum(), c / c.sum()
    assert result.drift_score == pytest.approx(float(np.sum((c - b) * np.log(c / b))), rel=1e-12)
    assert result.status == "detected"


def test_wasserstein_is_scipys_distance_in_baseline_standard_deviations(rng: np.random.Generator) -> None:
    base, now = rng.normal(5, 3, 1200), rng.normal(5.6, 3, 1100)
    result = drift.wasserstein(base.tolist(), now.tolist())
    raw = stats.wasserstein_distance(base, now)
    assert result.statistic == pytest.approx(float(raw), rel=1e-12)
    assert result.drift_score == pytest.approx(float(raw / np.std(base, ddof=1)), rel=1e-12)
    assert result.threshold == 0.2


def test_chi_square_is_scipys_contingency_test_and_the_score_cramers_v() -> None:
    base = {"office": 500, "travel": 300, "meals": 200}
    now = {"office": 180, "travel": 150, "meals": 150, "software": 20}
    result = drift.chi_square(base, now)
    table = np.array([[200, 500, 0, 300], [150, 180, 20, 150]], dtype=float)  # categories sorted
    reference = stats.chi2_contingency(table, correction=False)
    assert result.statistic == pytest.approx(float(reference.statistic), rel=1e-12)
    assert result.p_value == pytest.approx(float(reference.pvalue), rel=1e-9, abs=1e-300)
    # The same by hand: expected counts from the margins, statistic sum (o - e)^2 / e on k - 1 degrees of freedom.
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    by_hand = float(np.sum((table - expected) ** 2 / expected))
    assert result.statistic == pytest.approx(by_hand, rel=1e-12)
    assert result.p_value == pytest.approx(float(stats.chi2.sf(by_hand, 3)), rel=1e-9, abs=1e-300)
    assert result.drift_score == pytest.approx(math.sqrt(by_hand / table.sum()), rel=1e-12)
    assert result.details["dof"] == 3


def test_jensen_shannon_is_scipys_distance_base_two() -> None:
    base = {"a": 50, "b": 30, "c": 20}
    now = {"a": 20, "b": 30, "c": 45, "d": 5}
    result = drift.jensen_shannon(base, now)
    p = np.array([50, 30, 20, 0]) / 100
    q = np.array([20, 30, 45, 5]) / 100
    assert result.drift_score == pytest.approx(float(distance.jensenshannon(p, q, base=2)), rel=1e-12)
    m = (p + q) / 2
    by_hand = math.sqrt(0.5 * stats.entropy(p, m, base=2) + 0.5 * stats.entropy(q, m, base=2))
    assert result.drift_score == pytest.approx(by_hand, rel=1e-12)


def test_one_category_on_both_sides_is_no_drift() -> None:
    result = drift.chi_square({"x": 10}, {"x": 40})
    assert (result.drift_score, result.p_value, result.status) == (0.0, 1.0, "normal")


# --- shifted vs unshifted, seeded --------------------------------------------------------------------


def test_a_shifted_number_drifts_and_an_unshifted_one_does_not(rng: np.random.Generator) -> None:
    baseline = rng.normal(100, 15, 2000).tolist()
    same = rng.normal(100, 15, 1500).tolist()
    shifted = rng.normal(110, 15, 1500).tolist()  # two thirds of a standard deviation
    calm = drift.numeric_tests(baseline, same)
    moved = drift.numeric_tests(baseline, shifted)
    assert [r.metric for r in calm] == ["ks", "psi", "wasserstein"]
    assert {r.metric: r.status for r in calm} == {"ks": "normal", "psi": "normal", "wasserstein": "normal"}
    assert {r.metric: r.status for r in moved} == {"ks": "detected", "psi": "detected", "wasserstein": "detected"}
    # Small samples: no Wasserstein.
    assert [r.metric for r in drift.numeric_tests(baseline[:500], same[:500])] == ["ks", "psi"]


def test_a_shifted_category_drifts_and_an_unshifted_one_does_not(rng: np.random.Generator) -> None:
    kinds = ["office", "travel", "meals"]
    baseline = _counts(rng.choice(kinds, size=3000, p=[0.5, 0.3, 0.2]))
    same = _counts(rng.choice(kinds, size=1000, p=[0.5, 0.3, 0.2]))
    shifted = _counts(rng.choice(kinds, size=1000, p=[0.3, 0.3, 0.4]))
    calm = {r.metric: r.status for r in drift.categorical_tests(baseline, same)}
    assert calm == {"chi_square": "normal", "jensen_shannon": "normal"}
    moved = {r.metric: r for r in drift.categorical_tests(baseline, shifted)}
    assert moved["chi_square"].status == "detected" and moved["jensen_shannon"].status == "detected"
    assert moved["chi_square"].p_value < 1e-10


def test_status_rules_and_threshold_overrides() -> None:
    assert drift.status_of(0.25, 0.2) == "detected"
    assert drift.status_of(0.15, 0.2) == "warning"
    assert drift.status_of(0.05, 0.2) == "normal"
    assert drift.status_of(0.3, 0.1, p_value=0.01) == "detected"
    assert drift.status_of(0.05, 0.1, p_value=0.01) == "warning"  # significant but small
    assert drift.status_of(0.3, 0.1, p_value=0.2) == "warning"  # large but not significant
    assert drift.status_of(0.05, 0.1, p_value=0.2) == "normal"
    result = drift.numeric_tests([0.0, 1.0, 2.0, 3.0] * 10, [0.5, 1.5, 2.5, 3.5] * 10, {"psi": 5.0, "ks": 0.9})
    assert [r.threshold for r in result] == [0.9, 5.0]


def test_concept_drift_scores() -> None:
    assert drift.accuracy_drop(0.9, 0.8).drift_score == pytest.approx(0.1)
    assert drift.accuracy_drop(0.9, 0.8).status == "detected"
    assert drift.accuracy_drop(0.8, 0.9).drift_score == 0.0
    assert drift.rmse_increase(2.0, 3.0).drift_score == pytest.approx(0.5)
    assert drift.rmse_increase(2.0, 2.1).status == "normal"


def test_large_baselines_keep_their_quantiles(rng: np.random.Generator) -> None:
    values = rng.exponential(2.0, 50_000)
    kept = drift.compress(values.tolist())
    assert len(kept) == drift.MAX_BASELINE_SAMPLE
    assert kept == sorted(kept)
    for q in (0.1, 0.5, 0.9):
        assert np.quantile(kept, q) == pytest.approx(np.quantile(values, q), rel=0.02)
    assert drift.compress([3.0, 1.0]) == [3.0, 1.0]
    capped = drift.cap_categories({f"c{i}": i + 1 for i in range(600)}, limit=10)
    assert len(capped) == 10 and capped[drift.OTHER] == sum(range(1, 592))


# --- performance arithmetic --------------------------------------------------------------------------


def test_binary_metrics_by_hand() -> None:
    # 40 true positives, 10 false negatives, 5 false positives, 45 true negatives.
    cells = {("true", "true"): 40, ("true", "false"): 10, ("false", "true"): 5, ("false", "false"): 45}
    positive = metrics.positive_label(None, ["true", "false"])
    assert positive == "true"
    got = metrics.classification_metrics(cells, positive)
    precision, recall = 40 / 45, 40 / 50
    assert got == {
        "accuracy": 85 / 100,
        "precision": precision,
        "recall": recall,
        "f1_score": pytest.approx(2 * precision * recall / (precision + recall), rel=1e-15),
    }


def test_macro_metrics_by_hand() -> None:
    cells = {
        ("office", "office"): 8,
        ("office", "travel"): 2,
        ("travel", "travel"): 5,
        ("travel", "meals"): 5,
        ("meals", "office"): 3,
    }
    got = metrics.classification_metrics(cells, metrics.positive_label(None, ["office", "travel", "meals"]))
    # office: P 8/11 R 8/10; travel: P 5/7 R 5/10; meals: P 0/5 R 0/3 -> 0, 0, F1 0.
    per = {"office": (8 / 11, 8 / 10), "travel": (5 / 7, 5 / 10), "meals": (0.0, 0.0)}
    f1 = [2 * p * r / (p + r) if p + r else 0.0 for p, r in per.values()]
    assert got["accuracy"] == 13 / 23
    assert got["precision"] == pytest.approx(sum(p for p, _ in per.values()) / 3, rel=1e-15)
    assert got["recall"] == pytest.approx(sum(r for _, r in per.values()) / 3, rel=1e-15)
    assert got["f1_score"] == pytest.approx(sum(f1) / 3, rel=1e-15)
    assert metrics.classification_metrics({}, None) == dict.fromkeys(metrics.CLASSIFICATION_METRICS)


def test_declared_positive_label_and_label_canonical_forms() -> None:
    assert metrics.positive_label("fraud", ["fraud", "ok", "other"]) == "fraud"
    assert metrics.positive_label(None, ["1", "0"]) == "1"
    assert metrics.positive_label(None, ["anomaly"]) == "anomaly"
    assert metrics.positive_label(None, ["no", "yes"]) == "yes"
    assert metrics.positive_label(None, ["a", "b"]) is None
    assert [metrics.canonical_label(v) for v in (True, 1, 1.0, 2.5, "Expense")] == ["true", "1", "1", "2.5", "Expense"]
    assert metrics.unwrap({"prediction": "expense", "confidence": 0.95}) == "expense"
    with pytest.raises(ValueError):
        metrics.canonical_label([1])
    with pytest.raises(ValueError):
        metrics.number(True)


def test_regression_metrics_by_hand() -> None:
    errors = [1.5, -2.0, 0.5, 3.0]
    got = metrics.regression_metrics(len(errors), sum(abs(e) for e in errors), sum(e * e for e in errors))
    assert got["mae"] == 7.0 / 4
    assert got["rmse"] == math.sqrt((2.25 + 4 + 0.25 + 9) / 4)
    assert metrics.regression_metrics(0, 0, 0) == {"mae": None, "rmse": None}


def test_trend_rule() -> None:
    assert metrics.trend("accuracy", 0.90, 0.80) == (pytest.approx(0.10), "improving")
    assert metrics.trend("accuracy", 0.80, 0.90) == (pytest.approx(-0.10), "declining")
    assert metrics.trend("f1_score", 0.805, 0.80)[1] == "stable"
    assert metrics.trend("rmse", 9.0, 10.0)[1] == "improving"
    assert metrics.trend("mae", 10.4, 10.0)[1] == "stable"
    assert metrics.trend("mae", 11.0, 10.0)[1] == "declining"
    assert metrics.trend("mae", 0.0, 0.0)[1] == "stable"
    assert metrics.trend("accuracy", 0.9, None) == (None, None)


def test_windows() -> None:
    today = date(2026, 11, 21)  # a Saturday
    assert metrics.windows("daily", today, 3) == [
        (date(2026, 11, 19), date(2026, 11, 19)),
        (date(2026, 11, 20), date(2026, 11, 20)),
        (today, today),
    ]
    assert metrics.windows("weekly", today, 2) == [
        (date(2026, 11, 9), date(2026, 11, 15)),
        (date(2026, 11, 16), date(2026, 11, 22)),
    ]
    assert metrics.windows("monthly", date(2026, 1, 31), 2) == [
        (date(2025, 12, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 31)),
    ]
