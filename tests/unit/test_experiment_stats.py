"""Experiment statistics against independent references: scipy, hand formulas, GrowthBook's published engine.

GrowthBook's `gbstats` cannot be installed beside our pins (gbstats 0.8.0 requires numpy<2 and
pandas<2), so where it uses the same definition as we do (Welch's test on absolute differences,
its Gaussian chance to win, its sequential p-value, its SRM check) its formula is re-implemented
here from gbstats 0.8.0's source (`frequentist/tests.py`, `bayesian/tests.py`, `utils.py`) as an
independent reference. Its binomial chance to win is a Gaussian approximation, not the exact Beta
posterior we compute, so that one is compared with scipy's quadrature instead.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as sps

from chalicelib.experiments import assignment, optimizer, stats

CASES = 200


def random_proportion_cases(seed: int) -> list[tuple[int, int, int, int]]:
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(CASES):
        n_c, n_v = (int(x) for x in rng.integers(2, 20_000, size=2))
        p_c, p_v = rng.uniform(0.02, 0.98, size=2)
        cases.append((int(rng.binomial(n_c, p_c)), n_c, int(rng.binomial(n_v, p_v)), n_v))
    return cases


def test_z_test_and_wald_interval_match_scipy_and_the_hand_formulas() -> None:
    z975 = sps.norm.ppf(0.975)
    for s_c, n_c, s_v, n_v in random_proportion_cases(1):
        got = stats.two_proportions(s_c, n_c, s_v, n_v)
        p_c, p_v = s_c / n_c, s_v / n_v
        pooled = (s_c + s_v) / (n_c + n_v)
        z = (p_v - p_c) / math.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_v))
        assert got.statistic == pytest.approx(z, abs=1e-9)
        assert got.p_value == pytest.approx(2 * sps.norm.sf(abs(z)), abs=1e-9)
        # The pooled z-test is Pearson's chi-square on the 2x2 table: an independent computation by scipy.
        chi2, p_chi2, _, _ = sps.chi2_contingency([[s_c, n_c - s_c], [s_v, n_v - s_v]], correction=False)
        assert got.statistic**2 == pytest.approx(chi2, rel=1e-6, abs=1e-9)
        assert got.p_value == pytest.approx(p_chi2, abs=1e-6)
        half = z975 * math.sqrt(p_c * (1 - p_c) / n_c + p_v * (1 - p_v) / n_v)
        assert got.ci95 == pytest.approx((p_v - p_c - half, p_v - p_c + half), abs=1e-9)
        assert got.lift == pytest.approx((p_v - p_c) / p_c, rel=1e-9)
        assert got.confidence == pytest.approx(1 - got.p_value)
        assert got.significant == (got.p_value < 0.05)


def test_z_test_edge_cases() -> None:
    assert stats.two_proportions(0, 0, 3, 10).p_value is None
    same = stats.two_proportions(10, 10, 7, 7)  # every session succeeded in both arms
    assert (same.statistic, same.p_value, same.ci95, same.lift) == (0.0, 1.0, (0.0, 0.0), 0.0)
    zero_control = stats.two_proportions(0, 50, 5, 50)
    assert zero_control.lift is None and zero_control.p_value is not None


def ratings(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice([1, 2, 3, 4, 5], size=n, p=rng.dirichlet(np.ones(5))).astype(float)


def moments(sample: np.ndarray) -> stats.Moments:
    return stats.Moments(len(sample), float(sample.sum()), float((sample**2).sum()))


def growthbook_welch(a: stats.Moments, b: stats.Moments) -> tuple[float, float, list[float]]:
    """gbstats 0.8.0 TwoSidedTTest with difference_type absolute on SampleMeanStatistic(n, sum, sum_squares)."""
    var_a = (a.squares - a.total**2 / a.n) / (a.n - 1)
    var_b = (b.squares - b.total**2 / b.n) / (b.n - 1)
    variance = var_b / b.n + var_a / a.n
    point = b.total / b.n - a.total / a.n
    dof = (var_b / b.n + var_a / a.n) ** 2 / (var_b**2 / (b.n**2 * (b.n - 1)) + var_a**2 / (a.n**2 * (a.n - 1)))
    p_value = 2 * (1 - sps.t.cdf(abs(point / np.sqrt(variance)), dof))
    width = sps.t.ppf(1 - 0.05 / 2, dof) * np.sqrt(variance)
    return float(p_value), float(dof), [point - width, point + width]


def test_welch_matches_scipy_and_growthbook() -> None:
    rng = np.random.default_rng(2)
    for _ in range(CASES):
        a, b = ratings(rng, int(rng.integers(3, 3000))), ratings(rng, int(rng.integers(3, 3000)))
        if a.var() == 0 or b.var() == 0:
            continue
        got = stats.welch(moments(a), moments(b))
        ref = sps.ttest_ind(b, a, equal_var=False)
        assert got.statistic == pytest.approx(ref.statistic, rel=1e-6, abs=1e-9)
        assert got.p_value == pytest.approx(ref.pvalue, abs=1e-6)
        assert got.df == pytest.approx(ref.df, rel=1e-6)
        lo, hi = ref.confidence_interval(0.95)
        assert got.ci95 == pytest.approx((lo, hi), abs=1e-6)
        gb_p, gb_dof, gb_ci = growthbook_welch(moments(a), moments(b))
        assert got.p_value == pytest.approx(gb_p, abs=1e-6)
        assert got.df == pytest.approx(gb_dof, rel=1e-6)
        assert got.ci95 == pytest.approx(gb_ci, abs=1e-6)
        assert got.lift == pytest.approx((b.mean() - a.mean()) / a.mean(), rel=1e-9)


def test_welch_edge_cases() -> None:
    one = stats.Moments(1, 5, 25)
    assert stats.welch(one, moments(np.array([4.0, 5.0]))).p_value is None
    flat = stats.welch(moments(np.array([5.0, 5.0])), moments(np.array([5.0, 5.0, 5.0])))
    assert (flat.statistic, flat.p_value) == (0.0, 1.0)
    apart = stats.welch(moments(np.array([4.0, 4.0])), moments(np.array([5.0, 5.0])))
    assert apart.p_value is None and not apart.significant


def quad_chance(a_c: float, b_c: float, a_v: float, b_v: float) -> float:
    """P(X_v > X_c) = integral of f_v(x) F_c(x) dx, by scipy's adaptive quadrature around both posteriors."""
    points = set()
    for a, b in ((a_c, b_c), (a_v, b_v)):
        mean, sd = a / (a + b), math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        points |= {min(1.0, max(0.0, mean + k * sd)) for k in (-12, -6, -3, -1, 0, 1, 3, 6, 12)}
    value, _ = integrate.quad(
        lambda x: sps.beta.pdf(x, a_v, b_v) * sps.beta.cdf(x, a_c, b_c),
        0,
        1,
        points=sorted(points - {0.0, 1.0}),
        limit=500,
        epsabs=1e-12,
    )
    return float(value)


def test_chance_to_beat_control_is_the_exact_beta_probability() -> None:
    rng = np.random.default_rng(3)
    for s_c, n_c, s_v, n_v in random_proportion_cases(4)[:60]:
        args = (1 + s_c, 1 + n_c - s_c, 1 + s_v, 1 + n_v - s_v)
        assert stats.beta_chance_to_beat(*args) == pytest.approx(quad_chance(*args), abs=1e-7)
    for _ in range(40):  # small samples: skewed posteriors
        s_c, s_v = (int(x) for x in rng.integers(0, 15, size=2))
        f_c, f_v = (int(x) for x in rng.integers(0, 15, size=2))
        args = (1 + s_c, 1 + f_c, 1 + s_v, 1 + f_v)
        assert stats.beta_chance_to_beat(*args) == pytest.approx(quad_chance(*args), abs=1e-7)
    assert stats.beta_chance_to_beat(1, 1, 1, 1) == pytest.approx(0.5, abs=1e-12)


def test_chance_to_beat_control_agrees_with_monte_carlo_and_its_integration_path(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    draws = 2_000_000
    args = (1 + 310, 1 + 690, 1 + 345, 1 + 655)
    simulated = float(np.mean(rng.beta(args[2], args[3], draws) > rng.beta(args[0], args[1], draws)))
    assert stats.beta_chance_to_beat(*args) == pytest.approx(simulated, abs=5 * math.sqrt(0.25 / draws))
    closed = stats.beta_chance_to_beat(*args)
    monkeypatch.setattr(stats, "MAX_BETA_TERMS", 10)  # force the numerical integration used for huge counts
    assert stats.beta_chance_to_beat(*args) == pytest.approx(closed, abs=1e-9)


def test_normal_chance_to_beat_is_growthbooks_chance_to_win() -> None:
    rng = np.random.default_rng(6)
    for _ in range(CASES):
        diff, sd = rng.normal(0, 0.3), rng.uniform(0.01, 0.5)
        assert stats.normal_chance_to_beat(diff, sd**2) == pytest.approx(sps.norm.sf(0, diff, sd), abs=1e-9)
    assert stats.normal_chance_to_beat(None, None) == 0.5


def growthbook_sequential_p(point: float, variance: float, n: int, tuning: float = 5000, alpha: float = 0.05) -> float:
    """gbstats 0.8.0 SequentialTwoSidedTTest.p_value (eq. 155 and 161 of Waudby-Smith et al. 2023)."""
    rho = np.sqrt((-2 * np.log(alpha) + np.log(-2 * np.log(alpha) + 1)) / tuning)
    st2 = point**2 * n / variance
    tr2p1 = n * rho**2 + 1
    with np.errstate(over="ignore"):
        evalue = np.exp(rho**2 * st2 / (2 * tr2p1)) / np.sqrt(tr2p1)
    return float(min(1 / evalue, 1))


def test_msprt_p_value_is_the_normal_mixture_of_johari_et_al_and_growthbooks_sequential_p() -> None:
    for s_c, n_c, s_v, n_v in random_proportion_cases(7):
        test = stats.two_proportions(s_c, n_c, s_v, n_v)
        got = stats.msprt_p_value(test.difference, test.variance, test.n_total)
        assert got == pytest.approx(growthbook_sequential_p(test.difference, test.variance, test.n_total), rel=1e-6, abs=1e-12)
        # Johari et al. (2017), equal-allocation form: Lambda = sqrt(V/(V + n tau^2)) exp(n^2 tau^2 d^2 / (2V(V + n tau^2))).
        n = test.n_total / 2
        per_pair = test.variance * n
        tau2 = (-2 * math.log(0.05) + math.log(-2 * math.log(0.05) + 1)) / 5000 * test.n_total * per_pair / n
        log_lambda = 0.5 * math.log(per_pair / (per_pair + n * tau2)) + n * n * tau2 * test.difference**2 / (
            2 * per_pair * (per_pair + n * tau2)
        )
        assert got == pytest.approx(min(1.0, math.exp(-log_lambda)), rel=1e-6, abs=1e-12)
        assert got >= test.p_value - 1e-12  # always more cautious than the fixed-horizon test
    assert stats.msprt_p_value(0.0, 0.01, 100) == 1.0
    assert stats.msprt_p_value(None, None, 0) == 1.0
    assert stats.msprt_p_value(0.1, 0.0, 100) == 1.0
    ps = [stats.msprt_p_value(d, 0.0004, 4000) for d in (0.01, 0.03, 0.05, 0.08)]
    assert ps == sorted(ps, reverse=True) and ps[-1] < 0.01


def test_msprt_keeps_its_error_rate_under_daily_peeking_where_the_z_test_does_not() -> None:
    rng = np.random.default_rng(8)
    experiments, days, daily = 400, 30, 200
    counts = rng.binomial(daily, 0.3, size=(experiments, days, 2)).cumsum(axis=1)
    sequential = naive = 0
    for e in range(experiments):
        running = 1.0
        peeked = False
        for d in range(days):
            n = daily * (d + 1)
            test = stats.two_proportions(int(counts[e, d, 0]), n, int(counts[e, d, 1]), n)
            running = min(running, stats.msprt_p_value(test.difference, test.variance, test.n_total))
            peeked |= test.p_value < 0.05
        sequential += running < 0.05
        naive += peeked
    assert sequential / experiments <= 0.05
    assert naive / experiments > 0.12  # what peeking does to the fixed-horizon test


def growthbook_check_srm(users: list[int], weights: list[float]) -> float:
    """gbstats 0.8.0 utils.check_srm."""
    total_observed, total_weight, x = sum(users), sum(weights), 0.0
    for i, o in enumerate(users):
        if weights[i] <= 0:
            continue
        e = weights[i] / total_weight * total_observed
        x += (o - e) ** 2 / e
    return float(sps.chi2.sf(x, len(users) - 1))


def test_srm_with_fixed_weights_is_pearsons_chi_square() -> None:
    rng = np.random.default_rng(9)
    for _ in range(CASES):
        k = int(rng.integers(2, 6))
        weights = rng.uniform(0.05, 1, size=k)
        counts = rng.multinomial(int(rng.integers(20, 50_000)), rng.dirichlet(weights * 50))
        names = [f"v{i}" for i in range(k)]
        got = stats.srm([(dict(zip(names, map(int, counts), strict=True)), dict(zip(names, weights, strict=True)))])
        expected = weights / weights.sum() * counts.sum()
        ref = sps.chisquare(counts, expected)
        assert got.chi2 == pytest.approx(ref.statistic, rel=1e-6, abs=1e-9)
        assert got.p_value == pytest.approx(ref.pvalue, abs=1e-6)
        assert got.p_value == pytest.approx(growthbook_check_srm(list(map(int, counts)), list(weights)), abs=1e-6)
        assert got.df == k - 1
        assert got.ok == (got.p_value >= 0.001)


def reduced_srm(periods: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, int]:
    """Independent reference: the Wald statistic on the first k-1 categories with the summed multinomial covariance."""
    k = len(periods[0][1])
    cov, diff = np.zeros((k, k)), np.zeros(k)
    for counts, shares in periods:
        n = counts.sum()
        cov += n * (np.diag(shares) - np.outer(shares, shares))
        diff += counts - n * shares
    statistic = float(diff[:-1] @ np.linalg.solve(cov[:-1, :-1], diff[:-1]))
    return statistic, k - 1


def test_srm_over_periods_of_fixed_weights() -> None:
    rng = np.random.default_rng(10)
    null_p = []
    names = ["a", "b", "c"]
    for case in range(CASES):
        periods = []
        for _ in range(int(rng.integers(1, 6))):
            shares = rng.dirichlet(np.ones(3) * 3)
            shares = np.maximum(shares, 0.02) / np.maximum(shares, 0.02).sum()
            periods.append((rng.multinomial(int(rng.integers(50, 3000)), shares), shares))
        got = stats.srm(
            [(dict(zip(names, map(int, c), strict=True)), dict(zip(names, map(float, s), strict=True))) for c, s in periods]
        )
        statistic, df = reduced_srm(periods)
        assert got.chi2 == pytest.approx(statistic, rel=1e-6, abs=1e-9), case
        assert got.df == df
        assert got.p_value == pytest.approx(sps.chi2.sf(statistic, df), abs=1e-6)
        total = sum(c for c, _ in periods)
        assert [got.observed[n] for n in names] == list(total)
        assert [got.expected[n] for n in names] == pytest.approx(list(sum(c.sum() * s for c, s in periods)))
        null_p.append(got.p_value)
    # Under the null (counts drawn with the weights) the p-values are uniform.
    assert sps.kstest(null_p, "uniform").pvalue > 0.001


def test_srm_flags_a_real_mismatch_and_impossible_counts() -> None:
    skewed = stats.srm([({"a": 5200, "b": 4800}, {"a": 0.5, "b": 0.5})])
    assert skewed.p_value < 0.001 and not skewed.ok
    impossible = stats.srm([({"a": 10, "b": 3}, {"a": 1.0, "b": 0.0})])
    assert impossible.p_value == 0.0 and not impossible.ok
    empty = stats.srm([({}, {"a": 0.5, "b": 0.5})])
    assert empty.p_value is None and empty.ok


def quad_best(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = []
    for i in range(len(a)):
        mean, sd = a[i] / (a[i] + b[i]), math.sqrt(a[i] * b[i] / ((a[i] + b[i]) ** 2 * (a[i] + b[i] + 1)))
        points = sorted({min(1.0, max(0.0, mean + k * sd)) for k in (-12, -6, -3, -1, 0, 1, 3, 6, 12)} - {0.0, 1.0})

        def integrand(x: float, i: int = i) -> float:
            others = [sps.beta.cdf(x, a[j], b[j]) for j in range(len(a)) if j != i]
            return float(sps.beta.pdf(x, a[i], b[i]) * np.prod(others))

        out.append(integrate.quad(integrand, 0, 1, points=points, limit=500, epsabs=1e-12)[0])
    return np.array(out)


def test_thompson_probabilities_match_numerical_integration_and_monte_carlo() -> None:
    rng = np.random.default_rng(11)
    for _ in range(40):
        k = int(rng.integers(2, 5))
        n = rng.choice([0, 3, 30, 300, 5000], size=k)
        s = rng.binomial(n, rng.uniform(0.05, 0.95, size=k))
        a, b = 1.0 + s, 1.0 + n - s
        got = optimizer.beta_best_probabilities(a[None], b[None])[0]
        assert got.sum() == pytest.approx(1.0, abs=1e-12)
        assert got == pytest.approx(quad_best(a, b), abs=1e-7)
    a, b = np.array([31.0, 36.0, 41.0]), np.array([71.0, 66.0, 61.0])
    draws = rng.beta(a, b, size=(2_000_000, 3))
    simulated = np.bincount(draws.argmax(axis=1), minlength=3) / len(draws)
    assert optimizer.beta_best_probabilities(a[None], b[None])[0] == pytest.approx(simulated, abs=2e-3)
    # Two arms: the same number as the closed-form chance to beat.
    two = optimizer.beta_best_probabilities(np.array([[12.0, 15.0]]), np.array([[30.0, 28.0]]))[0, 1]
    assert two == pytest.approx(stats.beta_chance_to_beat(12, 30, 15, 28), abs=1e-9)


def test_normal_probabilities_of_being_best() -> None:
    mean, sd = np.array([[3.9, 4.1, 4.0]]), np.array([[0.1, 0.05, 0.2]])
    got = optimizer.normal_best_probabilities(mean, sd)[0]
    for i in range(3):
        ref = integrate.quad(
            lambda x, i=i: (
                sps.norm.pdf(x, mean[0, i], sd[0, i])
                * np.prod([sps.norm.cdf(x, mean[0, j], sd[0, j]) for j in range(3) if j != i])
            ),
            2,
            6,
            points=[3.5, 4.0, 4.5],
            limit=500,
        )[0]
        assert got[i] == pytest.approx(ref, abs=1e-8)
    assert optimizer.normal_best_probabilities(np.array([[1.0, 1.5]]), np.array([[0.2, 0.2]]))[0, 1] == pytest.approx(
        sps.norm.cdf(0.5 / math.sqrt(0.08)), abs=1e-9
    )


def test_the_floor_keeps_every_arm_above_it_and_the_rest_in_proportion() -> None:
    rng = np.random.default_rng(12)
    for _ in range(CASES):
        k = int(rng.integers(2, 8))
        p = rng.dirichlet(np.ones(k) * 0.3)
        floor = float(rng.uniform(0, 1 / k))
        w = optimizer.floored(p[None], floor)[0]
        assert w.sum() == pytest.approx(1.0, abs=1e-12)
        assert (w >= floor - 1e-12).all()
        raised = w <= floor + 1e-12
        free = ~raised
        if free.sum() >= 2:  # the arms left free keep their proportions
            ratio = w[free] / p[free]
            assert ratio == pytest.approx(np.full(free.sum(), ratio[0]), rel=1e-9)
        assert (np.argsort(-w, kind="stable")[: free.sum()] == np.argsort(-p, kind="stable")[: free.sum()]).all()
    assert optimizer.floored(np.array([[0.9, 0.08, 0.02]]), 0.05)[0] == pytest.approx(
        [0.9 * 0.95 / 0.98, 0.08 * 0.95 / 0.98, 0.05]
    )
    assert optimizer.floored(np.array([[0.98, 0.01, 0.01]]), 0.1)[0] == pytest.approx([0.8, 0.1, 0.1])
    assert optimizer.floored(np.array([[0.7, 0.3]]), 0.5)[0] == pytest.approx([0.5, 0.5])
    assert optimizer.floored(np.array([[0.6, 0.4]]), 0.0)[0] == pytest.approx([0.6, 0.4])


def test_decide_waits_for_burn_in_then_follows_thompson() -> None:
    early = [optimizer.Arm("a", rated=29, successes=10), optimizer.Arm("b", rated=40, successes=30)]
    assert optimizer.decide(early, "success", 0.05, 30).reason == "burn_in"
    assert optimizer.decide(early[:1], "success", 0.05, 30).reason == "single_arm"
    ready = [optimizer.Arm("a", rated=30, successes=10), optimizer.Arm("b", rated=40, successes=30)]
    decision = optimizer.decide(ready, "success", 0.05, 30)
    assert decision.reason == "thompson" and decision.weights is not None and decision.probabilities is not None
    assert decision.probabilities["b"] == pytest.approx(stats.beta_chance_to_beat(11, 21, 31, 11), abs=1e-9)
    assert decision.weights == {"a": 0.05, "b": 0.95}
    rated = [
        optimizer.Arm("a", rating_count=5, rating_sum=25, rating_sq_sum=125),
        optimizer.Arm("b", rating_count=5, rating_sum=15, rating_sq_sum=45),
    ]
    weights = optimizer.decide(rated, "rating", 0.1, 5).weights
    assert weights is not None and weights["a"] == pytest.approx(0.9) and weights["b"] == pytest.approx(0.1)


def test_assignment_points_are_reproducible_and_follow_the_weights() -> None:
    assert assignment.point("exp_1", "user-7") == assignment.point("exp_1", "user-7")
    assert assignment.point("exp_1", "user-7") != assignment.point("exp_2", "user-7")
    shares = [("a", 0.2), ("b", 0.0), ("c", 0.5), ("d", 0.3)]
    assert assignment.choose(0.0, shares) == "a"
    assert assignment.choose(0.1999999, shares) == "a"
    assert assignment.choose(0.2, shares) == "c"
    assert assignment.choose(0.7, shares) == "d"
    assert assignment.choose(0.9999999999, shares) == "d"
    picks = [assignment.choose(assignment.point("exp_1", f"user-{i}"), shares) for i in range(20_000)]
    counts = [picks.count(v) for v in ("a", "c", "d")]
    assert picks.count("b") == 0
    assert sps.chisquare(counts, [4000, 10_000, 6000]).pvalue > 0.001
    with pytest.raises(ValueError):
        assignment.choose(0.5, [("a", 0.0)])
