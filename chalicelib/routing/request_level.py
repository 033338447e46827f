"""Request-level routing at decision time: each candidate's posterior of satisfaction at this request, or the fallback.

`assess` reads the category's learned statistics (`store.read`, cached per process for
`routing_stats_cache_seconds` like the per-category evidence), solves each model's posterior once
per read (`request_model.state_of`) and evaluates it at the request's x. It decides only when the
request carries input or features and the statistics hold at least `WARM_AFTER` rated answers on
the category (all eligible models together); otherwise routing is per-category, unchanged (the
answer says which and why). The objective (`objective.choose`) then applies to the request-level
posteriors as to the per-category ones: exploration of untried models, Thompson samples, the priority's
rule, the budget's downgrade, the user's preference and each model's reliability; under a band rule
(balanced, speed, a budget's downgrade) the band is drawn around the best Thompson sample and a candidate is
within it when its sample or its upper bound, mean + `OPTIMISM` sd, reaches it (optimistic for the cheaper
model, a Thompson sample for the bar it must reach).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from ..core.settings import get_settings
from . import request_model, store
from .features import Encoded
from .request_model import ArmState, Effect, RequestPosterior
from .scoring import Scored

WARM_AFTER = 20  # rated answers on the category (all eligible models) before request-level routing decides
OPTIMISM = 1.0  # balanced / speed: a candidate is within the band when its sample or its mean + 1 sd reaches it
SHOWN_TERMS = 5

_cache: dict[tuple[str, str], tuple[float, dict[str, ArmState]]] = {}
_lock = threading.Lock()
_empty: ArmState | None = None


@dataclass
class Assessment:
    used: bool
    reason: str
    rated: int = 0
    posteriors: dict[str, RequestPosterior] = field(default_factory=dict)
    effects: dict[str, list[Effect]] = field(default_factory=dict)
    counts: dict[str, float] = field(default_factory=dict)  # each model's rated answers in the statistics


def assess(tenant_id: str, category_key: str, encoded: Encoded | None, eligible: list[Scored]) -> Assessment:
    """Request-level posteriors for the eligible candidates, or why per-category routing decides."""
    if encoded is None or not encoded.informative:
        return Assessment(False, "per-category routing: the request carries no input or features")
    states = _states(tenant_id, category_key)
    rated = round(sum(states[s.model_id].n for s in eligible if s.model_id in states))
    if rated < WARM_AFTER:
        return Assessment(
            False,
            f"per-category routing (cold start): request-level routing has {rated} rated answers on this category "
            f"and decides from {WARM_AFTER}",
            rated,
        )
    x = encoded.dense()
    posteriors: dict[str, RequestPosterior] = {}
    effects: dict[str, list[Effect]] = {}
    counts: dict[str, float] = {}
    for scored in eligible:
        state = states.get(scored.model_id) or _empty_state()
        counts[scored.model_id] = state.n
        prior = scored.components["prior"]
        posteriors[scored.model_id] = request_model.posterior_at(state, x, prior)
        effects[scored.model_id] = request_model.effects(state, encoded.terms, encoded.x, encoded.words, prior)
    return Assessment(
        True,
        f"request-level routing: each model's satisfaction estimated for this request's words and features "
        f"from {rated} rated answers on this category",
        rated,
        posteriors,
        effects,
        counts,
    )


def explain(assessment: Assessment, model_id: str, terms: int = 3) -> str:
    """The reason line of one candidate under request-level routing."""
    post, rated = assessment.posteriors[model_id], round(assessment.counts[model_id])
    moved = ", ".join(f"'{e.name}' {e.effect:+.2f}" for e in assessment.effects[model_id][:terms] if abs(e.effect) >= 0.005)
    return (
        f"for this request: estimated satisfaction {post.mean:.2f} (sd {post.sd:.2f}) from {rated} rated answers "
        f"of this model" + (f"; moved most by {moved}" if moved else "")
    )


def _empty_state() -> ArmState:
    global _empty
    if _empty is None:
        _empty = request_model.empty_state()
    return _empty


def _states(tenant_id: str, category_key: str) -> dict[str, ArmState]:
    ttl = get_settings().routing_stats_cache_seconds
    key, now = (tenant_id, category_key), time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached and now - cached[0] < ttl:
        return cached[1]
    states = {model_id: request_model.state_of(slots) for model_id, slots in store.read(tenant_id, category_key).items()}
    with _lock:
        _cache[key] = (now, states)
    return states


def forget() -> None:
    """Drop the cached statistics (tests)."""
    with _lock:
        _cache.clear()
