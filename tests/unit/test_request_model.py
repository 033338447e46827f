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
    rows = [np.sqrt(np.diag(request_model.prior_precision(d)))]
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


def test_the_length_is_a_piecewise_linear_basis_summing_to_one() -> None:
    # log2(1 + words) on centres 1, 1.5, ..., 8 (x[1..15]): 1 word at x[1], 7 words (3.0) at x[5]; 5 words
    # (log2 6 = 2.585, position 3.17 from the first centre) between x[4] and x[5].
    assert features.length_basis(1) == {1: 1.0}
    assert features.length_basis(7) == {5: 1.0}
    five = features.length_basis(5)
    assert five == {4: pytest.approx(1 - (2 * (np.log2(6) - 1) - 3)), 5: pytest.approx(2 * (np.log2(6) - 1) - 3)}
    assert features.length_basis(10**6) == {features.LENGTH_BINS: 1.0} and features.LENGTH_BINS == 15
    for words in (1, 2, 9, 40, 300):
        basis = features.length_basis(words)
        assert sum(basis.values()) == pytest.approx(1.0) and all(0 < i <= features.LENGTH_BINS for i in basis)
    hashed = {t.index for t in features.encode("a caption for the linen mug", {"device": "mobile"}).terms}
    assert all(features.FIRST_HASHED <= i < features.DIMENSION for i in hashed)


def test_a_cheaper_candidate_is_within_the_band_on_its_upper_bound_the_bar_is_a_thompson_sample() -> None:
    from chalicelib.routing import objective

    def arm(model_id: str, centre: float, sd: float, cost: float) -> objective.Arm:
        return objective.Arm(model_id, request_model.RequestPosterior(centre, sd), 100, cost, 100)

    def picks(arms: list[objective.Arm], optimism: float | None) -> list[str]:
        rng = [np.random.default_rng(s) for s in range(100)]
        return [objective.choose(arms, "balanced", rng=r, optimism=optimism).selected for r in rng]

    # 0.86 is within 5% of 0.90. On Thompson samples alone the band moves with each draw and the premium model is
    # often picked; with optimism 1 the cheap one is in the band while 0.86 + 0.04 >= 0.95 x the premium's sample,
    # i.e. unless that sample is above 0.947 (P = 1 - Phi(1.18) = 0.12): 10 of these 100 draws.
    close = [arm("premium", 0.90, 0.04, 0.01), arm("cheap", 0.86, 0.04, 0.0001)]
    assert picks(close, None).count("premium") == 36
    assert picks(close, 1.0).count("premium") == 10
    # A cheap model well below the band stays out: 0.70 + 0.04 reaches 0.95 x the sample only below 0.78 (3 sd).
    far = [arm("premium", 0.90, 0.04, 0.01), arm("cheap", 0.70, 0.04, 0.0001)]
    assert picks(far, 1.0).count("premium") == 100
    # An underestimated premium model is still tried when its own sample is high: the bar is its draw.
    doubtful = [arm("premium", 0.75, 0.10, 0.01), arm("cheap", 0.70, 0.04, 0.0001)]
    # P(sample > 0.74 / 0.95 = 0.779) = 1 - Phi(0.29) = 0.39: 36 of these 100 draws.
    assert picks(doubtful, 1.0).count("premium") == 36
    # The quality priority is the best sample, optimism or not.
    assert objective.choose(close, "quality", rng=np.random.default_rng(0), optimism=1.0).rule == "best"
