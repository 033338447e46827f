"""The contextual sampler against closed forms: the encoding, the additive statistics, the ridge posterior, the probabilities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from chalicelib.experiments import contextual

FIELDS = [
    {"name": "device", "kind": "categorical", "values": ["mobile", "desktop", "tablet"]},
    {"name": "aspect", "kind": "numeric", "edges": [0.75, 1.25]},
    {"name": "locale", "kind": "categorical", "values": ["en-US", "fr-FR"]},
]


def test_encoding_columns_vector_and_segments() -> None:
    encoder = contextual.Encoder.of(FIELDS)
    assert encoder.names() == [
        "intercept",
        "device=mobile",
        "device=desktop",
        "device=tablet",
        "aspect",
        "aspect=<0.75",
        "aspect=[0.75,1.25)",
        "aspect=>=1.25",
        "locale=en-US",
        "locale=fr-FR",
    ]
    # aspect standardised by the edges' midpoint 1.0 and half-span 0.25: 1.5 -> 2.0, in the last bucket.
    assert encoder.vector({"device": "tablet", "aspect": 1.5, "locale": "de-DE"}) == {0: 1.0, 3: 1.0, 4: 2.0, 7: 1.0}
    assert encoder.vector({"aspect": 100.0}) == {0: 1.0, 4: contextual.Z_CLIP, 7: 1.0}
    assert encoder.vector({}) == {0: 1.0}
    assert encoder.segments({"device": "tablet", "aspect": 0.75, "locale": "de-DE"}) == [
        "device=tablet",
        "aspect=[0.75,1.25)",
        "locale=(other)",
    ]
    assert encoder.segments({}) == ["device=(missing)", "aspect=(missing)", "locale=(missing)"]


def _workload(seed: int, n: int) -> tuple[contextual.Encoder, list[dict[str, object]], np.ndarray]:
    rng = np.random.default_rng(seed)
    encoder = contextual.Encoder.of(FIELDS)
    contexts: list[dict[str, object]] = [
        {
            "device": ["mobile", "desktop", "tablet"][int(rng.integers(3))],
            "aspect": float(rng.uniform(0.4, 1.8)),
            "locale": ["en-US", "fr-FR", "es-ES"][int(rng.integers(3))],
        }
        for _ in range(n)
    ]
    rewards = rng.integers(1, 6, size=n).astype(float)
    return encoder, contexts, rewards


def _accumulate(encoder: contextual.Encoder, contexts: list[dict[str, object]], rewards: np.ndarray) -> dict[int, float]:
    slots: dict[int, float] = {}
    for context, r in zip(contexts, rewards, strict=True):
        for k, v in contextual.observation_deltas(encoder.vector(context), encoder.dimension, 1.0, r, r * r).items():
            slots[k] = slots.get(k, 0.0) + v
    return slots


@pytest.mark.parametrize("metric", ["rating", "success"])
def test_posterior_mean_is_the_ridge_solution(metric: str) -> None:
    encoder, contexts, rewards = _workload(7, 300)
    if metric == "success":
        rewards = (rewards >= 4).astype(float)
    d = encoder.dimension
    post = contextual.posterior(_accumulate(encoder, contexts, rewards), d, metric)

    x = np.array([encoder.dense(c) for c in contexts])
    y = rewards - contextual.prior_mean(metric)
    # Ridge as ordinary least squares on the system augmented with sqrt(lambda) I and zeros.
    augmented_x = np.vstack([x, math.sqrt(contextual.LAMBDA) * np.eye(d)])
    augmented_y = np.concatenate([y, np.zeros(d)])
    ridge = np.linalg.lstsq(augmented_x, augmented_y, rcond=None)[0]
    assert np.max(np.abs(post.mean - ridge)) < 1e-9
    assert np.max(np.abs(post.precision_inverse - np.linalg.inv(x.T @ x + contextual.LAMBDA * np.eye(d)))) < 1e-9
    assert post.n == 300

    # The noise variance: prior variance s0 (weight 2) pooled with the residual sum of squares plus the penalty.
    s0 = {"success": 0.25, "rating": 1.0}[metric]
    residual = float(np.sum((y - x @ ridge) ** 2) + contextual.LAMBDA * ridge @ ridge)
    assert post.noise == pytest.approx((2 * s0 + residual) / (2 + 300), rel=1e-9)
    probe = encoder.dense({"device": "mobile", "aspect": 1.1, "locale": "fr-FR"})
    mean, sd = post.predictive(probe)
    assert mean == pytest.approx(float(probe @ ridge), abs=1e-12)
    assert sd == pytest.approx(math.sqrt(post.noise * probe @ np.linalg.inv(x.T @ x + np.eye(d)) @ probe), rel=1e-9)


def test_a_replaced_or_erased_feedback_leaves_exactly_its_replacement() -> None:
    encoder, contexts, rewards = _workload(3, 50)
    d = encoder.dimension
    base = _accumulate(encoder, contexts, rewards)
    x = encoder.vector(contexts[0])
    # Replacing the first feedback's reward r by 5: the difference is 0 trials, reward 5 - r, squares 25 - r^2.
    r = rewards[0]
    replaced = dict(base)
    for k, v in contextual.observation_deltas(x, d, 0.0, 5.0 - r, 25.0 - r * r).items():
        replaced[k] = replaced.get(k, 0.0) + v
    expected = _accumulate(encoder, contexts, np.concatenate([[5.0], rewards[1:]]))
    assert set(replaced) <= set(expected) | set(base)
    assert all(abs(replaced.get(k, 0.0) - expected.get(k, 0.0)) < 1e-9 for k in set(replaced) | set(expected))
    # Erasing it: minus one trial with its reward.
    erased = dict(replaced)
    for k, v in contextual.observation_deltas(x, d, -1.0, -5.0, -25.0).items():
        erased[k] = erased.get(k, 0.0) + v
    rest = _accumulate(encoder, contexts[1:], rewards[1:])
    assert all(abs(erased.get(k, 0.0) - rest.get(k, 0.0)) < 1e-9 for k in set(erased) | set(rest))
    assert contextual.slot_count(d) == 3 + d + d * (d + 1) // 2


def test_two_variants_probability_is_the_normal_closed_form() -> None:
    encoder, contexts, rewards = _workload(11, 120)
    d = encoder.dimension
    first = contextual.posterior(_accumulate(encoder, contexts[:60], rewards[:60]), d, "rating")
    second = contextual.posterior(_accumulate(encoder, contexts[60:], rewards[60:]), d, "rating")
    x = encoder.dense({"device": "desktop", "aspect": 0.6})
    (m1, s1), (m2, s2) = first.predictive(x), second.predictive(x)
    p = contextual.probabilities([first, second], x)
    assert p[0] == pytest.approx(norm.cdf((m1 - m2) / math.hypot(s1, s2)), abs=1e-9)
    assert sum(p) == pytest.approx(1.0, abs=1e-12)
    floored = contextual.shares([first, second], x, 0.2)
    assert min(floored) >= 0.2 - 1e-12 and sum(floored) == pytest.approx(1.0, abs=1e-12)


def test_with_no_observations_the_variants_are_exchangeable() -> None:
    encoder = contextual.Encoder.of(FIELDS)
    posts = [contextual.posterior({}, encoder.dimension, "success") for _ in range(3)]
    assert contextual.probabilities(posts, encoder.dense({"device": "mobile"})) == pytest.approx([1 / 3] * 3, abs=1e-9)
