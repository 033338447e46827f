"""What routing knows of each candidate model for a request (pure functions; docs/routing.md has the formulas).

For each eligible model, on the request's category:

- satisfaction: a Beta posterior of the probability that an answer satisfies its user,
  Beta(2 x prior + sum of quality scores, 2 x (1 - prior) + rated answers - that sum); the prior is
  the mapping's suitability (0.4 when unmapped) plus the mapping's and the category's bonuses
  (+0.02 recommended, +0.02 recommended for the priority, +0.02 per preferred capability, at most
  0.06), held by 2 pseudo-answers: a small weight, so feedback overrules the catalog quickly;
- reliability: the share of calls that succeeded, shrunk toward 1 with 5 pseudo-calls;
- latency: learned from calls, shrunk toward the catalog's with 3 pseudo-calls;
- cost: the catalog's price for the request's input tokens and half its output budget, shrunk toward
  the observed cost per successful call with 3 pseudo-calls;
- the user's own preference: 0.3 x ((2 + the user's quality sum) / (4 + the user's rated answers) - 0.5).

`objective.choose` turns these into the pick (the priority's objective, Thompson sampling, exploration).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..catalog.schemas import COMPLEXITY_ORDER, MappingPut, ModelPut, TaskPut
from ..model_stats.evidence import Evidence
from ..model_stats.figures import USER_PSEUDO
from .objective import Arm, BetaPosterior

UNMAPPED_PRIOR = 0.4
PRIOR_WEIGHT = 2.0  # pseudo-answers behind the catalog's prior
PRIOR_RANGE = (0.01, 0.99)
RELIABILITY_PSEUDO = 5.0
LATENCY_PSEUDO = 3.0
COST_PSEUDO = 3.0
USER_WEIGHT = 0.3
DEFAULT_LATENCY_MS = 2000.0
DEFAULT_OUTPUT_TOKENS = 500


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
    """The candidate's posterior, reliability, latency, cost and the user's preference, with their reasons.

    `score` is the estimated satisfaction at the posterior's mean (reliability x mean + the user's
    preference); routing replaces it with what the objective compared (a Thompson sample once rated).
    """
    reasons: list[str] = []
    suitability = mapping.suitability_score if mapping else UNMAPPED_PRIOR
    reasons.append(
        f"suitability {suitability:.2f} from the {request.category_key} mapping"
        if mapping
        else f"not mapped to {request.category_key}: prior {suitability:.2f}"
    )
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
    prior = min(PRIOR_RANGE[1], max(PRIOR_RANGE[0], suitability + bonus))

    post = posterior(prior, evidence)
    quality = post.mean
    if evidence.quality_count:
        reasons.append(
            f"feedback: mean quality {evidence.mean_quality:.2f} over {int(evidence.quality_count)} rated answers "
            f"(estimate {quality:.2f})"
        )
    else:
        reasons.append(f"no feedback yet on this task: satisfaction estimate is the prior ({quality:.2f})")

    ok = evidence.attempts - evidence.errors
    reliability = (RELIABILITY_PSEUDO + ok) / (RELIABILITY_PSEUDO + evidence.attempts)
    if evidence.errors:
        reasons.append(f"{int(evidence.errors)} of {int(evidence.attempts)} calls failed (reliability {reliability:.2f})")

    catalog_latency = model.average_speed_ms if model.average_speed_ms is not None else DEFAULT_LATENCY_MS
    latency = (LATENCY_PSEUDO * catalog_latency + evidence.processing_ms_sum) / (LATENCY_PSEUDO + evidence.processing_count)
    learned = f", learned from {int(evidence.processing_count)} calls" if evidence.processing_count else " (catalog)"
    reasons.append(f"speed ~{latency:.0f} ms{learned}")

    priced = expected_cost(model, request.input_tokens, request.output_tokens / 2)
    calls = max(0.0, ok)  # sessions recorded from outside (POST /v1/sessions) carry no cost: only calls count
    cost = (COST_PSEUDO * priced + evidence.cost_usd) / (COST_PSEUDO + calls) if calls else priced
    reasons.append(f"cost ~${cost:.5f} per request" if cost else "no cost")
    if request.budget_pressure > 0.5:
        reasons.append(f"budget {request.budget_pressure:.0%} committed: the cheapest within a wider tolerance")

    base = reliability * quality
    shift = 0.0
    if user is not None and user.quality_count:
        preference = (USER_PSEUDO * 0.5 + user.quality_sum) / (USER_PSEUDO + user.quality_count)
        shift = USER_WEIGHT * (preference - 0.5)
        reasons.append(f"this user's feedback on it: mean quality {user.mean_quality:.2f} over {int(user.quality_count)} answers")
    return Scored(
        model_id=model_id,
        model=model,
        score=round(base + shift, 6),
        reasons=reasons,
        expected_cost_usd=cost,
        max_cost_usd=expected_cost(model, request.input_tokens, request.output_tokens),
        base_score=round(base, 6),
        quality=quality,
        components={
            "prior": prior,
            "alpha": post.alpha,
            "beta": post.beta,
            "rated": evidence.quality_count,
            "reliability": reliability,
            "latency_ms": latency,
            "cost_usd": cost,
            "user_shift": shift,
        },
    )


def posterior(prior: float, evidence: Evidence) -> BetaPosterior:
    """Beta(2 x prior + quality sum, 2 x (1 - prior) + rated answers - quality sum)."""
    failures = max(0.0, evidence.quality_count - evidence.quality_sum)
    return BetaPosterior(PRIOR_WEIGHT * prior + evidence.quality_sum, PRIOR_WEIGHT * (1 - prior) + failures)


def arm(scored: Scored) -> Arm:
    """The candidate as the objective sees it."""
    c = scored.components
    return Arm(
        model_id=scored.model_id,
        posterior=BetaPosterior(c["alpha"], c["beta"]),
        rated=c["rated"],
        cost_usd=c["cost_usd"],
        latency_ms=c["latency_ms"],
        reliability=c["reliability"],
        user_shift=c["user_shift"],
    )


TEMPERATURE = 0.05


def share(scores: list[float], chosen: float) -> float:
    """The softmax weight of the `chosen` score among the candidates' scores (a fallback's confidence)."""
    top = max(scores)
    return round(math.exp((chosen - top) / TEMPERATURE) / sum(math.exp((s - top) / TEMPERATURE) for s in scores), 4)


def confidence(scores: list[float]) -> float:
    """How clearly the best candidate wins: its softmax weight (1.0 when it is the only one)."""
    return share(scores, max(scores)) if scores else 0.0
