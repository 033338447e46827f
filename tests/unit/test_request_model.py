"""Request-level routing's model against an independent computation from the raw observations."""

from __future__ import annotations

import random

import numpy as np
import pytest

from chalicelib.routing import features, request_model

WORDS = ["caption", "mug", "linen", "campaign", "funnel", "quarter", "audience", "vase", "for", "the", "our"]


def observations(seed: int, n: int) -> list[tuple[dict[int, float], float]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text = " ".join(rng.choices(WORDS, k=rng.randint(2, 9)))
        x = features.encode(text, {"device": rng.choice(["mobile", "desktop"]), "width": rng.choice([320, 1080])}).x
        out.append((x, float(rng.random() < 0.7)))
    return out


def accumulated(obs: list[tuple[dict[int, float], float]]) -> dict[int, int]:
    slots: dict[int, int] = {}
    for x, r in obs:
        for slot, value in request_model.observation_deltas(x, 1, r).items():
            slots[slot] = slots.get(slot, 0) + value
    return slots


def dense(x: dict[int, float]) -> np.ndarray:
    out = np.zeros(features.DIMENSION)
    for i, v in x.items():
        out[i] = v
    return out


@pytest.mark.parametrize("prior", [0.5, 0.8])
def test_the_posterior_is_the_ridge_solution_of_the_observations(prior: float) -> None:
    obs = observations(3, 60)
    state = request_model.state_of(accumulated(obs))
    # Independent: least squares on the observations stacked under the prior's pseudo-rows.
    d = features.DIMENSION
    rows = [np.sqrt(np.diag([request_model.PRIOR_WEIGHT] + [request_model.RIDGE] * (d - 1)))]
    targets = [np.concatenate([[np.sqrt(request_model.PRIOR_WEIGHT) * prior], np.zeros(d - 1)])]
    rows.append(np.array([dense(x) for x, _ in obs]))
    targets.append(np.array([r for _, r in obs]))
    design, target = np.vstack(rows), np.concatenate(targets)
    mu, *_ = np.linalg.lstsq(design, target, rcond=None)
    assert np.allclose(state.weights(prior), mu, atol=1e-6)
    # The residual sum of squares (binary rewards: sum r^2 = sum r exactly), shrunk toward a coin's variance.
    residual = float(np.sum((design @ mu - target) ** 2))
    expected = (request_model.PRIOR_WEIGHT * 0.25 + residual) / (request_model.PRIOR_WEIGHT + len(obs))
    assert state.noise(prior) == pytest.approx(min(0.25, max(0.01, expected)), abs=1e-6)
    # The predictive sd at a request: s * sqrt(x^T (L0 + A)^-1 x).
    x = dense(obs[0][0])
    cov = np.linalg.inv(design.T @ design)
    at = request_model.posterior_at(state, x, prior)
    assert at.centre == pytest.approx(float(x @ mu), abs=1e-6)
    assert at.sd == pytest.approx(float(np.sqrt(state.noise(prior) * x @ cov @ x)), abs=1e-6)


def test_without_words_or_features_it_is_the_per_category_beta_mean() -> None:
    rewards = [1.0, 0.0, 1.0, 1.0, 0.25]
    slots: dict[int, int] = {}
    for r in rewards:
        for slot, value in request_model.observation_deltas({0: 1.0}, 1, r).items():
            slots[slot] = slots.get(slot, 0) + value
    state = request_model.state_of(slots)
    x = dense({0: 1.0})
    assert request_model.posterior_at(state, x, 0.6).centre == pytest.approx((2 * 0.6 + sum(rewards)) / (2 + 5))


def test_a_replacement_and_an_erasure_move_the_slots_by_exactly_the_difference() -> None:
    (x, _), *_ = observations(4, 1)
    first = request_model.observation_deltas(x, 1, 1.0)
    change = request_model.observation_deltas(x, 0, -0.75)
    erased = request_model.observation_deltas(x, -1, -0.25)
    total: dict[int, int] = {}
    for part in (first, change, erased):
        for slot, value in part.items():
            total[slot] = total.get(slot, 0) + value
    assert {slot: value for slot, value in total.items() if value} == {}


def test_the_encoding_is_bounded_and_keeps_no_text() -> None:
    encoded = features.encode([{"role": "user", "content": "Caption  for our LINEN mug, for the shop!"}], {"tags": ["a", "b"]})
    assert [t.name for t in encoded.terms if t.kind == "word"] == ["caption", "for", "our", "linen", "mug", "the", "shop"]
    assert {t.name for t in encoded.terms if t.kind == "feature"} == {"tags=a", "tags=b"}
    assert all(0 <= i < features.DIMENSION and isinstance(v, float) for i, v in encoded.x.items())
    assert features.text_of({"role": "user", "content": "hi", "meta": {"note": "there"}}) == "hi there"
    assert not features.encode(None, {}).informative and features.encode("hello", {}).informative
