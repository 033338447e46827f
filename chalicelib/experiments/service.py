"""Experiment use cases: create, list, read, add variants, change weights and status (with every weight change recorded)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..core import clock, keys, persist, storage
from ..core.errors import Conflict, ValidationFailed
from ..core.ids import new_id
from ..core.schemas import Page
from . import rules
from .schemas import (
    MAX_VARIANTS,
    Experiment,
    ExperimentCreate,
    ExperimentListQuery,
    ExperimentPatch,
    Variant,
    VariantCreate,
    WeightChange,
)
from .store import ExperimentItem, PeriodItem, experiments_page, iter_experiments, periods_page


def create_experiment(tenant_id: str, data: ExperimentCreate) -> Experiment:
    rules.check_exploration(data.min_exploration, sum(v.active for v in data.variants))
    context_fields = rules.context_fields(data)
    now = clock.iso(clock.now())
    experiment_id = new_id("exp")
    variants = [_variant_dict(v, now) for v in data.variants]
    control = next((v["id"] for v in variants if v["is_control"]), variants[0]["id"])
    for v in variants:
        v["is_control"] = v["id"] == control
    key = keys.experiment(tenant_id, experiment_id)
    item = ExperimentItem(
        key.pk,
        key.sk,
        id=experiment_id,
        name=data.name,
        description=data.description,
        category_key=data.category_key,
        metric=data.metric,
        auto_optimize=data.auto_optimize,
        min_exploration=data.min_exploration,
        min_rated_per_arm=data.min_rated_per_arm,
        auto_stop=data.auto_stop,
        contextual=data.contextual,
        context_fields=context_fields,
        status="running",
        control_id=control,
        variants=variants,
        weights_period=1,
        created_at=now,
        updated_at=now,
        version=1,
        gsi1pk=keys.experiments(tenant_id),
        gsi1sk=keys.time_sort(now, experiment_id),
    )
    period = period_item(tenant_id, item, reason="created", trigger="api", previous=None, inputs=None)
    storage.commit([storage.Put(item, ExperimentItem.pk.does_not_exist()), storage.Put(period, PeriodItem.pk.does_not_exist())])
    return view(item)


def get_experiment(tenant_id: str, experiment_id: str) -> Experiment:
    return view(load(tenant_id, experiment_id))


def list_experiments(tenant_id: str, query: ExperimentListQuery) -> Page[Experiment]:
    found, cursor = experiments_page(tenant_id, query.status, query.limit, query.cursor)
    return Page[Experiment](items=[view(item) for item in found], next_cursor=cursor)


def add_variant(tenant_id: str, experiment_id: str, data: VariantCreate) -> Variant:
    def attempt() -> Variant:
        item = load(tenant_id, experiment_id)
        if item.status == "stopped":
            raise Conflict(f"experiment {experiment_id} is stopped: it takes no new variants", code="experiment_stopped")
        if any(v["id"] == data.id for v in item.variants):
            raise Conflict(f"experiment {experiment_id} already has a variant {data.id}", code="variant_exists")
        if data.is_control:
            raise Conflict(f"experiment {experiment_id} already has its control {item.control_id}", code="control_exists")
        # A contextual experiment's new variant starts with no statistics: new users go by the weights until it is past burn-in.
        if len(item.variants) >= MAX_VARIANTS:
            raise Conflict(
                f"experiment {experiment_id} has {MAX_VARIANTS} variants, the most it can have", code="too_many_variants"
            )
        previous = rules.shares_of(item.variants)
        now = clock.iso(clock.now())
        item.variants = [*item.variants, _variant_dict(data, now)]
        _save_with_period(tenant_id, item, previous, reason="variant_added", trigger="api", inputs=None, now=now)
        return variant_view(item, item.variants[-1])

    return persist.retrying(attempt, what="adding the variant")


def patch_experiment(tenant_id: str, experiment_id: str, data: ExperimentPatch) -> Experiment:
    def attempt() -> Experiment:
        item = load(tenant_id, experiment_id)
        rules.check_changeable(item)
        now = clock.iso(clock.now())
        previous, before = rules.shares_of(item.variants), rules.weights_snapshot(item.variants)
        rules.apply_settings(item, data)
        rules.apply_variants(item, data)
        if data.status is not None and data.status != item.status:
            rules.check_transition(item.status, data.status)
            if data.status == "stopped":
                rules.stop(item, data.winner_variant_id or item.control_id, reason="manual", now=now)
            else:
                item.status = data.status
        elif data.winner_variant_id is not None:
            raise ValidationFailed.field("body.winner_variant_id", "goes with status stopped", "winner_needs_stop")
        if rules.weights_snapshot(item.variants) != before and item.status != "stopped":
            _save_with_period(tenant_id, item, previous, reason="weights_changed", trigger="api", inputs=None, now=now)
        else:
            save(item, now)
        return view(item)

    return persist.retrying(attempt, what="changing the experiment")


def weight_history(tenant_id: str, experiment_id: str, limit: int, cursor: str | None) -> Page[WeightChange]:
    load(tenant_id, experiment_id)
    found, next_cursor = periods_page(tenant_id, experiment_id, limit, cursor)
    return Page[WeightChange](items=[change_view(p) for p in found], next_cursor=next_cursor)


# --- shared with assignment, results and optimisation ------------------------------------------------


def load(tenant_id: str, experiment_id: str) -> ExperimentItem:
    return persist.load(ExperimentItem, keys.experiment(tenant_id, experiment_id), f"no experiment {experiment_id}")


def experiments_of(tenant_id: str, status: str | None = None) -> Iterator[ExperimentItem]:
    """Every experiment of the tenant (of one status when given), newest first: what other capabilities read of them
    (the SDK routes' running experiment, the alerts' confidence target, retraining's challengers)."""
    return iter_experiments(tenant_id, status)


def save(item: ExperimentItem, now: str, extra: list[storage.Op] | None = None) -> None:
    """Write the experiment back on condition that nobody changed it since it was read."""
    item.updated_at = now
    storage.commit([persist.bump(item), *(extra or [])])


def save_with_new_weights(
    tenant_id: str, item: ExperimentItem, previous: dict[str, float], *, reason: str, trigger: str, inputs: dict[str, Any] | None
) -> None:
    _save_with_period(tenant_id, item, previous, reason=reason, trigger=trigger, inputs=inputs, now=clock.iso(clock.now()))


def period_item(
    tenant_id: str,
    item: ExperimentItem,
    *,
    reason: str,
    trigger: str,
    previous: dict[str, float] | None,
    inputs: dict[str, Any] | None,
) -> PeriodItem:
    key = keys.experiment_period(tenant_id, item.id, int(item.weights_period))
    return PeriodItem(
        key.pk,
        key.sk,
        experiment_id=item.id,
        period=int(item.weights_period),
        started_at=item.updated_at,
        reason=reason,
        trigger=trigger,
        weights={v["id"]: float(v["weight"]) for v in item.variants},
        shares=rules.shares_of(item.variants),
        previous_shares=previous,
        inputs=inputs,
    )


def view(item: ExperimentItem) -> Experiment:
    return Experiment.of(
        item,
        experiment_id=item.id,
        auto_optimize=bool(item.auto_optimize),
        min_exploration=float(item.min_exploration),
        min_rated_per_arm=int(item.min_rated_per_arm),
        auto_stop=bool(item.auto_stop),
        contextual=bool(item.contextual),
        variants=[variant_view(item, v) for v in item.variants],
        weights_period=int(item.weights_period),
    )


def variant_view(item: ExperimentItem, v: dict[str, Any]) -> Variant:
    return Variant(
        id=v["id"],
        variant_id=v["id"],
        experiment_id=item.id,
        name=v["name"],
        description=v.get("description"),
        prompt=v.get("prompt"),
        prompt_name=v.get("prompt_name"),
        prompt_version=v.get("prompt_version"),
        model_id=v.get("model_id"),
        weight=float(v["weight"]),
        traffic_share=rules.traffic_shares(item)[v["id"]],
        is_control=v["id"] == item.control_id,
        active=bool(v["active"]),
        created_at=v["created_at"],
    )


def change_view(p: PeriodItem) -> WeightChange:
    return WeightChange.of(
        p,
        id=f"{p.experiment_id}:{int(p.period)}",
        period=int(p.period),
        traffic_shares=p.shares,
        previous_traffic_shares=p.previous_shares,
    )


# --- helpers -----------------------------------------------------------------------------------


def _variant_dict(v: VariantCreate, now: str) -> dict[str, Any]:
    return {
        "id": v.id,
        "name": v.name,
        "description": v.description,
        "prompt": v.prompt,
        "prompt_name": v.prompt_name,
        "prompt_version": v.prompt_version,
        "model_id": v.model_id,
        "weight": v.weight,
        "is_control": v.is_control,
        "active": v.active,
        "created_at": now,
    }


def _save_with_period(
    tenant_id: str,
    item: ExperimentItem,
    previous: dict[str, float],
    *,
    reason: str,
    trigger: str,
    inputs: dict[str, Any] | None,
    now: str,
) -> None:
    item.weights_period = int(item.weights_period) + 1
    item.updated_at = now
    period = period_item(tenant_id, item, reason=reason, trigger=trigger, previous=previous, inputs=inputs)
    save(item, now, [storage.Put(period, PeriodItem.pk.does_not_exist())])
