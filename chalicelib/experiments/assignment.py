"""Sticky assignment: a user's first variant follows the weights, by a hash of (experiment, user); then it is theirs.

The hash puts each (experiment, user) at a point of [0, 1); the variant is the one whose slice
of the active variants' cumulative traffic shares holds the point. So an assignment is
reproducible, and independent between experiments. The first assignment is stored with a
conditional put (`attribute_not_exists`), with its counters in the same transaction, so
concurrent first calls agree; every later call returns the stored variant, whatever the weights
have become. A stopped experiment gives everyone its winner; a paused one keeps its enrolled
users on their variants and gives new users the control without enrolling them.

A contextual experiment checks the request's `context` against its declared fields (a field it
does not declare, or a value of the wrong kind, is a 422 naming it) and stores the context with
the assignment. Past burn-in (every active variant has `min_rated_per_arm` rated feedback in its
statistics) a new user's shares are the contextual Thompson probabilities at their context,
floored at `min_exploration` (`contextual`), and the same hash point picks from them; before, the
weights do. A non-contextual experiment ignores `context`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from ..core import clock, idempotency, keys, storage
from ..core.errors import NotFound, ValidationFailed
from ..core.extensions import Erasure
from . import contextual
from .rules import shares_of
from .schemas import AssignedVariant
from .store import AssignmentItem, ExperimentItem, assignment_counts, assignments_of_user, read_context

_SCALE = float(2**64)


def point(experiment_id: str, user_id: str) -> float:
    """The user's place in [0, 1) for this experiment: the first 64 bits of SHA-256 of `<experiment>:<user>`."""
    digest = hashlib.sha256(f"{experiment_id}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def choose(at: float, shares: Sequence[tuple[str, float]]) -> str:
    """The variant whose slice of the cumulative shares (in the given order) holds `at`."""
    total = sum(share for _, share in shares if share > 0)
    if total <= 0:
        raise ValueError("no variant has a share of traffic")
    cumulative = 0.0
    chosen = None
    for variant_id, share in shares:
        if share <= 0:
            continue
        cumulative += share / total
        chosen = variant_id
        if at < cumulative:
            return variant_id
    return chosen  # type: ignore[return-value]  # `at` within rounding of 1


def assign(tenant_id: str, experiment_id: str, user_id: str, context: dict[str, Any] | None = None) -> AssignedVariant:
    """The user's variant: stored if they have one, else chosen (by the weights, or the contextual sampler) and stored."""
    return _assigned(tenant_id, experiment_id, user_id, context)[0]


def checked_context(experiment: ExperimentItem, context: dict[str, Any] | None) -> dict[str, Any]:
    """The request's context as a contextual experiment declares it; a 422 naming every undeclared or ill-typed field."""
    declared = {f["name"]: f for f in experiment.context_fields or []}
    context = context or {}
    problems = [
        {"field": f"body.context.{name}", "message": f"not a context field of experiment {experiment.id}", "type": "undeclared"}
        for name in sorted(context)
        if name not in declared
    ]
    for name in sorted(set(context) & set(declared)):
        value, kind = context[name], declared[name]["kind"]
        if value is None:
            continue
        if kind == "numeric" and (isinstance(value, bool) or not isinstance(value, int | float) or value != value):
            problems.append(
                {"field": f"body.context.{name}", "message": "a numeric context field takes a number", "type": "number"}
            )
        elif kind == "categorical" and not isinstance(value, str):
            problems.append(
                {"field": f"body.context.{name}", "message": "a categorical context field takes a string", "type": "string"}
            )
    if problems:
        raise ValidationFailed("; ".join(f"{p['field']}: {p['message']}" for p in problems), details=problems)
    return {name: value for name, value in context.items() if value is not None}


def contextual_shares(tenant_id: str, experiment: ExperimentItem, context: dict[str, Any]) -> list[tuple[str, float]] | None:
    """The active variants' contextual Thompson shares at `context`, floored; None during burn-in."""
    active = [v["id"] for v in experiment.variants if v["active"]]
    encoder = contextual.Encoder.of(experiment.context_fields or [])
    statistics = read_context(tenant_id, experiment.id)
    burn_in = int(experiment.min_rated_per_arm)
    if len(active) < 2 or any(statistics.get(v, {}).get(0, 0.0) < burn_in for v in active):
        return None
    posteriors = [contextual.posterior(statistics[v], encoder.dimension, experiment.metric) for v in active]
    shares = contextual.shares(posteriors, encoder.dense(context), float(experiment.min_exploration))
    return list(zip(active, shares, strict=True))


def session_period(experiment: ExperimentItem) -> int | None:
    """The period of fixed weights a session recorded now counts in for the SRM check; None when it counts in none.

    Only a running experiment sends traffic by its weights: a paused one gives new users the control
    and a stopped one its winner, so sessions recorded meanwhile are not tested against the weights.
    """
    return int(experiment.weights_period) if experiment.status == "running" else None


def _assigned(
    tenant_id: str, experiment_id: str, user_id: str, context: dict[str, Any] | None = None
) -> tuple[AssignedVariant, int | None]:
    """The user's variant, and the period a session recorded with it now counts in (`session_period`)."""
    return storage.retrying(lambda: _assign(tenant_id, experiment_id, user_id, context), what="assigning")


def _assign(
    tenant_id: str, experiment_id: str, user_id: str, context: dict[str, Any] | None
) -> tuple[AssignedVariant, int | None]:
    experiment_key, assignment_key = keys.experiment(tenant_id, experiment_id), keys.assignment(tenant_id, experiment_id, user_id)
    found = storage.get_many([experiment_key, assignment_key])
    experiment, stored = found.get(experiment_key), found.get(assignment_key)
    if not isinstance(experiment, ExperimentItem):
        raise NotFound(f"no experiment {experiment_id}")
    stored = stored if isinstance(stored, AssignmentItem) else None
    declared = checked_context(experiment, context) if experiment.contextual else None
    period_now = session_period(experiment)
    if experiment.status == "stopped":
        winner_id = experiment.winner_variant_id or experiment.control_id
        return _answer(experiment, user_id, winner_id, stored, enrolled=False), period_now
    if stored is not None:
        return _answer(experiment, user_id, stored.variant_id, stored, enrolled=True), period_now
    if experiment.status == "paused":
        return _answer(experiment, user_id, experiment.control_id, None, enrolled=False), period_now

    at = point(experiment_id, user_id)
    learned = contextual_shares(tenant_id, experiment, declared) if declared is not None else None
    if learned is not None:
        variant_id = choose(at, learned)
    else:
        shares = shares_of(experiment.variants)
        variant_id = choose(at, [(v["id"], shares[v["id"]]) for v in experiment.variants])
    period = int(experiment.weights_period)
    item = AssignmentItem(
        assignment_key.pk,
        assignment_key.sk,
        experiment_id=experiment_id,
        user_id=user_id,
        variant_id=variant_id,
        period=period,
        point=at,
        assigned_at=clock.iso(clock.now()),
        context=declared,
        assigned_by=("contextual" if learned is not None else "weights") if experiment.contextual else None,
        gsi2pk=keys.user_items(tenant_id, user_id),
        gsi2sk=keys.assignment_of_user(experiment_id),
    )
    ops: list[storage.Op] = [storage.Put(item, AssignmentItem.pk.does_not_exist())]
    ops += assignment_counts(tenant_id, experiment_id, period, variant_id, seed=user_id)
    try:
        with idempotency.unguarded():  # sticky and conditional: a retry finds it (see unguarded)
            storage.commit(ops)
    except storage.ConditionFailed:
        # A concurrent first call stored the user's assignment first: that one is the user's.
        winner = storage.get(AssignmentItem, assignment_key)
        if winner is None:
            raise  # a transaction conflict, not a lost race: try again
        return _answer(experiment, user_id, winner.variant_id, winner, enrolled=True), period_now
    return _answer(experiment, user_id, variant_id, item, enrolled=True), period_now


def variant_for(tenant_id: str, experiment_id: str, user_id: str) -> tuple[AssignedVariant, int | None]:
    """For the generation gateway: the user's variant (assigned and stored on first use) with its prompt and model,
    and the period its recorded generation counts in for the SRM check (`session_period`).

    Raises NotFound when the experiment does not exist in this tenant.
    """
    return _assigned(tenant_id, experiment_id, user_id)


def resolve_variant(
    tenant_id: str, experiment_id: str | None, variant_id: str | None, user_id: str
) -> tuple[str | None, int | None]:
    """For a session recorded with an experiment: check the reference, or assign the user's variant when none is given.

    Also the period of fixed weights the session counts in for the SRM check (`session_period`).
    An unknown experiment or variant is a 422 naming the field (the session is what the request
    is about; the experiment is only a reference in its body).
    """
    if experiment_id is None:
        return variant_id, None
    if variant_id is None:
        try:
            assigned, period = _assigned(tenant_id, experiment_id, user_id)
        except NotFound:
            raise ValidationFailed.field("body.experiment_id", f"no experiment {experiment_id}", "unknown") from None
        return assigned.variant_id, period
    experiment = storage.get(ExperimentItem, keys.experiment(tenant_id, experiment_id))
    if experiment is None:
        raise ValidationFailed.field("body.experiment_id", f"no experiment {experiment_id}", "unknown")
    if not any(v["id"] == variant_id for v in experiment.variants):
        raise ValidationFailed.field("body.variant_id", f"no variant {variant_id} in experiment {experiment_id}", "unknown")
    return variant_id, session_period(experiment)


def _answer(
    experiment: ExperimentItem, user_id: str, variant_id: str, stored: AssignmentItem | None, *, enrolled: bool
) -> AssignedVariant:
    variant: dict[str, Any] = next(v for v in experiment.variants if v["id"] == variant_id)
    return AssignedVariant(
        id=f"{experiment.id}:{user_id}",
        experiment_id=experiment.id,
        user_id=user_id,
        variant_id=variant_id,
        name=variant["name"],
        prompt=variant.get("prompt"),
        prompt_name=variant.get("prompt_name"),
        prompt_version=variant.get("prompt_version"),
        model_id=variant.get("model_id"),
        category_key=experiment.category_key,
        is_control=variant_id == experiment.control_id,
        assigned_at=stored.assigned_at if stored is not None else clock.iso(clock.now()),
        enrolled=enrolled,
        status=experiment.status,  # type: ignore[arg-type]
        assigned_by=stored.assigned_by if stored is not None and enrolled else None,  # type: ignore[arg-type]
    )


def erase_user(tenant_id: str, user_id: str, extra: list[storage.Op]) -> int:
    """Remove the user's assignments (a user's data deleted on request), taking back their counts; how many."""
    erased = 0
    for item in assignments_of_user(tenant_id, user_id):
        ops: list[storage.Op] = [storage.Delete(AssignmentItem(item.pk, item.sk), AssignmentItem.pk.exists())]
        ops += assignment_counts(tenant_id, item.experiment_id, int(item.period), item.variant_id, seed=user_id, delta=-1)
        try:
            storage.commit(ops + extra)
            erased += 1
        except storage.ConditionFailed:
            pass  # already erased by an earlier, interrupted run
    return erased


def erase_user_data(erasure: Erasure) -> None:
    """The user's assignments, counted as `assignments` (a user erasure, chalicelib/contributions.py)."""
    erase_user(erasure.tenant_id, erasure.user_id, [erasure.count("assignments")])
