"""Drift statistics: the tests the field relies on, computed with scipy, each with a default threshold.

Numbers: Kolmogorov-Smirnov (two-sample) and the population stability index always, the Wasserstein
distance (normalised by the baseline's standard deviation) when both samples are large. Categories:
chi-square on the 2 x k contingency table (baseline counts, current counts) and the Jensen-Shannon
distance. Every test gives a `drift_score`, the `threshold` it is held to, and a status:

- tests with a p-value (ks, chi_square): `detected` when the score passes the threshold and the
  p-value is below alpha, `warning` when only one of the two holds, `normal` otherwise;
- the others: `detected` above the threshold, `warning` above half of it, `normal` otherwise.

scipy and numpy are imported inside the functions: `import app` must stay free of them (cold start).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_THRESHOLDS: dict[str, float] = {
    "ks": 0.1,  # on the KS statistic D (max distance between the empirical CDFs), with p < alpha
    "psi": 0.2,  # the industry's rule: < 0.1 stable, 0.1-0.2 moderate shift, >= 0.2 significant shift
    "wasserstein": 0.2,  # W1 distance in baseline standard deviations
    "chi_square": 0.1,  # on Cramér's V of the contingency table, with p < alpha
    "jensen_shannon": 0.1,  # the JS distance, base 2 (0 identical, 1 disjoint)
    "accuracy_drop": 0.05,  # concept drift: accuracy lost against the reference window
    "rmse_increase": 0.2,  # concept drift: relative RMSE increase against the reference window
}
DEFAULT_ALPHA = 0.05
DEFAULT_MIN_SAMPLES = 30  # fewer current values than this: the feature is not tested
LARGE_SAMPLE = 1000  # Wasserstein joins KS and PSI when both samples have at least this many values
PSI_BINS = 10
PSI_EPSILON = 1e-4  # empty bins get this share, so that the logarithm stays finite
MAX_BASELINE_SAMPLE = 2000  # a numeric baseline keeps at most this many values (quantiles of larger ones)
MAX_CATEGORIES = 500
OTHER = "__other__"


@dataclass(frozen=True)
class DriftResult:
    metric: str
    drift_score: float
    threshold: float
    status: str
    statistic: float | None = None
    p_value: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


def status_of(score: float, threshold: float, p_value: float | None = None, alpha: float = DEFAULT_ALPHA) -> str:
    if p_value is None:
        return "detected" if score > threshold else "warning" if score > threshold / 2 else "normal"
    significant, large = p_value < alpha, score > threshold
    return "detected" if significant and large else "warning" if significant or large else "normal"


# --- numbers -----------------------------------------------------------------------------------------


def ks(
    baseline: Sequence[float], current: Sequence[float], threshold: float | None = None, alpha: float = DEFAULT_ALPHA
) -> DriftResult:
    """Two-sample Kolmogorov-Smirnov (scipy.stats.ks_2samp, two-sided): the score is the statistic D."""
    from scipy import stats

    limit = DEFAULT_THRESHOLDS["ks"] if threshold is None else threshold
    result = stats.ks_2samp(baseline, current)
    statistic, p_value = float(result.statistic), float(result.pvalue)
    return DriftResult("ks", statistic, limit, status_of(statistic, limit, p_value, alpha), statistic, p_value, {"alpha": alpha})


def psi_shares(
    baseline: Sequence[float], current: Sequence[float], bins: int = PSI_BINS
) -> tuple[list[float], list[float], list[float]]:
    """Inner bin edges (baseline deciles, repeated edges merged) and each sample's share per bin, floored at
    PSI_EPSILON and renormalised. A value on an edge belongs to the bin above it."""
    import numpy as np

    base = np.asarray(baseline, dtype=float)
    now = np.asarray(current, dtype=float)
    edges = np.unique(np.quantile(base, np.linspace(0, 1, bins + 1))[1:-1])
    shares = []
    for values in (base, now):
        counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
        share = np.maximum(counts / counts.sum(), PSI_EPSILON)
        shares.append(share / share.sum())
    return edges.tolist(), shares[0].tolist(), shares[1].tolist()


def psi(baseline: Sequence[float], current: Sequence[float], threshold: float | None = None, bins: int = PSI_BINS) -> DriftResult:
    """Population stability index over the baseline's quantile bins: sum (c - b) ln(c / b), which is the
    symmetric Kullback-Leibler divergence KL(c||b) + KL(b||c) (scipy.stats.entropy)."""
    from scipy import stats

    limit = DEFAULT_THRESHOLDS["psi"] if threshold is None else threshold
    edges, base, now = psi_shares(baseline, current, bins)
    value = float(stats.entropy(now, base) + stats.entropy(base, now))
    return DriftResult("psi", value, limit, status_of(value, limit), value, None, {"bins": len(base), "edges": edges})


def wasserstein(baseline: Sequence[float], current: Sequence[float], threshold: float | None = None) -> DriftResult:
    """scipy.stats.wasserstein_distance divided by the baseline's standard deviation (ddof=1), so that the
    score reads in baseline standard deviations; a constant baseline leaves the distance as it is."""
    import numpy as np
    from scipy import stats

    limit = DEFAULT_THRESHOLDS["wasserstein"] if threshold is None else threshold
    distance = float(stats.wasserstein_distance(baseline, current))
    scale = float(np.std(np.asarray(baseline, dtype=float), ddof=1)) if len(baseline) > 1 else 0.0
    score = distance / scale if scale > 0 else distance
    return DriftResult("wasserstein", score, limit, status_of(score, limit), distance, None, {"baseline_std": scale})


def numeric_tests(
    baseline: Sequence[float], current: Sequence[float], thresholds: Mapping[str, float] | None = None
) -> list[DriftResult]:
    limits = dict(thresholds or {})
    alpha = limits.get("alpha", DEFAULT_ALPHA)
    results = [ks(baseline, current, limits.get("ks"), alpha), psi(baseline, current, limits.get("psi"))]
    if min(len(baseline), len(current)) >= LARGE_SAMPLE:
        results.append(wasserstein(baseline, current, limits.get("wasserstein")))
    return results


# --- categories ----------------------------------------------------------------------------------


def _aligned(baseline: Mapping[str, float], current: Mapping[str, float]) -> tuple[list[str], list[float], list[float]]:
    categories = sorted(set(baseline) | set(current))
    return categories, [float(baseline.get(c, 0)) for c in categories], [float(current.get(c, 0)) for c in categories]


def chi_square(
    baseline: Mapping[str, float], current: Mapping[str, float], threshold: float | None = None, alpha: float = DEFAULT_ALPHA
) -> DriftResult:
    """Chi-square test of homogeneity (scipy.stats.chi2_contingency, no continuity correction) of the
    2 x k table of counts; the score is Cramér's V = sqrt(chi2 / n), n the table's total."""
    from scipy import stats

    limit = DEFAULT_THRESHOLDS["chi_square"] if threshold is None else threshold
    categories, base, now = _aligned(baseline, current)
    if len(categories) < 2:
        return DriftResult("chi_square", 0.0, limit, "normal", 0.0, 1.0, {"categories": categories, "dof": 0})
    result = stats.chi2_contingency([base, now], correction=False)
    statistic, p_value = float(result.statistic), float(result.pvalue)
    cramers_v = math.sqrt(statistic / (sum(base) + sum(now)))
    details = {"categories": len(categories), "dof": int(result.dof), "alpha": alpha, "cramers_v": cramers_v}
    return DriftResult("chi_square", cramers_v, limit, status_of(cramers_v, limit, p_value, alpha), statistic, p_value, details)


def jensen_shannon(baseline: Mapping[str, float], current: Mapping[str, float], threshold: float | None = None) -> DriftResult:
    """scipy.spatial.distance.jensenshannon of the two category distributions, base 2 (within [0, 1])."""
    from scipy.spatial import distance

    limit = DEFAULT_THRESHOLDS["jensen_shannon"] if threshold is None else threshold
    _, base, now = _aligned(baseline, current)
    value = float(distance.jensenshannon(base, now, base=2))
    return DriftResult("jensen_shannon", value, limit, status_of(value, limit), value)


def categorical_tests(
    baseline: Mapping[str, float], current: Mapping[str, float], thresholds: Mapping[str, float] | None = None
) -> list[DriftResult]:
    limits = dict(thresholds or {})
    alpha = limits.get("alpha", DEFAULT_ALPHA)
    return [
        chi_square(baseline, current, limits.get("chi_square"), alpha),
        jensen_shannon(baseline, current, limits.get("jensen_shannon")),
    ]


# --- concept drift -------------------------------------------------------------------------------


def accuracy_drop(reference: float, current: float, threshold: float | None = None) -> DriftResult:
    limit = DEFAULT_THRESHOLDS["accuracy_drop"] if threshold is None else threshold
    drop = max(0.0, reference - current)
    return DriftResult("accuracy_drop", drop, limit, status_of(drop, limit), current - reference)


def rmse_increase(reference: float, current: float, threshold: float | None = None) -> DriftResult:
    limit = DEFAULT_THRESHOLDS["rmse_increase"] if threshold is None else threshold
    if reference > 0:
        rise = max(0.0, current / reference - 1)
    else:
        rise = 0.0 if current == 0 else math.inf
    score = rise if math.isfinite(rise) else 1e9
    return DriftResult("rmse_increase", score, limit, status_of(score, limit), current - reference)


# --- baselines -----------------------------------------------------------------------------------


def compress(values: Sequence[float], size: int = MAX_BASELINE_SAMPLE) -> list[float]:
    """At most `size` values that keep the distribution: the sample itself, or its quantiles at (i + 0.5) / size."""
    if len(values) <= size:
        return [float(v) for v in values]
    import numpy as np

    return [float(v) for v in np.quantile(np.asarray(values, dtype=float), (np.arange(size) + 0.5) / size)]


def summary(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "std": None, "min": None, "max": None}
    import numpy as np

    data = np.asarray(values, dtype=float)
    return {
        "mean": float(data.mean()),
        "std": float(data.std(ddof=1)) if len(data) > 1 else 0.0,
        "min": float(data.min()),
        "max": float(data.max()),
    }


def cap_categories(counts: Mapping[str, int], limit: int = MAX_CATEGORIES) -> dict[str, int]:
    """The `limit - 1` most frequent categories, the rest summed under `__other__`."""
    if len(counts) <= limit:
        return dict(counts)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = dict(ranked[: limit - 1])
    kept[OTHER] = sum(n for _, n in ranked[limit - 1 :])
    return kept
