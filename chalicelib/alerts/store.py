"""Target, target-evaluation and event items."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.table import TableItem


class TargetItem(TableItem, discriminator="alert_target"):
    """A goal on one figure; the latest evaluation's state is kept on it (versioned: one evaluation moves it at a time)."""

    id = UnicodeAttribute()
    name = UnicodeAttribute()
    metric = UnicodeAttribute()
    direction = UnicodeAttribute()
    threshold = NumberAttribute()
    window_days = NumberAttribute()
    at_risk_margin = NumberAttribute()
    category_key = UnicodeAttribute(null=True)
    model_id = UnicodeAttribute(null=True)
    experiment_id = UnicodeAttribute(null=True)
    enabled = BooleanAttribute()
    description = UnicodeAttribute(null=True)
    seeded = BooleanAttribute(default=False)
    state = UnicodeAttribute(null=True)
    value = NumberAttribute(null=True)
    evaluated_at = UnicodeAttribute(null=True)
    state_since = UnicodeAttribute(null=True)
    # How many times the state entered or left `missed`: names the events of those moves (one event per move).
    moves = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class TargetEvaluationItem(TableItem, discriminator="alert_target_evaluation"):
    """One evaluation of a target (one per hour: a run again within the hour replaces it)."""

    id = UnicodeAttribute()
    target_id = UnicodeAttribute()
    hour = UnicodeAttribute()
    evaluated_at = UnicodeAttribute()
    state = UnicodeAttribute()
    value = NumberAttribute(null=True)
    threshold = NumberAttribute()
    direction = UnicodeAttribute()
    window_from = UnicodeAttribute()
    window_to = UnicodeAttribute()
    details = JSONAttribute(null=True)


def targets_of(tenant_id: str) -> list[TargetItem]:
    """Every target of the tenant."""
    return list(TargetItem.query(keys.alerts_partition(tenant_id), TableItem.sk.startswith(keys.target_prefix())))


def evaluations_page(
    tenant_id: str, target_id: str, limit: int, cursor: str | None
) -> tuple[list[TargetEvaluationItem], str | None]:
    """A page of a target's evaluations, newest first."""
    return persist.list_page(
        TargetEvaluationItem,
        keys.target_history_partition(tenant_id, target_id),
        owner=tenant_id,
        listing=f"target-history:{target_id}",
        limit=limit,
        cursor=cursor,
        forward=False,
    )
