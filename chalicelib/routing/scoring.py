"""How a candidate model is scored for a request (pure functions; docs/routing.md has the formulas).

score = reliability x (w_q x (quality + exploration) + w_s x speed + w_c x cost) + w_u x (user preference - 0.5) + bonuses

- quality: the mean quality score of the model's feedback on this task, shrunk toward the
  prior (the mapping's suitability, or 0.4 when unmapped) with 8 pseudo-observations;
- exploration: c x sqrt(q (1 - q) x (1 + ln(1 + N)) / (8 + n)), n the model's rated answers on
  this task and N all models' there: optimism while evidence is thin (an upper confidence
  bound), so an untried model gets tried, an unlucky one is tried again as the task's evidence
  grows, and the bonus fades as the model's own feedback accumulates;
- reliability: the share of calls that succeeded, shrunk toward 1 with 5 pseudo-calls;
- speed: 1 / (1 + latency / 1 s), the latency learned from calls, shrunk toward the catalog's;
- cost: 1 / (1 + expected cost / $0.001), from the catalog's prices and the request's tokens;
- the weights follow the request's priority; a budget nearly spent (on_budget: downgrade) adds
  weight to cost; the user's own feedback on the model moves its score by up to +-0.15.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..catalog.schemas import COMPLEXITY_ORDER, MappingPut, ModelPut, TaskPut
from ..catalog.stats import Evidence

UNMAPPED_PRIOR = 0.4
QUALITY_PSEUDO = 8.0
RELIABILITY_PSEUDO = 5.0
LATENCY_PSEUDO = 3.0
COST_PSEUDO = 3.0
USER_PSEUDO = 4.0
USER_WEIGHT = 0.3
DEFAULT_LATENCY_MS = 2000.0
DEFAULT_OUTPUT_TOKENS = 500
EXPLORATION = 0.5
WEIGHTS = {"speed": (0.6, 0.25, 0.15), "balanced": (0.7, 0.15, 0.15), "quality": (0.85, 0.05, 0.1)}
DOWNGRADE_WEIGHT = 2.0  # at a fully committed budget, cost outweighs everything else


@dataclass
class Request:
    category_key: str
    priority: str
    complexity: str
    required_capabilities: list[str]
    input_tokens: int
    output_tokens: int
    budget_pressure: float = 0.0
    task_evidence: float = 0.0  # rated answers on this task, all models together


@dataclass
class Scored:
    model_id: str
    model: ModelPut
    score: float
    reasons: list[str]
    expected_cost_usd: float
    max_cost_usd: float
    base_score: float = 0.0  # without the user's preference
    quality: float = 0.0
    components: dict[str, float] = field(default_factory=dict)


def exclusion(model_id: str, model: ModelPut, mapping: MappingPut | None, request: Request, available: bool) -> str | None:
    """Why a model cannot serve the request, or None."""
    if not model.is_active:
        return "inactive (deprecated)"
    if not available:
        return f"provider {model.provider} has no credentials configured"
    missing = [cap for cap in request.required_capabilities if cap not in model.capabilities]
    if missing:
        return f"lacks required capabilit{'ies' if len(missing) > 1 else 'y'} {', '.join(missing)}"
    needed = request.input_tokens + request.output_tokens
    if model.context_window is not None and needed > model.context_window:
        return f"context window of {model.context_window} tokens is below the {needed} this request needs"
    if mapping is not None:
        level = COMPLEXITY_ORDER[request.complexity]
        if mapping.min_complexity and level < COMPLEXITY_ORDER[mapping.min_complexity]:
            return f"mapped for {mapping.min_complexity} tasks and above; this one is {request.complexity}"
        if mapping.max_complexity and level > COMPLEXITY_ORDER[mapping.max_complexity]:
            return f"mapped for {mapping.max_complexity} tasks and below; this one is {request.complexity}"
    return None


def expected_cost(model: ModelPut, input_tokens: float, output_tokens: float) -> float:
    return (
        input_tokens / 1000 * model.cost_per_1k_input + output_tokens / 1000 * model.cost_per_1k_output + model.cost_per_request
    )


def score(
    model_id: str,
    model: ModelPut,
    mapping: MappingPut | None,
    category: TaskPut,
    request: Request,
    evidence: Evidence,
    user: Evidence | None,
) -> Scored:
    reasons: list[str] = []
    prior = mapping.suitability_score if mapping else UNMAPPED_PRIOR
    reasons.append(
        f"suitability {prior:.2f} from the {request.category_key} mapping"
        if mapping
        else f"not mapped to {request.category_key}: prior {prior:.2f}"
    )

    quality = (QUALITY_PSEUDO * prior + evidence.quality_sum) / (QUALITY_PSEUDO + evidence.quality_count)
    if evidence.quality_count:
        reasons.append(
            f"feedback: mean quality {evidence.mean_quality:.2f} over {int(evidence.quality_count)} rated answers "
            f"(estimate {quality:.2f})"
        )
    else:
        reasons.append("no feedback yet on this task: quality estimate is the prior")

    exploration = EXPLORATION * math.sqrt(
        quality * (1 - quality) * (1 + math.log1p(request.task_evidence)) / (QUALITY_PSEUDO + evidence.quality_count)
    )

    ok = evidence.attempts - evidence.errors
    reliability = (RELIABILITY_PSEUDO + ok) / (RELIABILITY_PSEUDO + evidence.attempts)
    if evidence.errors:
        reasons.append(f"{int(evidence.errors)} of {int(evidence.attempts)} calls failed (reliability {reliability:.2f})")

    catalog_latency = model.average_speed_ms if model.average_speed_ms is not None else DEFAULT_LATENCY_MS
    latency = (LATENCY_PSEUDO * catalog_latency + evidence.processing_ms_sum) / (LATENCY_PSEUDO + evidence.processing_count)
    speed = 1 / (1 + latency / 1000)
    learned = f", learned from {int(evidence.processing_count)} calls" if evidence.processing_count else " (catalog)"
    reasons.append(f"speed ~{latency:.0f} ms{learned}")

    priced = expected_cost(model, request.input_tokens, request.output_tokens / 2)
    cost = (COST_PSEUDO * priced + evidence.cost_usd) / (COST_PSEUDO + evidence.requests) if evidence.requests else priced
    cost_score = 1 / (1 + cost / 0.001)
    reasons.append(f"cost ~${cost:.5f} per request" if cost else "no cost")

    w_q, w_s, w_c = WEIGHTS[request.priority]
    if request.budget_pressure > 0.5:
        w_c += DOWNGRADE_WEIGHT * (request.budget_pressure - 0.5) * 2
        reasons.append(f"budget {request.budget_pressure:.0%} committed: cost weighs more")
    base = reliability * (w_q * (quality + exploration) + w_s * speed + w_c * cost_score)
    bonus = 0.0
    if mapping is not None and mapping.is_recommended:
        bonus += 0.02
    if mapping is not None and mapping.recommended_for_priority == request.priority:
        bonus += 0.02
        reasons.append(f"recommended for priority {request.priority}")
    preferred = [cap for cap in category.preferred_capabilities if cap in model.capabilities]
    if preferred:
        bonus += min(0.06, 0.02 * len(preferred))
        reasons.append(f"has preferred capabilities {', '.join(preferred)}")
    base += bonus

    total = base
    if user is not None and user.quality_count:
        preference = (USER_PSEUDO * 0.5 + user.quality_sum) / (USER_PSEUDO + user.quality_count)
        total += USER_WEIGHT * (preference - 0.5)
        reasons.append(f"this user's feedback on it: mean quality {user.mean_quality:.2f} over {int(user.quality_count)} answers")
    return Scored(
        model_id=model_id,
        model=model,
        score=round(total, 6),
        reasons=reasons,
        expected_cost_usd=cost,
        max_cost_usd=expected_cost(model, request.input_tokens, request.output_tokens),
        base_score=round(base, 6),
        quality=quality,
        components={
            "quality": quality,
            "exploration": exploration,
            "reliability": reliability,
            "speed": speed,
            "cost": cost_score,
        },
    )


TEMPERATURE = 0.05


def share(scores: list[float], chosen: float) -> float:
    """The softmax weight of the `chosen` score among the candidates' scores."""
    top = max(scores)
    return round(math.exp((chosen - top) / TEMPERATURE) / sum(math.exp((s - top) / TEMPERATURE) for s in scores), 4)


def confidence(scores: list[float]) -> float:
    """How clearly the best candidate wins: its softmax weight (1.0 when it is the only one)."""
    return share(scores, max(scores)) if scores else 0.0
