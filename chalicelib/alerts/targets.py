"""Targets: goals a tenant sets on the figures Learnloop computes; seed 001's four are every new tenant's defaults.

The defaults (more than 70% of rated sessions rated highly, a feedback rate above 50%, a p95 processing time
under 10 s, A/B tests above 95% confidence) are written in the tenant's creation transaction
(`tenancy.service.TENANT_SEEDERS`), switched off until the tenant enables them (`PATCH {enabled: true}`).
"""

from __future__ import annotations

from ..core import clock, keys, pagination, persist, storage
from ..core.errors import Conflict
from ..core.ids import new_id
from ..core.schemas import ListQuery, Page
from .schemas import Target, TargetCreate, TargetEvaluation, TargetPatch
from .store import TargetEvaluationItem, TargetItem, evaluations_page, targets_of

MAX_TARGETS = 100

# Seed 001's targets: (id, name, metric, direction, threshold).
DEFAULTS: tuple[tuple[str, str, str, str, float], ...] = (
    ("tgt_seed_high_ratings", "High-rating sessions above 70%", "high_rating_share", "above", 0.70),
    ("tgt_seed_feedback_rate", "Feedback rate above 50%", "feedback_rate", "above", 0.50),
    ("tgt_seed_processing_time", "Processing time under 10 s (p95)", "p95_processing_ms", "below", 10_000.0),
    ("tgt_seed_ab_significance", "A/B tests above 95% confidence", "experiment_confidence", "above", 0.95),
)


def tenant_seed_ops(tenant_id: str, now: str) -> list[storage.Op]:
    """Seed 001's four targets, disabled, in the new tenant's creation transaction."""
    ops: list[storage.Op] = []
    for tid, name, metric, direction, threshold in DEFAULTS:
        data = TargetCreate(name=name, metric=metric, direction=direction, threshold=threshold, enabled=False)  # type: ignore[arg-type]
        ops.append(storage.Put(_item(tenant_id, tid, data, now, seeded=True), TargetItem.pk.does_not_exist()))
    return ops


def create_target(tenant_id: str, data: TargetCreate) -> Target:
    if len(all_targets(tenant_id)) >= MAX_TARGETS:
        raise Conflict(f"a tenant has at most {MAX_TARGETS} targets; delete one first", code="too_many_targets")
    item = _item(tenant_id, new_id("tgt"), data, clock.iso(clock.now()), seeded=False)
    storage.commit([storage.Put(item, TargetItem.pk.does_not_exist())])
    return view(item)


def all_targets(tenant_id: str) -> list[TargetItem]:
    return targets_of(tenant_id)


def list_targets(tenant_id: str, query: ListQuery) -> Page[Target]:
    items = sorted(all_targets(tenant_id), key=lambda t: (t.created_at, t.id))
    found, cursor = pagination.in_order(tenant_id, "targets", items, query.limit, query.cursor, lambda t: t.id)
    return Page[Target](items=[view(t) for t in found], next_cursor=cursor)


def get_target(tenant_id: str, target_id: str) -> Target:
    return view(load(tenant_id, target_id))


def patch_target(tenant_id: str, target_id: str, data: TargetPatch) -> Target:
    def attempt() -> TargetItem:
        item = load(tenant_id, target_id)
        for name in ("name", "direction", "threshold", "window_days", "at_risk_margin", "enabled"):
            value = getattr(data, name)
            if value is not None:
                setattr(item, name, value)
        if "description" in data.model_fields_set:
            item.description = data.description
        save(item)
        return item

    return view(persist.retrying(attempt, what="updating the target"))


def delete_target(tenant_id: str, target_id: str) -> None:
    item = load(tenant_id, target_id)
    storage.commit([storage.Delete(item, TargetItem.pk.exists())])


def history(tenant_id: str, target_id: str, query: ListQuery) -> Page[TargetEvaluation]:
    """The target's evaluations, newest first (one per hour evaluated)."""
    load(tenant_id, target_id)
    found, cursor = evaluations_page(tenant_id, target_id, query.limit, query.cursor)
    return Page[TargetEvaluation](items=[evaluation_view(e) for e in found], next_cursor=cursor)


def load(tenant_id: str, target_id: str) -> TargetItem:
    return persist.load(TargetItem, keys.target(tenant_id, target_id), f"no target {target_id}")


def save(item: TargetItem, extra: list[storage.Op] | None = None) -> None:
    """Write the target on condition nobody changed it since it was read, with `extra` in the same transaction."""
    item.updated_at = clock.iso(clock.now())
    storage.commit([persist.bump(item), *(extra or [])])


def _item(tenant_id: str, target_id: str, data: TargetCreate, now: str, *, seeded: bool) -> TargetItem:
    key = keys.target(tenant_id, target_id)
    return TargetItem(
        key.pk,
        key.sk,
        id=target_id,
        name=data.name,
        metric=data.metric,
        direction=data.direction,
        threshold=data.threshold,
        window_days=data.window_days,
        at_risk_margin=data.at_risk_margin,
        category_key=data.category_key,
        model_id=data.model_id,
        experiment_id=data.experiment_id,
        enabled=data.enabled,
        description=data.description,
        seeded=seeded,
        moves=0,
        created_at=now,
        updated_at=now,
        version=1,
    )


def view(item: TargetItem) -> Target:
    return Target.of(
        item,
        target_id=item.id,
        threshold=float(item.threshold),
        window_days=int(item.window_days),
        at_risk_margin=float(item.at_risk_margin),
        enabled=bool(item.enabled),
        seeded=bool(item.seeded),
        value=float(item.value) if item.value is not None else None,
    )


def evaluation_view(item: TargetEvaluationItem) -> TargetEvaluation:
    return TargetEvaluation.of(
        item,
        id=f"{item.target_id}/{item.hour}",
        value=float(item.value) if item.value is not None else None,
        threshold=float(item.threshold),
        details=item.details or {},
    )
