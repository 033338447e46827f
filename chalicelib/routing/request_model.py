"""Request-level routing's model: per tenant, category and candidate model, a Bayesian linear model of satisfaction.

For a request encoded as x (`features.encode`, 40 entries, x[0] = 1), a model's probability of
satisfying its user is theta(x) = x . beta, with the prior beta ~ N(mu0, s^2 L0^-1):
mu0 = p e0 (p: the catalog's prior of the model on the category, as per-category routing uses it),
L0 = diag(2, 3 x 15, 100 x 24) (`prior_precision`: the intercept weighs 2 pseudo-answers, as the
per-category Beta prior does; each length weight a ridge prior of precision 3, so one answer at a length
nobody else asked at moves its weight by at most a quarter of its surprise; each hashed bucket's weight
precision 100, so a word or feature moves the estimate only once the answers that carry it outweigh
that prior, and the prior's share of the posterior sd at a request stays small). Each rated answer observes r (its
quality score, 0-1) at its request's x. The sufficient statistics are additive:

    A = sum x x^T (A[0][0] = n, the rated answers),   b = sum x r (b[0] = the sum of quality scores),

so a feedback moves them by its deltas, a replaced feedback by the difference and an erased one
by its negative (`observation_deltas`), which is how `learning` keeps them as sharded counters,
exactly once per feedback. The posterior is beta ~ N(mu, s^2 L^-1), L = L0 + A,
mu = L^-1 (b + 2 p e0); the noise variance s^2 is the posterior's residual variance,
(2 x 0.25 + R) / (2 + n) within [0.01, 0.25], R = sum r^2 + 2 p^2 - mu^T L mu the residual sum of
squares with sum r^2 taken as sum r (a 0-1 score's square is at most itself: exact for thumbs,
likes and helpful flags, an upper bound for ratings, so the noise is never underestimated; the
prior 0.25, a coin's variance, weighs 2 answers). At x, theta ~
N(x . mu, s^2 x^T L^-1 x): its mean is the estimate, a draw (clipped to [0, 1]) is the Thompson
sample the objective compares. With x = e0 (no text, no features) it is the per-category Beta's
mean (2p + sum r) / (2 + n).

State per (category, model): 40 + 40 x 41 / 2 = 860 numbers. numpy is imported inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import features
from .features import DIMENSION, INTERCEPT, Term

if TYPE_CHECKING:
    import numpy as np

PRIOR_WEIGHT = 2.0  # pseudo-answers behind the intercept's prior (scoring.PRIOR_WEIGHT)
RIDGE = 3.0  # prior precision of each length weight
HASHED_RIDGE = 100.0  # prior precision of each hashed word or feature bucket's weight
NOISE_RANGE = (0.01, 0.25)
PRIOR_NOISE = 0.25  # a coin's variance, held by PRIOR_WEIGHT pseudo-answers
# Slots hold integers, so a feedback's delta and its negative cancel exactly, replacement included, and a sum that
# returns to zero is a plain 0 (moto's ADD of a decimal that summed to "0E-10" fails): x is kept in units of
# 1 / X_SCALE and a quality score in units of 1 / REWARD_GRID. Every quality score is a multiple of 1/240 (a mean
# of at most four signals, each a multiple of 0.05), so a change of score is an exact number of units.
X_SCALE = 10**6
REWARD_GRID = 240
A_UNIT = X_SCALE * X_SCALE  # A's slots: x_i x_j in units of 1 / X_SCALE^2
B_UNIT = X_SCALE * REWARD_GRID  # b's slots: x_i r in units of 1 / (X_SCALE x REWARD_GRID)


def slot_count(d: int = DIMENSION) -> int:
    """b (d slots), then the upper triangle of A row by row."""
    return d + d * (d + 1) // 2


def a_slot(i: int, j: int, d: int = DIMENSION) -> int:
    i, j = min(i, j), max(i, j)
    return d + i * d - i * (i - 1) // 2 + (j - i)


def quantised(x: Mapping[int, float]) -> dict[int, int]:
    """x in units of 1 / X_SCALE."""
    return {i: round(v * X_SCALE) for i, v in x.items()}


def observation_deltas(x: Mapping[int, float], count: float, reward_sum: float) -> dict[int, int]:
    """What `count` rated answers at x with quality scores summing to `reward_sum` add to the slots (integers).

    A replaced feedback passes the difference (count 0 and the change of its score), an erased one
    negative values: the slots then move by exactly what the feedback had added.
    """
    xq = sorted(quantised(x).items())
    units, times = round(reward_sum * REWARD_GRID), round(count)
    out: dict[int, int] = {}
    for i, xi in xq:
        if units:
            out[i] = units * xi
        if times:
            for j, xj in xq:
                if j >= i:
                    out[a_slot(i, j)] = times * xi * xj
    return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class ArmState:
    """One model's learned state on a category, solved once per read: L^-1, L^-1 b and L^-1 e0."""

    n: float
    reward_sum: float
    b: Any  # sum x r
    cov: Any  # L^-1
    cov_b: Any  # L^-1 b
    cov_e0: Any  # L^-1 e0

    def noise(self, prior: float) -> float:
        """s^2: the residual variance, sum r^2 bounded by sum r, shrunk toward PRIOR_NOISE."""
        shifted = PRIOR_WEIGHT * prior
        fitted = float(self.cov_b @ self.b) + 2 * shifted * float(self.cov_b[INTERCEPT]) + shifted**2 * float(self.cov[0, 0])
        residual = max(0.0, self.reward_sum + PRIOR_WEIGHT * prior**2 - fitted)
        variance = (PRIOR_WEIGHT * PRIOR_NOISE + residual) / (PRIOR_WEIGHT + self.n)
        return min(NOISE_RANGE[1], max(NOISE_RANGE[0], variance))

    def weights(self, prior: float) -> Any:
        """The posterior mean mu of beta."""
        return self.cov_b + PRIOR_WEIGHT * prior * self.cov_e0


def state_of(slots: Mapping[int, float], d: int = DIMENSION) -> ArmState:
    """The solved posterior of one model from its slots (missing slots are 0)."""
    import numpy as np

    values = np.zeros(slot_count(d))
    for slot, value in slots.items():
        if 0 <= slot < len(values):
            values[slot] = value
    b = values[:d] / B_UNIT
    values /= A_UNIT
    upper = np.zeros((d, d))
    upper[np.triu_indices(d)] = values[d:]  # row by row, as a_slot lays them out
    a = upper + np.triu(upper, 1).T
    precision = a + np.diag(prior_precision(d))
    cov = np.linalg.inv(precision)
    cov = (cov + cov.T) / 2
    return ArmState(n=float(a[0, 0]), reward_sum=float(b[0]), b=b, cov=cov, cov_b=cov @ b, cov_e0=cov[:, INTERCEPT].copy())


def prior_precision(d: int = DIMENSION) -> list[float]:
    """L0's diagonal: the intercept's pseudo-answers, the length weights' and the hashed buckets' ridge."""
    return [PRIOR_WEIGHT] + [RIDGE] * (features.FIRST_HASHED - 1) + [HASHED_RIDGE] * (d - features.FIRST_HASHED)


def empty_state(d: int = DIMENSION) -> ArmState:
    return state_of({}, d)


@dataclass(frozen=True)
class RequestPosterior:
    """theta(x) ~ N(centre, sd^2): the objective's `Posterior` for one candidate at one request."""

    centre: float
    sd: float

    @property
    def mean(self) -> float:
        return min(1.0, max(0.0, self.centre))

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import numpy as np

        return np.clip(rng.normal(self.centre, self.sd, size), 0.0, 1.0)


def posterior_at(state: ArmState, x: Any, prior: float) -> RequestPosterior:
    """theta at the request's dense x."""
    mu = state.weights(prior)
    variance = state.noise(prior) * float(x @ state.cov @ x)
    return RequestPosterior(float(x @ mu), math.sqrt(max(variance, 0.0)))


@dataclass(frozen=True)
class Effect:
    name: str
    kind: str  # word | feature | length
    effect: float  # what it adds to the estimate


def effects(state: ArmState, terms: tuple[Term, ...], x: Mapping[int, float], words: int, prior: float) -> list[Effect]:
    """Each word's and feature's part of the estimate (its value in x times its bucket's weight), largest first.

    Terms that share a bucket share its weight (the hashing trick); the intercept is the baseline, not listed.
    """
    mu = state.weights(prior)
    out = [Effect(t.name, t.kind, float(t.value * mu[t.index])) for t in terms]
    length = sum(v * mu[i] for i, v in x.items() if INTERCEPT < i < features.FIRST_HASHED)
    if length:
        out.append(Effect(f"length: {words} words", "length", float(length)))
    return sorted(out, key=lambda e: -abs(e.effect))
