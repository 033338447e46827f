"""Routing's scoring: hard filters, the posterior around the prior, learning from feedback, priorities, confidence."""

from __future__ import annotations

import numpy as np
import pytest

from chalicelib.catalog.schemas import MappingPut, ModelPut, TaskPut
from chalicelib.model_stats.evidence import Evidence
from chalicelib.routing import objective, scoring

TASK = TaskPut(category_name="Captions", required_capabilities=["text_generation"], typical_max_tokens=500)


def model(**overrides) -> ModelPut:
    base = {
        "model_name": "m",
        "provider": "openai",
        "capabilities": ["text_generation"],
        "cost_bucket": "low",
        "cost_per_1k_input": 0.001,
        "cost_per_1k_output": 0.002,
        "context_window": 8000,
        "average_speed_ms": 1000,
    }
    return ModelPut.model_validate(base | overrides)


def request(**overrides) -> scoring.Request:
    base = {
        "category_key": "content_caption",
        "priority": "balanced",
        "complexity": "moderate",
        "required_capabilities": ["text_generation"],
        "input_tokens": 100,
        "output_tokens": 500,
    }
    return scoring.Request(**(base | overrides))


def test_hard_filters_name_the_reason() -> None:
    assert scoring.exclusion("m", model(is_active=False), None, request(), True) == "inactive (deprecated)"
    assert "no credentials" in scoring.exclusion("m", model(), None, request(), False)
    missing = scoring.exclusion("m", model(), None, request(required_capabilities=["text_generation", "vision"]), True)
    assert missing == "lacks required capability vision"
    small = scoring.exclusion("m", model(context_window=500), None, request(input_tokens=400), True)
    assert small == "context window of 500 tokens is below the 900 this request needs"
    mapped = MappingPut(suitability_score=0.9, min_complexity="complex")
    assert "complex tasks and above" in scoring.exclusion("m", model(), mapped, request(), True)
    assert scoring.exclusion("m", model(), None, request(), True) is None


def test_quality_starts_at_the_prior_and_shrinks_toward_it() -> None:
    # The prior holds 2 pseudo-answers (8 before the objective of issue 21): feedback overrules the catalog sooner.
    mapping = MappingPut(suitability_score=0.9)
    fresh = scoring.score("m", model(), mapping, TASK, request(), Evidence(), None)
    assert fresh.quality == pytest.approx(0.9)
    assert (fresh.components["alpha"], fresh.components["beta"]) == pytest.approx((1.8, 0.2))
    few_bad = scoring.score("m", model(), mapping, TASK, request(), Evidence(quality_count=2, quality_sum=0.0), None)
    assert few_bad.quality == pytest.approx(2 * 0.9 / 4)
    many_bad = scoring.score("m", model(), mapping, TASK, request(), Evidence(quality_count=200, quality_sum=20.0), None)
    assert many_bad.quality == pytest.approx((2 * 0.9 + 20) / 202)
    assert (many_bad.components["alpha"], many_bad.components["beta"]) == pytest.approx((21.8, 180.2))
    assert fresh.score > few_bad.score > many_bad.score
    recommended = MappingPut(suitability_score=0.9, is_recommended=True, recommended_for_priority="balanced")
    assert scoring.score("m", model(), recommended, TASK, request(), Evidence(), None).quality == pytest.approx(0.94)


def test_enough_bad_feedback_moves_the_route_away() -> None:
    best = MappingPut(suitability_score=0.95)
    second = MappingPut(suitability_score=0.85)
    a, b = model(), model()
    assert (
        scoring.score("a", a, best, TASK, request(), Evidence(), None).score
        > scoring.score("b", b, second, TASK, request(), Evidence(), None).score
    )
    bad = Evidence(quality_count=30, quality_sum=3.0)
    assert (
        scoring.score("a", a, best, TASK, request(), bad, None).score
        < scoring.score("b", b, second, TASK, request(), Evidence(), None).score
    )


def test_priority_states_its_objective() -> None:
    slow_good = model(average_speed_ms=4000, cost_per_1k_output=0.03)
    fast_cheap = model(average_speed_ms=300, cost_per_1k_output=0.0004)
    good, fine = MappingPut(suitability_score=0.95), MappingPut(suitability_score=0.7)

    def winner(priority: str, budget_pressure: float = 0.0) -> str:
        asked = request(priority=priority, budget_pressure=budget_pressure)
        first = scoring.score("slow_good", slow_good, good, TASK, asked, Evidence(), None)
        second = scoring.score("fast_cheap", fast_cheap, fine, TASK, asked, Evidence(), None)
        arms = [scoring.arm(first), scoring.arm(second)]
        return objective.choose(arms, priority, rng=np.random.default_rng(1), budget_pressure=budget_pressure).selected

    # 0.70 is more than 10% below 0.95: even speed keeps the good model; a budget 95% committed takes the cheap one.
    assert winner("speed") == "slow_good"
    assert winner("quality") == "slow_good"
    assert winner("balanced") == "slow_good"
    assert winner("balanced", budget_pressure=0.95) == "fast_cheap"  # within 45.5% of the best


def test_failures_lower_reliability_and_observed_costs_refine_the_price() -> None:
    flaky = scoring.score("m", model(), None, TASK, request(), Evidence(attempts=20, errors=10), None)
    assert flaky.components["reliability"] == pytest.approx((5 + 10) / 25)
    assert flaky.base_score == pytest.approx(0.6 * 0.4)
    priced = scoring.expected_cost(model(), 100, 250)
    assert scoring.score("m", model(), None, TASK, request(), Evidence(), None).expected_cost_usd == pytest.approx(priced)
    called = Evidence(requests=10, attempts=5, cost_usd=0.01)  # 5 calls made through generations, 5 sessions from outside
    assert scoring.score("m", model(), None, TASK, request(), called, None).expected_cost_usd == pytest.approx(
        (3 * priced + 0.01) / 8
    )


def test_a_users_own_feedback_moves_the_score() -> None:
    liked = scoring.score("m", model(), None, TASK, request(), Evidence(), Evidence(quality_count=6, quality_sum=6.0))
    neutral = scoring.score("m", model(), None, TASK, request(), Evidence(), None)
    assert liked.score == pytest.approx(neutral.score + 0.3 * ((2 + 6) / 10 - 0.5))
    assert liked.base_score == neutral.base_score


def test_confidence_is_the_softmax_weight_of_the_best() -> None:
    assert scoring.confidence([0.7]) == 1.0
    assert scoring.confidence([0.5, 0.5]) == 0.5
    assert scoring.confidence([0.9, 0.5, 0.4]) > 0.99
    assert scoring.expected_cost(model(), 1000, 2000) == pytest.approx(0.001 + 0.004)
