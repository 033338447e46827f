"""Route a task: filter the catalog to the models that can serve it, estimate them, apply the priority's objective, say why."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..billing import service as billing
from ..catalog import service as catalog
from ..catalog.schemas import TaskPut
from ..core.errors import ValidationFailed
from ..core.settings import get_settings
from ..model_stats import service as model_stats
from ..model_stats.evidence import Evidence
from ..providers.base import count_tokens
from ..tenancy.schemas import Limits
from . import features, objective, request_level, scoring
from .schemas import CandidateView, Excluded, RequestRouting, RequestTermEffect, RouteAnswer, RouteBody, Selected

if TYPE_CHECKING:  # numpy is imported on the first decision: `import app` stays light for every cold start
    import numpy as np


class NoEligibleModel(ValidationFailed):
    code = "no_eligible_model"


@dataclass
class Decision:
    selected: scoring.Scored
    selected_by: str  # auto | user_preference
    confidence: float
    candidates: list[scoring.Scored]  # the eligible ones, in the order to try them (selected first)
    excluded: list[tuple[str, str]]
    category: TaskPut
    request: scoring.Request
    objective: str = ""  # the rule that picked, in words
    explored: bool = False  # picked because it had no rated answer yet on the category
    request_routing: request_level.Assessment | None = None


_evidence_cache: dict[tuple[str, str], tuple[float, dict[str, Evidence]]] = {}
_lock = threading.Lock()
_rng: np.random.Generator | None = None
_rng_lock = threading.Lock()


def reseed(seed: int | None) -> None:
    """Make the Thompson samples reproducible (tests, benchmarks); None draws fresh entropy."""
    import numpy as np

    global _rng
    with _rng_lock:
        _rng = np.random.default_rng(seed)


def _generator() -> np.random.Generator:
    """The process's Thompson sampler, made on first use."""
    if _rng is None:
        reseed(None)
    assert _rng is not None
    return _rng


def decide(
    tenant_id: str,
    body: RouteBody,
    *,
    limits: Limits | None = None,
    prompt: str | None = None,
    request_features: Mapping[str, Any] | None = None,
) -> Decision:
    """Rank the eligible models for the request; `prompt` and `request_features` are a generation's (a route's are
    its body's `input` and `features`): request-level routing reads them."""
    book = catalog.load(tenant_id)
    if body.category_key not in book.categories:
        raise ValidationFailed.field("body.category_key", f"{body.category_key} is not a task category of this tenant", "unknown")
    category = book.category(body.category_key)
    if not category.is_active:
        raise ValidationFailed.field("body.category_key", f"the task category {body.category_key} is inactive", "inactive")
    request_input: Any = body.input if body.input is not None else prompt
    request_features = body.features or request_features or {}
    text = prompt if prompt is not None else features.text_of(body.input)
    input_tokens = body.estimated_input_tokens if body.estimated_input_tokens is not None else count_tokens(text or "")
    downgrade = limits is not None and limits.on_budget == "downgrade" and limits.monthly_budget_usd is not None
    request = scoring.Request(
        category_key=body.category_key,
        priority=body.priority or category.default_priority,
        complexity=body.complexity or category.default_complexity,
        required_capabilities=list(dict.fromkeys([*category.required_capabilities, *body.required_capabilities])),
        input_tokens=input_tokens,
        output_tokens=body.max_tokens or category.typical_max_tokens or scoring.DEFAULT_OUTPUT_TOKENS,
        budget_pressure=billing.pressure(tenant_id, limits) if downgrade and limits else 0.0,
    )
    evidence = _evidence(tenant_id, body.category_key)
    request.task_evidence = sum(e.quality_count for e in evidence.values())
    user = model_stats.user_preferences(tenant_id, body.user_id, body.category_key) if body.user_id else {}

    eligible: list[scoring.Scored] = []
    excluded: list[tuple[str, str]] = []
    for model_id in sorted(book.models):
        model = book.model(model_id)
        mapping = book.mapping(body.category_key, model_id)
        why = scoring.exclusion(model_id, model, mapping, request, catalog.is_available(model.provider))
        if why:
            excluded.append((model_id, why))
            continue
        eligible.append(
            scoring.score(model_id, model, mapping, category, request, evidence.get(model_id, Evidence()), user.get(model_id))
        )
    if not eligible:
        raise NoEligibleModel(
            f"no model of the catalog can serve {body.category_key} now",
            details=[
                {"field": "body.category_key", "message": f"{model_id}: {why}", "type": "excluded"} for model_id, why in excluded
            ],
        )
    encoded = features.encode(request_input, request_features) if request_input is not None or request_features else None
    level = request_level.assess(tenant_id, body.category_key, encoded, eligible)
    arms = [scoring.arm(s) for s in eligible]
    if level.used:  # the same candidates, each with its posterior at this request instead of on the category
        arms = [dataclasses.replace(a, posterior=level.posteriors[a.model_id]) for a in arms]
    rng = _generator()
    with _rng_lock:
        choice = objective.choose(
            arms,
            request.priority,
            rng=rng,
            budget_pressure=request.budget_pressure,
            optimism=request_level.OPTIMISM if level.used else None,
        )
    by_id = {s.model_id: s for s in eligible}
    ranked = [
        dataclasses.replace(
            by_id[model_id],
            score=round(choice.compared[model_id], 4),
            reasons=[
                *choice.reasons[model_id],
                *([request_level.explain(level, model_id)] if level.used else []),
                *by_id[model_id].reasons,
            ],
        )
        for model_id in choice.ranking
    ]
    return Decision(
        selected=ranked[0],
        selected_by="user_preference" if choice.by_user else "auto",
        confidence=choice.confidence,
        candidates=ranked,
        excluded=excluded,
        category=category,
        request=request,
        objective=choice.objective,
        explored=choice.explored,
        request_routing=level,
    )


def route(tenant_id: str, body: RouteBody, limits: Limits | None) -> RouteAnswer:
    decision = decide(tenant_id, body, limits=limits)
    return answer_of(decision)


def answer_of(decision: Decision) -> RouteAnswer:
    level = decision.request_routing
    used = level is not None and level.used

    def terms(model_id: str, count: int) -> list[RequestTermEffect]:
        if not used or level is None:
            return []
        return [
            RequestTermEffect(term=e.name, kind=e.kind, effect=round(e.effect, 4))
            for e in level.effects[model_id][:count]
            if round(e.effect, 4)
        ]

    return RouteAnswer(
        selected=Selected(
            model_id=decision.selected.model_id, confidence_score=decision.confidence, selected_by=decision.selected_by
        ),
        candidates=[
            CandidateView(
                model_id=s.model_id,
                score=s.score,
                reasons=s.reasons,
                expected_cost_usd=round(s.expected_cost_usd, 8),
                estimated_satisfaction=round(s.base_score, 4),
                rated_answers=int(s.components["rated"]),
                request_estimate=round(level.posteriors[s.model_id].mean, 4) if used and level else None,
                request_sd=round(level.posteriors[s.model_id].sd, 4) if used and level else None,
                request_terms=terms(s.model_id, 3),
            )
            for s in decision.candidates
        ],
        excluded=[Excluded(model_id=model_id, reasons=[why]) for model_id, why in decision.excluded],
        priority=decision.request.priority,
        complexity=decision.request.complexity,
        objective=decision.objective,
        explored=decision.explored,
        request_routing=RequestRouting(
            used=used,
            reason=level.reason,
            rated_answers=level.rated,
            needed=request_level.WARM_AFTER,
            terms=terms(decision.selected.model_id, request_level.SHOWN_TERMS),
        )
        if level is not None
        else None,
    )


def _evidence(tenant_id: str, category_key: str) -> dict[str, Evidence]:
    ttl = get_settings().routing_stats_cache_seconds
    key, now = (tenant_id, category_key), time.monotonic()
    with _lock:
        cached = _evidence_cache.get(key)
    if cached and now - cached[0] < ttl:
        return cached[1]
    evidence = model_stats.for_category(tenant_id, category_key)
    with _lock:
        _evidence_cache[key] = (now, evidence)
    return evidence
