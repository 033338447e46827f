"""Routing's scoring: hard filters, shrinkage toward the prior, learning from feedback, priorities, confidence."""

from __future__ import annotations

import pytest

from chalicelib.catalog.schemas import MappingPut, ModelPut, TaskPut
from chalicelib.catalog.stats import Evidence
from chalicelib.routing import scoring

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
    mapping = MappingPut(suitability_score=0.9)
    fresh = scoring.score("m", model(), mapping, TASK, request(), Evidence(), None)
    assert fresh.quality == pytest.approx(0.9)
    few_bad = scoring.score("m", model(), mapping, TASK, request(), Evidence(quality_count=2, quality_sum=0.0), None)
    assert few_bad.quality == pytest.approx(8 * 0.9 / 10)
    many_bad = scoring.score("m", model(), mapping, TASK, request(), Evidence(quality_count=200, quality_sum=20.0), None)
    assert many_bad.quality == pytest.approx((8 * 0.9 + 20) / 208)
    assert fresh.score > few_bad.score > many_bad.score


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


def test_priority_trades_quality_for_speed_and_cost() -> None:
    slow_good = model(average_speed_ms=4000, cost_per_1k_output=0.03)
    fast_cheap = model(average_speed_ms=300, cost_per_1k_output=0.0004)
    good, fine = MappingPut(suitability_score=0.95), MappingPut(suitability_score=0.7)

    def winner(priority: str) -> str:
        first = scoring.score("slow_good", slow_good, good, TASK, request(priority=priority), Evidence(), None)
        second = scoring.score("fast_cheap", fast_cheap, fine, TASK, request(priority=priority), Evidence(), None)
        return max([first, second], key=lambda s: s.score).model_id

    assert winner("speed") == "fast_cheap"
    assert winner("quality") == "slow_good"


def test_failures_lower_reliability_and_budget_pressure_favours_cost() -> None:
    flaky = scoring.score("m", model(), None, TASK, request(), Evidence(attempts=20, errors=10), None)
    assert flaky.components["reliability"] == pytest.approx((5 + 10) / 25)
    dear = model(cost_per_1k_output=0.05)
    relaxed = scoring.score("m", dear, None, TASK, request(), Evidence(), None)
    pressed = scoring.score("m", dear, None, TASK, request(budget_pressure=0.9), Evidence(), None)
    cheap = model(cost_per_1k_output=0.0001)
    assert pressed.score - scoring.score("c", cheap, None, TASK, request(budget_pressure=0.9), Evidence(), None).score < (
        relaxed.score - scoring.score("c", cheap, None, TASK, request(), Evidence(), None).score
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
