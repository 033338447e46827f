"""Thompson-sampling weights: each arm's posterior probability of being best, computed precisely, floored.

P(arm i is best) = integral of f_i(x) * prod_{j != i} F_j(x) dx, with f and F the posterior
densities and distribution functions of the arms' success rates (Beta(1 + s, 1 + f)) or mean
ratings (normal). The integral is taken by Gauss-Legendre quadrature on panels cut at every arm's
mean +/- 0, 1, 2, 3, 4.5, 6.5, 9, 13, 20 and 40 posterior standard deviations, so each panel
sees smooth pieces of every density; the error is below 1e-9 (tests/unit/test_experiment_stats.py
checks it against scipy's adaptive quadrature and a large Monte Carlo). Every function works on
a batch: arrays of shape (batch, arms), so a simulation can move many experiments at once.
numpy and scipy are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_STEPS = (1.0, 2.0, 3.0, 4.5, 6.5, 9.0, 13.0, 20.0, 40.0)
_NODES = 8
# For metric rating: a floor on each arm's rating variance, so a run of identical ratings never makes an arm certain.
RATING_VARIANCE_FLOOR = 0.25


@lru_cache(maxsize=1)
def _rule() -> tuple[Any, Any]:
    import numpy as np

    nodes, weights = np.polynomial.legendre.leggauss(_NODES)
    return nodes, weights


def _panels(mean: Any, sd: Any, lo: float | None, hi: float | None) -> tuple[Any, Any]:
    """Quadrature nodes and weights, shape (batch, panels * nodes), from every arm's breakpoints."""
    import numpy as np

    steps = np.concatenate([[0.0], _STEPS, [-s for s in _STEPS]])
    points = (mean[..., None] + sd[..., None] * steps).reshape(mean.shape[0], -1)
    if lo is not None and hi is not None:
        points = np.clip(points, lo, hi)
        points = np.concatenate([points, np.full((mean.shape[0], 2), [lo, hi])], axis=1)
    points = np.sort(points, axis=1)
    left, right = points[:, :-1], points[:, 1:]
    nodes, weights = _rule()
    half = (right - left)[..., None] / 2
    x = (left[..., None] + half * (nodes + 1)).reshape(mean.shape[0], -1)
    w = (half * weights).reshape(mean.shape[0], -1)
    return x, w


def _best(pdf: Any, cdf: Any, w: Any) -> Any:
    """From densities and distribution functions at the nodes, shape (batch, arms, nodes), P(each arm is best)."""
    import numpy as np

    arms = pdf.shape[1]
    out = np.empty(pdf.shape[:2])
    for i in range(arms):
        others = np.prod(np.delete(cdf, i, axis=1), axis=1) if arms > 1 else 1.0
        out[:, i] = np.sum(pdf[:, i, :] * others * w, axis=1)
    total = out.sum(axis=1, keepdims=True)
    return out / np.where(total > 0, total, 1.0)


def beta_best_probabilities(alpha: Any, beta: Any) -> Any:
    """P(arm i has the highest rate) for arms with Beta(alpha, beta) posteriors; arrays of shape (batch, arms)."""
    import numpy as np
    from scipy.special import betainc, betaln, xlog1py, xlogy

    a, b = np.asarray(alpha, dtype=float), np.asarray(beta, dtype=float)
    n = a + b
    mean, sd = a / n, np.sqrt(a * b / (n * n * (n + 1)))
    x, w = _panels(mean, sd, 0.0, 1.0)
    xs, aa, bb = x[:, None, :], a[..., None], b[..., None]
    pdf = np.exp(xlogy(aa - 1, xs) + xlog1py(bb - 1, -xs) - betaln(aa, bb))
    cdf = betainc(aa, bb, xs)
    return _best(pdf, cdf, w)


def normal_best_probabilities(mean: Any, sd: Any) -> Any:
    """P(arm i has the highest mean) for arms with N(mean, sd^2) posteriors; arrays of shape (batch, arms)."""
    import numpy as np
    from scipy.special import ndtr

    m, s = np.asarray(mean, dtype=float), np.asarray(sd, dtype=float)
    s = np.maximum(s, 1e-12 * np.maximum(1.0, np.abs(m)))
    x, w = _panels(m, s, None, None)
    z = (x[:, None, :] - m[..., None]) / s[..., None]
    pdf = np.exp(-0.5 * z * z) / (s[..., None] * np.sqrt(2 * np.pi))
    return _best(pdf, ndtr(z), w)


def floored(probabilities: Any, floor: float) -> Any:
    """Weights that keep every arm at or above `floor` and the others in proportion to their probabilities.

    Arms below the floor are raised to it; the mass they take comes from the others in proportion,
    which may push another arm below the floor, so this repeats (at most once per arm). With
    floor * arms >= 1 every arm gets 1 / arms.
    """
    import numpy as np

    p = np.asarray(probabilities, dtype=float)
    p = p / p.sum(axis=-1, keepdims=True)
    arms = p.shape[-1]
    if floor <= 0:
        return p
    if floor * arms >= 1:
        return np.full_like(p, 1.0 / arms)
    fixed = np.zeros(p.shape, dtype=bool)
    weights = p
    for _ in range(arms):
        free_mass = 1.0 - floor * fixed.sum(axis=-1, keepdims=True)
        free_p = np.where(fixed, 0.0, p).sum(axis=-1, keepdims=True)
        share = np.where(fixed, 0.0, p) / np.where(free_p > 0, free_p, 1.0)
        weights = np.where(fixed, floor, share * free_mass)
        newly = ~fixed & (weights < floor)
        if not newly.any():
            break
        fixed |= newly
    return weights


@dataclass(frozen=True)
class Arm:
    """What the optimiser knows of one active arm: rated trials and successes, or the ratings' moments."""

    variant_id: str
    rated: int = 0
    successes: int = 0
    rating_count: int = 0
    rating_sum: float = 0.0
    rating_sq_sum: float = 0.0

    def observations(self, metric: str) -> int:
        return self.rated if metric == "success" else self.rating_count


@dataclass(frozen=True)
class Decision:
    weights: dict[str, float] | None  # None: keep the current weights
    probabilities: dict[str, float] | None
    reason: str  # thompson | burn_in | single_arm


def probabilities_of(arms: Sequence[Arm], metric: str) -> dict[str, float]:
    """Each arm's posterior probability of being best."""
    import numpy as np

    if metric == "success":
        alpha = np.array([[1.0 + a.successes for a in arms]])
        beta = np.array([[1.0 + max(0, a.rated - a.successes) for a in arms]])
        best = beta_best_probabilities(alpha, beta)[0]
    else:
        means, sds = [], []
        for a in arms:
            n = a.rating_count
            mean = a.rating_sum / n
            variance = max(RATING_VARIANCE_FLOOR, (a.rating_sq_sum - a.rating_sum * a.rating_sum / n) / (n - 1))
            means.append(mean)
            sds.append((variance / n) ** 0.5)
        best = normal_best_probabilities(np.array([means]), np.array([sds]))[0]
    return {a.variant_id: float(p) for a, p in zip(arms, best, strict=True)}


def decide(arms: Sequence[Arm], metric: str, floor: float, min_rated: int) -> Decision:
    """New weights for the active arms: Thompson probabilities floored at `floor`, once every arm is past burn-in."""
    if len(arms) < 2:
        return Decision(None, None, "single_arm")
    burn_in = max(min_rated, 2 if metric == "rating" else 1)
    if any(a.observations(metric) < burn_in for a in arms):
        return Decision(None, None, "burn_in")
    probabilities = probabilities_of(arms, metric)
    weights = floored([[probabilities[a.variant_id] for a in arms]], floor)[0]
    return Decision({a.variant_id: float(w) for a, w in zip(arms, weights, strict=True)}, probabilities, "thompson")
