"""The statistics of an experiment's results, as pure functions of counts (docs/experiments.md gives every formula).

Closed forms use the standard library (`math.erfc`, `statistics.NormalDist`); scipy and numpy are
imported inside the functions that need them (Student's t, chi-square, log-beta), never at import,
so that `import app` stays light.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

ALPHA = 0.05
# The mixture SPRT's tuning: the total sample size at which its boundary is tightest (GrowthBook's default).
SEQUENTIAL_TUNING = 5000
# Largest number of terms of the closed-form Beta sum; beyond it the probability is integrated numerically.
MAX_BETA_TERMS = 2_000_000


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z, precise in the tails."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def z_quantile(p: float) -> float:
    return NormalDist().inv_cdf(p)


@dataclass(frozen=True)
class Test:
    """A comparison of a variant against the control: the difference, its interval and its test."""

    difference: float | None = None
    lift: float | None = None
    ci95: tuple[float, float] | None = None
    statistic: float | None = None
    p_value: float | None = None
    df: float | None = None
    variance: float | None = None  # of the difference, unpooled: what the sequential test uses
    n_total: int = 0

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    @property
    def confidence(self) -> float | None:
        return None if self.p_value is None else 1.0 - self.p_value


def two_proportions(successes_c: int, n_c: int, successes_v: int, n_v: int, *, alpha: float = ALPHA) -> Test:
    """Two-sided two-proportion z-test (pooled standard error) and the unpooled Wald interval of p_v - p_c."""
    if n_c <= 0 or n_v <= 0:
        return Test(n_total=max(n_c, 0) + max(n_v, 0))
    p_c, p_v = successes_c / n_c, successes_v / n_v
    difference = p_v - p_c
    pooled = (successes_c + successes_v) / (n_c + n_v)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_v))
    variance = p_c * (1 - p_c) / n_c + p_v * (1 - p_v) / n_v
    half = z_quantile(1 - alpha / 2) * math.sqrt(variance)
    if se_pooled > 0:
        z = difference / se_pooled
        p_value = min(1.0, 2 * normal_sf(abs(z)))
    else:  # every rated session of both arms succeeded (or none did): identical rates, no evidence of a difference
        z, p_value = 0.0, 1.0
    return Test(
        difference=difference,
        lift=difference / p_c if p_c > 0 else None,
        ci95=(difference - half, difference + half),
        statistic=z,
        p_value=p_value,
        variance=variance,
        n_total=n_c + n_v,
    )


@dataclass(frozen=True)
class Moments:
    """A sample known by its count, sum and sum of squares (what the counters keep)."""

    n: int
    total: float
    squares: float

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n > 0 else None

    @property
    def variance(self) -> float | None:
        """The sample variance (n - 1 in the denominator)."""
        if self.n < 2:
            return None
        return max(0.0, (self.squares - self.total * self.total / self.n) / (self.n - 1))


def welch(control: Moments, variant: Moments, *, alpha: float = ALPHA) -> Test:
    """Welch's two-sided t-test of mean_v - mean_c, with the Welch-Satterthwaite degrees of freedom."""
    from scipy import stats as sps

    var_c, var_v = control.variance, variant.variance
    if var_c is None or var_v is None or control.mean is None or variant.mean is None:
        return Test(n_total=control.n + variant.n)
    difference = variant.mean - control.mean
    lift = difference / control.mean if control.mean != 0 else None
    a, b = var_c / control.n, var_v / variant.n
    variance = a + b
    if variance <= 0:
        statistic, p_value = (0.0, 1.0) if difference == 0 else (None, None)
        return Test(difference, lift, (difference, difference), statistic, p_value, None, 0.0, control.n + variant.n)
    se = math.sqrt(variance)
    df = variance * variance / (a * a / (control.n - 1) + b * b / (variant.n - 1))
    t = difference / se
    p_value = float(min(1.0, 2 * sps.t.sf(abs(t), df)))
    half = float(sps.t.ppf(1 - alpha / 2, df)) * se
    return Test(difference, lift, (difference - half, difference + half), t, p_value, df, variance, control.n + variant.n)


def beta_chance_to_beat(a_c: float, b_c: float, a_v: float, b_v: float) -> float:
    """P(X_v > X_c) for independent X_c ~ Beta(a_c, b_c), X_v ~ Beta(a_v, b_v), integer parameters.

    Evan Miller's closed form, P(B > A) = sum_{i<a_B} B(a_A+i, b_A+b_B) / ((b_B+i) B(1+i, b_B) B(a_A, b_A)),
    summed in whichever of its four symmetric forms has the fewest terms; with more than
    MAX_BETA_TERMS terms even in the shortest form, by numerical integration.
    """
    import numpy as np
    from scipy.special import betaln

    def upper(a1: float, b1: float, a2: float, b2: float) -> float:
        # P(X2 > X1) with X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2), summed over a2 terms.
        i = np.arange(int(a2), dtype=float)
        logs = betaln(a1 + i, b1 + b2) - np.log(b2 + i) - betaln(1 + i, b2) - betaln(a1, b1)
        peak = logs.max()
        return float(math.exp(peak) * np.exp(logs - peak).sum())

    forms = [
        (a_v, lambda: upper(a_c, b_c, a_v, b_v)),
        (a_c, lambda: 1.0 - upper(a_v, b_v, a_c, b_c)),
        (b_c, lambda: upper(b_v, a_v, b_c, a_c)),  # 1 - X flips the order: P(1 - X_c > 1 - X_v)
        (b_v, lambda: 1.0 - upper(b_c, a_c, b_v, a_v)),
    ]
    terms, form = min(forms, key=lambda f: f[0])
    if terms > MAX_BETA_TERMS:
        from .optimizer import beta_best_probabilities

        return float(beta_best_probabilities(np.array([[a_c, a_v]]), np.array([[b_c, b_v]]))[0, 1])
    return min(1.0, max(0.0, form()))


def normal_chance_to_beat(difference: float | None, variance: float | None) -> float:
    """P(mu_v > mu_c) when the difference of means has posterior N(difference, variance) (flat prior)."""
    if difference is None or variance is None:
        return 0.5
    if variance <= 0:
        return 0.5 if difference == 0 else float(difference > 0)
    return normal_sf(-difference / math.sqrt(variance))


def msprt_p_value(
    difference: float | None, variance: float | None, n_total: int, *, alpha: float = ALPHA, tuning: float = SEQUENTIAL_TUNING
) -> float:
    """The mixture SPRT p-value of one look (Johari et al. 2017), before the running minimum.

    The difference is taken as N(theta, variance); the mixture over theta is N(0, tau^2) with
    tau^2 = rho^2 * n_total * variance (rho^2 scaled to the per-unit variance, tightest at `tuning`
    units: Waudby-Smith et al. 2023, eq. 161). p = min(1, 1 / Lambda) with
    Lambda = sqrt(v / (v + tau^2)) * exp(tau^2 d^2 / (2 v (v + tau^2))).
    """
    if difference is None or variance is None or variance <= 0 or n_total <= 0:
        return 1.0
    log_alpha = math.log(alpha)
    rho2 = (-2 * log_alpha + math.log(-2 * log_alpha + 1)) / tuning
    tau2 = rho2 * n_total * variance
    log_lambda = 0.5 * math.log(variance / (variance + tau2)) + tau2 * difference * difference / (
        2 * variance * (variance + tau2)
    )
    return 1.0 if log_lambda <= 0 else math.exp(-log_lambda)


@dataclass(frozen=True)
class SrmCheck:
    p_value: float | None
    chi2: float | None
    df: int
    expected: dict[str, float]
    observed: dict[str, int]

    @property
    def ok(self) -> bool:
        return self.p_value is None or self.p_value >= SRM_ALPHA


# A sample-ratio mismatch is flagged below this p-value (the usual, strict, threshold for a data-quality alarm).
SRM_ALPHA = 0.001


def srm(periods: Sequence[tuple[Mapping[str, int], Mapping[str, float]]]) -> SrmCheck:
    """Chi-square test of the observed assignments against the weights, over periods of fixed weights.

    Each period gives the assignments per variant and the traffic shares they were made with.
    Expected counts sum over periods (E_v = sum_p n_p s_pv); the statistic is (O - E)' S^+ (O - E)
    with S = sum_p n_p (diag(s_p) - s_p s_p') the covariance of O under the weights, and rank(S)
    degrees of freedom. With one period this is exactly Pearson's chi-square.
    """
    import numpy as np
    from scipy.stats import chi2 as chi2_dist

    names = sorted({v for counts, shares in periods for v in (*counts, *shares)})
    observed = {v: int(sum(counts.get(v, 0) for counts, _ in periods)) for v in names}
    expected = dict.fromkeys(names, 0.0)
    impossible = False
    index = {v: i for i, v in enumerate(names)}
    cov = np.zeros((len(names), len(names)))
    for counts, shares in periods:
        n = sum(counts.values())
        if n == 0:
            continue
        total_share = sum(s for s in shares.values() if s > 0)
        s = np.zeros(len(names))
        for v, share in shares.items():
            if share > 0 and total_share > 0:
                s[index[v]] = share / total_share
        impossible |= any(c > 0 and s[index[v]] == 0 for v, c in counts.items())
        for v in names:
            expected[v] += n * float(s[index[v]])
        cov += n * (np.diag(s) - np.outer(s, s))
    if sum(observed.values()) == 0:
        return SrmCheck(None, None, 0, expected, observed)
    if impossible:
        return SrmCheck(0.0, math.inf, max(0, sum(1 for e in expected.values() if e > 0) - 1), expected, observed)
    d = np.array([observed[v] - expected[v] for v in names])
    df = int(np.linalg.matrix_rank(cov, tol=1e-9 * max(1.0, float(np.abs(cov).max()))))
    if df == 0:
        return SrmCheck(None, 0.0, 0, expected, observed)
    statistic = float(max(0.0, d @ np.linalg.pinv(cov, rcond=1e-12, hermitian=True) @ d))
    return SrmCheck(float(chi2_dist.sf(statistic, df)), statistic, df, expected, observed)
