"""Pattern use cases: create, match (ranked by estimated success), record outcomes.

The success rate is estimated as (5 x prior + successes) / (5 + outcomes): the stated rate
(0.5 when none is given) while outcomes are few, the observed rate as they accumulate.
"""

from __future__ import annotations

from ..core import clock, keys, persist, storage
from ..core.errors import NotFound
from ..core.ids import new_id
from ..core.schemas import Page
from . import conditions
from .schemas import MatchRequest, Pattern, PatternCreate, PatternListQuery
from .store import PatternItem, patterns_for, patterns_page

PRIOR_WEIGHT = 5.0
DEFAULT_PRIOR = 0.5


def create_pattern(tenant_id: str, body: PatternCreate) -> Pattern:
    conditions.validate(body.conditions)
    now = clock.iso(clock.now())
    pattern_id = new_id("pat")
    key = keys.pattern(tenant_id, pattern_id)
    item = PatternItem(
        key.pk,
        key.sk,
        id=pattern_id,
        pattern=body.pattern,
        description=body.description,
        category=body.category,
        store_type=body.store_type,
        conditions=body.conditions,
        solution=body.solution,
        prior=body.success_rate if body.success_rate is not None else DEFAULT_PRIOR,
        created_at=now,
        updated_at=now,
        gsi1pk=keys.patterns_for(tenant_id, body.store_type, body.category),
        gsi1sk=keys.time_sort(now, pattern_id),
        gsi3pk=keys.patterns_of(tenant_id),
        gsi3sk=keys.time_sort(now, pattern_id),
    )
    storage.commit([storage.Put(item, PatternItem.pk.does_not_exist())])
    return _view(item)


def match(tenant_id: str, body: MatchRequest) -> Page[Pattern]:
    """The patterns of the store type and category whose every condition the facts meet, best first."""
    candidates = patterns_for(tenant_id, body.store_type, body.category)
    matched = [_view(item) for item in candidates if conditions.holds(item.conditions, body.facts)]
    matched.sort(key=lambda p: (-p.success_rate, -p.usage_count, p.created_at))
    return Page[Pattern](items=matched)


def list_patterns(tenant_id: str, query: PatternListQuery) -> Page[Pattern]:
    """Every pattern of the tenant, newest first, of one store type and/or category when asked."""
    found, cursor = patterns_page(tenant_id, query.store_type, query.category, query.limit, query.cursor)
    return Page[Pattern](items=[_view(item) for item in found], next_cursor=cursor)


def record_outcome(tenant_id: str, pattern_id: str, success: bool) -> Pattern:
    key = keys.pattern(tenant_id, pattern_id)
    item = PatternItem(key.pk, key.sk)
    try:
        storage.commit(
            [
                storage.Update(
                    item,
                    [
                        (PatternItem.successes if success else PatternItem.failures).add(1),
                        PatternItem.updated_at.set(clock.iso(clock.now())),
                    ],
                    PatternItem.pk.exists(),
                ),
            ]
        )
    except storage.ConditionFailed:
        raise NotFound(f"no pattern {pattern_id}") from None
    return get_pattern(tenant_id, pattern_id)


def get_pattern(tenant_id: str, pattern_id: str) -> Pattern:
    return _view(persist.load(PatternItem, keys.pattern(tenant_id, pattern_id), f"no pattern {pattern_id}"))


def estimate(prior: float, successes: float, failures: float) -> float:
    return (PRIOR_WEIGHT * prior + successes) / (PRIOR_WEIGHT + successes + failures)


def _view(item: PatternItem) -> Pattern:
    successes, failures = int(item.successes or 0), int(item.failures or 0)
    return Pattern.of(
        item,
        pattern_id=item.id,
        success_rate=round(estimate(item.prior, successes, failures), 6),
        prior_success_rate=item.prior,
        usage_count=successes + failures,
        successes=successes,
        failures=failures,
    )
