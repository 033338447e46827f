"""The contextual Thompson sampler: a Bayesian linear model of the reward per variant over an encoded context.

A contextual experiment declares its context fields (`context_fields`); `Encoder` turns an assign
request's `context` into a vector x: an intercept, a one-hot column per declared categorical value
(an undeclared value or a missing field sets none), and per numeric field its standardised value
(clipped to +/-4) and a one-hot column of its bucket between the declared `edges`.

Per variant the reward r (metric success: 1 for a successful rated feedback, else 0; metric rating:
the rating) is modelled as r - m0 = x . beta + noise, beta ~ N(0, sigma^2 / LAMBDA I), m0 the
metric's prior mean. The sufficient statistics are additive: n, sum r, sum r^2, b = sum x r and
A = sum x x^T, so a feedback moves them by its deltas (a replaced feedback by the difference),
which is how `counting` keeps them as sharded counters, exactly once per feedback. The posterior
mean is the ridge solution mu = (LAMBDA I + A)^-1 (b - m0 sum x); sigma^2 is the residual variance
shrunk towards the metric's prior variance. For a new user with context x, each variant's reward
is x . beta ~ N(x . mu, sigma^2 x^T (LAMBDA I + A)^-1 x): the Thompson probability of each variant
is its probability of the highest draw, computed exactly by `optimizer.normal_best_probabilities`
(no random draws), floored at `min_exploration` as the optimiser floors weights, and the user's
variant is picked from those shares by the hash point of (experiment, user). numpy is imported
inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LAMBDA = 1.0  # ridge prior precision (in units of the noise variance)
Z_CLIP = 4.0
MAX_DIMENSION = 40
_PRIOR = {"success": (0.5, 0.25), "rating": (3.0, 1.0)}  # m0 and the prior noise variance, per metric
_PRIOR_WEIGHT = 2.0  # pseudo-observations of the prior noise variance
MISSING, OTHER = "(missing)", "(other)"


def _number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Encoder:
    """The context vector of one experiment's declared fields (a list of dicts as stored on the experiment)."""

    fields: tuple[dict[str, Any], ...]

    @classmethod
    def of(cls, fields: Sequence[Mapping[str, Any]]) -> Encoder:
        return cls(tuple(dict(f) for f in fields))

    @property
    def dimension(self) -> int:
        return 1 + sum(_width(f) for f in self.fields)

    def names(self) -> list[str]:
        """A name per column: `intercept`, `<field>=<value>`, `<field>` (standardised), `<field>=<bucket>`."""
        out = ["intercept"]
        for f in self.fields:
            if f["kind"] == "categorical":
                out += [f"{f['name']}={v}" for v in f["values"]]
            else:
                out += [f["name"], *(f"{f['name']}={label}" for label in bucket_labels(f["edges"]))]
        return out

    def vector(self, context: Mapping[str, Any]) -> dict[int, float]:
        """The nonzero entries of x for `context` (already validated against the fields)."""
        x = {0: 1.0}
        at = 1
        for f in self.fields:
            value = context.get(f["name"])
            if f["kind"] == "categorical":
                if value is not None and str(value) in f["values"]:
                    x[at + f["values"].index(str(value))] = 1.0
            elif value is not None:
                z = max(-Z_CLIP, min(Z_CLIP, (float(value) - centre(f)) / scale(f)))
                if z:
                    x[at] = z
                x[at + 1 + bucket_of(f["edges"], float(value))] = 1.0
            at += _width(f)
        return x

    def dense(self, context: Mapping[str, Any]) -> Any:
        import numpy as np

        x = np.zeros(self.dimension)
        for i, v in self.vector(context).items():
            x[i] = v
        return x

    def segments(self, context: Mapping[str, Any]) -> list[str]:
        """The segments `<field>=<value or bucket>` the context falls in, one per declared field."""
        out = []
        for f in self.fields:
            value = context.get(f["name"])
            if value is None:
                label = MISSING
            elif f["kind"] == "categorical":
                label = str(value) if str(value) in f["values"] else OTHER
            else:
                label = bucket_labels(f["edges"])[bucket_of(f["edges"], float(value))]
            out.append(f"{f['name']}={label}")
        return out

    def segment_contexts(self) -> dict[str, dict[str, Any]]:
        """A representative context per declared segment (the field set, the others missing): the policy's rows."""
        out: dict[str, dict[str, Any]] = {}
        for f in self.fields:
            if f["kind"] == "categorical":
                for v in f["values"]:
                    out[f"{f['name']}={v}"] = {f["name"]: v}
            else:
                edges = [float(e) for e in f["edges"]]
                for i, label in enumerate(bucket_labels(edges)):
                    out[f"{f['name']}={label}"] = {f["name"]: _representative(edges, i)}
        return out


def _width(field: Mapping[str, Any]) -> int:
    return len(field["values"]) if field["kind"] == "categorical" else 2 + len(field["edges"])


def centre(field: Mapping[str, Any]) -> float:
    if field.get("mean") is not None:
        return float(field["mean"])
    edges = [float(e) for e in field["edges"]]
    return (edges[0] + edges[-1]) / 2


def scale(field: Mapping[str, Any]) -> float:
    if field.get("sd") is not None:
        return float(field["sd"])
    edges = [float(e) for e in field["edges"]]
    return (edges[-1] - edges[0]) / 2 or 1.0


def bucket_of(edges: Sequence[float], value: float) -> int:
    """Index of the bucket holding `value`: 0 below the first edge, i for [edge i-1, edge i), len(edges) from the last."""
    return sum(value >= float(e) for e in edges)


def bucket_labels(edges: Sequence[float]) -> list[str]:
    e = [_number(float(x)) for x in edges]
    inner = ["[" + e[i] + "," + e[i + 1] + ")" for i in range(len(e) - 1)]
    return ["<" + e[0], *inner, ">=" + e[-1]]


def _representative(edges: list[float], bucket: int) -> float:
    if bucket == 0:
        return edges[0] - (edges[-1] - edges[0]) / 2 if len(edges) > 1 else edges[0] - 1.0
    if bucket == len(edges):
        return edges[-1] + (edges[-1] - edges[0]) / 2 if len(edges) > 1 else edges[-1] + 1.0
    return (edges[bucket - 1] + edges[bucket]) / 2


# --- the statistics: slot layout and updates ------------------------------------------------------------
# Slot 0: n, 1: sum r, 2: sum r^2, 3 .. 3+d-1: b, then the upper triangle of A row by row.


def slot_count(d: int) -> int:
    return 3 + d + d * (d + 1) // 2


def _a_slot(d: int, i: int, j: int) -> int:
    i, j = min(i, j), max(i, j)
    return 3 + d + i * d - i * (i - 1) // 2 + (j - i)


def observation_deltas(x: Mapping[int, float], d: int, count: float, reward_sum: float, reward_sq_sum: float) -> dict[int, float]:
    """What `count` observations at x with these reward sums add to the slots (negative counts take them back)."""
    out: dict[int, float] = {}
    if count:
        out[0] = count
    if reward_sum:
        out[1] = reward_sum
    if reward_sq_sum:
        out[2] = reward_sq_sum
    items = sorted(x.items())
    for i, xi in items:
        if reward_sum:
            out[3 + i] = reward_sum * xi
        if count:
            for j, xj in items:
                if j >= i:
                    out[_a_slot(d, i, j)] = count * xi * xj
    return {k: v for k, v in out.items() if v}


def reward_deltas(metric: str, deltas: Mapping[str, float]) -> tuple[float, float, float]:
    """(count, sum r, sum r^2) of a feedback change's counter deltas: rated feedback and successes, or ratings."""
    if metric == "success":
        return float(deltas.get("rated", 0) or 0), float(deltas.get("successes", 0) or 0), float(deltas.get("successes", 0) or 0)
    return (
        float(deltas.get("rating_count", 0) or 0),
        float(deltas.get("rating_sum", 0) or 0),
        float(deltas.get("rating_sq_sum", 0) or 0),
    )


def prior_mean(metric: str) -> float:
    """m0: the reward the model predicts where it knows nothing (x . beta = 0)."""
    return _PRIOR[metric][0]


@dataclass(frozen=True)
class Posterior:
    """One variant's posterior: mean mu, covariance factor (LAMBDA I + A)^-1, noise variance, observations."""

    n: float
    mean: Any
    precision_inverse: Any
    noise: float

    def predictive(self, x: Any) -> tuple[float, float]:
        """Mean and sd of x . beta (the expected reward less the prior mean)."""
        m = float(x @ self.mean)
        v = float(x @ self.precision_inverse @ x) * self.noise
        return m, math.sqrt(max(v, 0.0))


def posterior(slots: Mapping[int, float], d: int, metric: str) -> Posterior:
    """The posterior of one variant from its slots (missing slots are 0)."""
    import numpy as np

    m0, s0 = _PRIOR[metric]
    n, total, squares = (float(slots.get(k, 0.0)) for k in range(3))
    b = np.array([float(slots.get(3 + i, 0.0)) for i in range(d)])
    a = np.zeros((d, d))
    for i in range(d):
        for j in range(i, d):
            a[i, j] = a[j, i] = float(slots.get(_a_slot(d, i, j), 0.0))
    centred_b = b - m0 * a[0]  # sum x (r - m0); x_0 = 1, so row 0 of A is sum x
    precision = a + LAMBDA * np.eye(d)
    mean = np.linalg.solve(precision, centred_b)
    centred_squares = squares - 2 * m0 * total + m0 * m0 * n
    residual = max(0.0, centred_squares - float(mean @ centred_b))
    noise = max(1e-4, (_PRIOR_WEIGHT * s0 + residual) / (_PRIOR_WEIGHT + n))
    return Posterior(n, mean, np.linalg.inv(precision), noise)


def probabilities(posteriors: Sequence[Posterior], x: Any) -> list[float]:
    """Each variant's Thompson probability (of the highest draw of x . beta) at context vector x."""
    import numpy as np

    from .optimizer import normal_best_probabilities

    if len(posteriors) == 1:
        return [1.0]
    moments = [p.predictive(x) for p in posteriors]
    best = normal_best_probabilities(np.array([[m for m, _ in moments]]), np.array([[s for _, s in moments]]))[0]
    return [float(p) for p in best]


def shares(posteriors: Sequence[Posterior], x: Any, floor: float) -> list[float]:
    """The Thompson probabilities floored at `floor` (as the optimiser floors its weights)."""
    from .optimizer import floored

    return [float(w) for w in floored([probabilities(posteriors, x)], floor)[0]]
