"""Experiment rules, apart from the use cases (service.py) that load and save: which status changes are allowed, what
an experiment's settings and variants must satisfy, and how weights become traffic. No storage here."""

from __future__ import annotations

from typing import Any

from ..core.errors import Conflict, ValidationFailed
from . import contextual
from .schemas import ExperimentCreate, ExperimentPatch
from .store import ExperimentItem

# Allowed status changes; a stopped experiment is final.
TRANSITIONS = {("running", "paused"), ("paused", "running"), ("running", "stopped"), ("paused", "stopped")}


def check_exploration(min_exploration: float, active: int) -> None:
    """Every active variant gets at least `min_exploration` of the traffic: at most 1 / active."""
    if min_exploration * active > 1 + 1e-12:
        raise ValidationFailed.field(
            "body.min_exploration", f"cannot hold for {active} active variants: at most {1 / active:.6g}", "less_than_equal"
        )


def check_changeable(item: ExperimentItem) -> None:
    if item.status == "stopped":
        raise Conflict(f"experiment {item.id} is stopped; a stopped experiment cannot change", code="experiment_stopped")


def check_transition(current: str, wanted: str) -> None:
    if (current, wanted) not in TRANSITIONS:
        raise Conflict(f"an experiment cannot go from {current} to {wanted}", code="invalid_transition")


def context_fields(data: ExperimentCreate) -> list[dict[str, Any]] | None:
    """The declared context fields as stored (contextual experiments only), checked against each other."""
    if not data.contextual:
        if data.context_fields is not None:
            raise ValidationFailed.field(
                "body.context_fields", "only a contextual experiment declares context fields", "needs_contextual"
            )
        return None
    if not data.context_fields:
        raise ValidationFailed.field("body.context_fields", "a contextual experiment declares at least one field", "missing")
    if data.auto_stop:
        raise ValidationFailed.field(
            "body.auto_stop", "a contextual experiment has no single winner to stop on", "not_contextual"
        )
    fields = [f.model_dump(exclude_none=True) for f in data.context_fields]
    dimension = contextual.Encoder.of(fields).dimension
    if dimension > contextual.MAX_DIMENSION:
        raise ValidationFailed.field(
            "body.context_fields",
            f"the context vector would have {dimension} columns; at most {contextual.MAX_DIMENSION} "
            "(one per categorical value, two plus one per edge per numeric field, and the intercept)",
            "too_large",
        )
    return fields


def apply_settings(item: ExperimentItem, data: ExperimentPatch) -> None:
    if item.contextual and data.auto_stop:
        raise ValidationFailed.field(
            "body.auto_stop", "a contextual experiment has no single winner to stop on", "not_contextual"
        )
    for name in ("name", "auto_optimize", "min_exploration", "min_rated_per_arm", "auto_stop"):
        if name in data.model_fields_set and getattr(data, name) is not None:
            setattr(item, name, getattr(data, name))


def apply_variants(item: ExperimentItem, data: ExperimentPatch) -> None:
    if data.winner_variant_id is not None and not any(v["id"] == data.winner_variant_id for v in item.variants):
        raise ValidationFailed.field(
            "body.winner_variant_id", f"no variant {data.winner_variant_id} in this experiment", "unknown"
        )
    by_id = {v["id"]: v for v in item.variants}
    for n, change in enumerate(data.variants or []):
        variant = by_id.get(change.id)
        if variant is None:
            raise ValidationFailed.field(f"body.variants.{n}.id", f"no variant {change.id} in this experiment", "unknown")
        if change.weight is not None:
            variant["weight"] = change.weight
        if change.active is not None:
            variant["active"] = change.active
    if not any(v["active"] and float(v["weight"]) > 0 for v in item.variants):
        raise ValidationFailed.field("body.variants", "at least one active variant needs a weight above 0", "no_traffic")
    check_exploration(float(item.min_exploration), sum(bool(v["active"]) for v in item.variants))


def weights_snapshot(variants: list[dict[str, Any]]) -> list[tuple[str, float, bool]]:
    """What a change of weights compares: each variant's id, weight and whether it is active."""
    return [(v["id"], float(v["weight"]), bool(v["active"])) for v in variants]


def shares_of(variants: list[dict[str, Any]]) -> dict[str, float]:
    """Each variant's share of new users under its weight: active variants' weights, normalised; 0 for the rest."""
    total = sum(float(v["weight"]) for v in variants if v["active"])
    return {v["id"]: (float(v["weight"]) / total if v["active"] and total > 0 else 0.0) for v in variants}


def traffic_shares(item: ExperimentItem) -> dict[str, float]:
    """Where new users go now: the weights' shares, or everything to the winner once stopped."""
    if item.status == "stopped":
        return {v["id"]: float(v["id"] == item.winner_variant_id) for v in item.variants}
    return shares_of(item.variants)


def stop(item: ExperimentItem, winner: str, *, reason: str, now: str) -> None:
    item.status = "stopped"
    item.winner_variant_id = winner
    item.stopped_at = now
    item.stop_reason = reason
