"""Experiment items: the experiment with its variants, its weight history, assignments, running p-values, counters."""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import counters, keys, persist, storage
from ..core.table import TableItem


class ExperimentItem(TableItem, discriminator="experiment"):
    """An experiment and its variants (at most 20, kept on the item so one read gives the weights and their period).

    `variants` is a list of dicts: id, name, description, prompt, prompt_name, prompt_version,
    model_id, weight, is_control, active, created_at. Read, modified and written back under
    `version` (optimistic locking).
    """

    id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    category_key = UnicodeAttribute(null=True)
    metric = UnicodeAttribute()
    auto_optimize = BooleanAttribute()
    min_exploration = NumberAttribute()
    min_rated_per_arm = NumberAttribute()
    auto_stop = BooleanAttribute(default=False)
    contextual = BooleanAttribute(default=False)
    # Contextual experiments: the declared fields (fixed at creation) and the last policy the optimiser recorded.
    context_fields = JSONAttribute(null=True)
    policy = JSONAttribute(null=True)
    status = UnicodeAttribute()
    control_id = UnicodeAttribute()
    winner_variant_id = UnicodeAttribute(null=True)
    variants = JSONAttribute()
    weights_period = NumberAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    stopped_at = UnicodeAttribute(null=True)
    stop_reason = UnicodeAttribute(null=True)
    last_optimized_at = UnicodeAttribute(null=True)


class PeriodItem(TableItem, discriminator="experiment_period"):
    """A period of fixed weights, written with the change that started it (creation, a PATCH, a new variant, the optimiser)."""

    experiment_id = UnicodeAttribute()
    period = NumberAttribute()
    started_at = UnicodeAttribute()
    reason = UnicodeAttribute()
    trigger = UnicodeAttribute()
    weights = JSONAttribute()
    shares = JSONAttribute()
    previous_shares = JSONAttribute(null=True)
    inputs = JSONAttribute(null=True)


class SequentialItem(TableItem, discriminator="experiment_sequential"):
    """The running minimum of one comparison's always-valid p-value: it only ever goes down."""

    experiment_id = UnicodeAttribute()
    variant_id = UnicodeAttribute()
    control_id = UnicodeAttribute()
    min_p_value = NumberAttribute()
    updated_at = UnicodeAttribute()


class AssignmentItem(TableItem, discriminator="experiment_assignment"):
    """A user's first (and only) assignment; written once with attribute_not_exists."""

    experiment_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    variant_id = UnicodeAttribute()
    period = NumberAttribute()
    point = NumberAttribute()
    assigned_at = UnicodeAttribute()
    # Contextual experiments: the declared fields of the context it was assigned in (what its sessions learn with).
    context = JSONAttribute(null=True)
    assigned_by = UnicodeAttribute(null=True)


class VariantCounter(TableItem, discriminator="counter_variant"):
    """Per-variant totals (bucket `<experiment>#VARIANT#<variant>`), and per period of fixed weights the variant's
    assignments and recorded sessions (`...#PERIOD#<n>#<variant>`, the SRM check)."""

    assignments = NumberAttribute(null=True)
    sessions = NumberAttribute(null=True)
    feedback = NumberAttribute(null=True)
    rated = NumberAttribute(null=True)
    rated_sessions = NumberAttribute(null=True)
    successes = NumberAttribute(null=True)
    rating_count = NumberAttribute(null=True)
    rating_sum = NumberAttribute(null=True)
    rating_sq_sum = NumberAttribute(null=True)
    quality_count = NumberAttribute(null=True)
    quality_sum = NumberAttribute(null=True)


COUNTED = tuple(counters.fields_of(VariantCounter))
SLOTS = 64  # contextual.SLOTS


def _slots(namespace: dict[str, Any]) -> None:
    namespace["__doc__"] = (
        "A chunk of a contextual experiment's statistics of one variant (`contextual`'s slot layout): number "
        "attributes s0 .. s63, slot i of chunk c is statistic c * 64 + i; ADDed like every counter."
    )
    namespace["__module__"] = __name__
    namespace.update({f"s{i}": NumberAttribute(null=True) for i in range(SLOTS)})


ContextCounter: type[TableItem] = types.new_class("ContextCounter", (TableItem,), {"discriminator": "counter_context"}, _slots)


def context_counts(
    tenant_id: str, experiment_id: str, variant_id: str, slot_deltas: Mapping[int, float], *, seed: str
) -> list[storage.Op]:
    """The ADDs of a variant's statistics (slot -> delta), one op per chunk touched."""
    chunks: dict[int, dict[str, float]] = {}
    for slot, value in slot_deltas.items():
        if value:
            chunks.setdefault(slot // SLOTS, {})[f"s{slot % SLOTS}"] = value
    name = keys.experiment_counter_name()
    ops = [
        counters.increment(
            ContextCounter, tenant_id, name, keys.context_counter_bucket(experiment_id, variant_id, chunk), deltas, seed=seed
        )
        for chunk, deltas in sorted(chunks.items())
    ]
    return [op for op in ops if op is not None]


def read_context(tenant_id: str, experiment_id: str) -> dict[str, dict[int, float]]:
    """Per variant, its contextual statistics (slot -> value), shards summed."""
    prefix = keys.context_counter_prefix(experiment_id)
    out: dict[str, dict[int, float]] = {}
    for bucket, values in counters.read_prefix(ContextCounter, tenant_id, keys.experiment_counter_name(), prefix).items():
        variant_id, chunk = bucket[len(prefix) :].rsplit("#", 1)
        slots = out.setdefault(variant_id, {})
        for field, value in values.items():
            slots[int(chunk) * SLOTS + int(field[1:])] = float(value)
    return out


def segment_counts(
    tenant_id: str, experiment_id: str, variant_id: str, segments: list[str], deltas: dict[str, float], *, seed: str
) -> list[storage.Op]:
    """The ADDs of a session event's deltas to the variant's counts in each segment its context falls in."""
    wanted = {name: value for name, value in deltas.items() if name in COUNTED and value}
    name = keys.experiment_counter_name()
    ops = [
        counters.increment(
            VariantCounter, tenant_id, name, keys.segment_counter_bucket(experiment_id, variant_id, s), wanted, seed=seed
        )
        for s in segments
    ]
    return [op for op in ops if op is not None]


def variant_counts(
    tenant_id: str, experiment_id: str, deltas: dict[str, float], variant_id: str, *, seed: str
) -> list[storage.Op]:
    """The ADD to a variant's totals (only the fields it keeps)."""
    wanted = {name: value for name, value in deltas.items() if name in COUNTED and value}
    bucket = keys.variant_counter_bucket(experiment_id, variant_id)
    op = counters.increment(VariantCounter, tenant_id, keys.experiment_counter_name(), bucket, wanted, seed=seed)
    return [op] if op is not None else []


def assignment_counts(
    tenant_id: str, experiment_id: str, period: int, variant_id: str, *, seed: str, delta: int = 1
) -> list[storage.Op]:
    """One assignment (or, with delta -1, its erasure), counted on the variant's totals and its period's count (SRM)."""
    name = keys.experiment_counter_name()
    ops = [
        counters.increment(
            VariantCounter,
            tenant_id,
            name,
            keys.variant_counter_bucket(experiment_id, variant_id),
            {"assignments": delta},
            seed=seed,
        ),
        counters.increment(
            VariantCounter,
            tenant_id,
            name,
            keys.period_counter_bucket(experiment_id, period, variant_id),
            {"assignments": delta},
            seed=seed,
        ),
    ]
    return [op for op in ops if op is not None]


def period_session_counts(
    tenant_id: str, experiment_id: str, period: int, variant_id: str, *, seed: str, delta: float
) -> list[storage.Op]:
    """A session recorded with the variant (or, with delta -1, its erasure), counted in its period of weights (SRM)."""
    bucket = keys.period_counter_bucket(experiment_id, period, variant_id)
    op = counters.increment(VariantCounter, tenant_id, keys.experiment_counter_name(), bucket, {"sessions": delta}, seed=seed)
    return [op] if op is not None else []


def read_counts(
    tenant_id: str, experiment_id: str
) -> tuple[dict[str, dict[str, Any]], dict[int, dict[str, dict[str, int]]], dict[str, dict[str, dict[str, Any]]]]:
    """Per-variant totals, per period each variant's `assignments` and recorded `sessions`, and per context segment
    each variant's counts (contextual experiments); shards summed."""
    buckets = counters.read(VariantCounter, tenant_id, keys.experiment_counter_name(), f"{experiment_id}#", f"{experiment_id}#~")
    totals: dict[str, dict[str, Any]] = {}
    periods: dict[int, dict[str, dict[str, int]]] = {}
    segments: dict[str, dict[str, dict[str, Any]]] = {}
    for bucket, values in buckets.items():
        parts = bucket.split("#")
        if len(parts) == 4 and parts[1] == "SEGMENT":
            segments.setdefault(parts[3], {})[parts[2]] = values
        elif len(parts) == 3 and parts[1] == "VARIANT":
            totals[parts[2]] = values
        elif len(parts) == 4 and parts[1] == "PERIOD":
            periods.setdefault(int(parts[2]), {})[parts[3]] = {
                "assignments": int(values.get("assignments", 0) or 0),
                "sessions": int(values.get("sessions", 0) or 0),
            }
    return totals, periods, segments


def load_partition(tenant_id: str, experiment_id: str) -> tuple[ExperimentItem | None, list[PeriodItem], list[SequentialItem]]:
    """One Query of the experiment's partition: the experiment, its periods (oldest first), its running p-values."""
    experiment: ExperimentItem | None = None
    periods: list[PeriodItem] = []
    sequential: list[SequentialItem] = []
    for item in TableItem.query(keys.experiment_partition(tenant_id, experiment_id), consistent_read=True):
        if isinstance(item, ExperimentItem):
            experiment = item
        elif isinstance(item, PeriodItem):
            periods.append(item)
        elif isinstance(item, SequentialItem):
            sequential.append(item)
    periods.sort(key=lambda p: p.period)
    return experiment, periods, sequential


def iter_experiments(tenant_id: str, status: str | None = None) -> Iterator[ExperimentItem]:
    """Every experiment of a tenant (optionally of one status), newest first."""
    condition = (ExperimentItem.status == status) if status else None
    for item in ExperimentItem.gsi1.query(keys.experiments(tenant_id), filter_condition=condition, scan_index_forward=False):
        if isinstance(item, ExperimentItem):
            yield item


def experiments_page(
    tenant_id: str, status: str | None, limit: int, cursor: str | None
) -> tuple[list[ExperimentItem], str | None]:
    """A page of the tenant's experiments, newest first (gsi1), of one status when given."""
    return persist.list_page(
        ExperimentItem,
        keys.experiments(tenant_id),
        owner=tenant_id,
        listing="experiments",
        limit=limit,
        cursor=cursor,
        index="gsi1",
        filter_condition=(ExperimentItem.status == status) if status else None,
        forward=False,
    )


def periods_page(tenant_id: str, experiment_id: str, limit: int, cursor: str | None) -> tuple[list[PeriodItem], str | None]:
    """A page of an experiment's periods of fixed weights, newest first."""
    return persist.list_page(
        PeriodItem,
        keys.experiment_partition(tenant_id, experiment_id),
        owner=tenant_id,
        listing=f"experiment-history:{experiment_id}",
        limit=limit,
        cursor=cursor,
        range_condition=PeriodItem.sk.startswith(keys.experiment_period_prefix()),
        forward=False,
    )


def assignments_of_user(tenant_id: str, user_id: str) -> list[AssignmentItem]:
    """The user's assignments to variants (GSI2)."""
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.ASSIGNMENT_OF_USER))
    return [item for item in found if isinstance(item, AssignmentItem)]
