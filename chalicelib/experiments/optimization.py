"""The optimiser: Thompson-sampling weights for running experiments, every change recorded, and the automatic stop.

`optimize` moves one experiment; `optimize_experiments` is the scheduled task `optimize-experiments`
(daily), which moves every running `auto_optimize` experiment of a tenant. A manual
`POST /v1/experiments/{id}/optimize` moves the experiment even when `auto_optimize` is off: it
is an explicit request.

The automatic stop (`auto_stop`) decides only on the always-valid p-values, which stay valid
however often they are looked at: with m active comparisons, a variant whose always-valid
p-value is below alpha / m and whose estimate beats the control's wins (the best estimate among
several such); when every active variant is below alpha / m and worse than the control, the
control wins. Nothing is decided during burn-in.

A contextual experiment's new users are assigned by its contextual sampler, not by its weights
(which serve burn-in): optimising it leaves the weights alone and records the learned policy, per
declared segment the preferred variant with each variant's Thompson probability and expected
reward (`results.learned_policy`). When the preferred variants differ from the last recorded ones,
the policy is kept on the experiment and written to its history (reason `policy_learned`, the
policy in `inputs`).
"""

from __future__ import annotations

from typing import Any

from ..core import clock, storage
from ..core.errors import Conflict
from ..core.logging import get_logger
from ..events import hooks as alert_hooks
from . import stats
from .optimizer import Arm, decide
from .results import Snapshot, compare, get_results, learned_policy, snapshot
from .rules import shares_of, stop
from .schemas import Comparison, WeightOptimization
from .service import save, save_with_new_weights
from .store import ExperimentItem, iter_experiments

CHANGE_TOLERANCE = 1e-9


def optimize(tenant_id: str, experiment_id: str, *, trigger: str = "api") -> WeightOptimization:
    """Set a running experiment's weights to its arms' floored Thompson probabilities (after burn-in)."""
    return storage.retrying(lambda: _optimize(tenant_id, experiment_id, trigger), what="optimising")


def optimize_experiments(tenant_id: str) -> dict[str, Any]:
    """The scheduled task: every running auto_optimize experiment of the tenant, one after the other."""
    counts = {"experiments": 0, "changed": 0, "unchanged": 0, "burn_in": 0, "stopped": 0, "failed": 0}
    for item in iter_experiments(tenant_id, status="running"):
        try:  # significance and sample-ratio mismatch of every running experiment, each an event once
            alert_hooks.experiment_results(tenant_id, item.id, get_results(tenant_id, item.id))
        except Exception:  # noqa: BLE001 - an alert that failed must not stop the optimiser; logged
            get_logger().exception("checking an experiment for events failed", extra={"experiment_id": item.id})
        if not item.auto_optimize:
            continue
        counts["experiments"] += 1
        try:
            outcome = optimize(tenant_id, item.id, trigger="schedule")
        except Exception:  # noqa: BLE001 - one experiment's failure must not stop the others; it is logged and counted
            get_logger().exception("optimising an experiment failed", extra={"experiment_id": item.id})
            counts["failed"] += 1
            continue
        if outcome.stopped:
            counts["stopped"] += 1
        elif outcome.reason == "burn_in":
            counts["burn_in"] += 1
        counts["changed" if outcome.changed else "unchanged"] += 1
    return counts


def _optimize(tenant_id: str, experiment_id: str, trigger: str) -> WeightOptimization:
    snap = snapshot(tenant_id, experiment_id)
    item = snap.experiment
    if item.status != "running":
        raise Conflict(f"experiment {experiment_id} is {item.status}; only a running experiment is optimised", code="not_running")
    if item.contextual:
        return _record_policy(tenant_id, snap, trigger)
    arms = [_arm(v["id"], snap.totals.get(v["id"], {})) for v in item.variants if v["active"]]
    decision = decide(arms, item.metric, float(item.min_exploration), int(item.min_rated_per_arm))
    now = clock.iso(clock.now())
    item.last_optimized_at = now
    previous = shares_of(item.variants)

    if item.auto_stop and decision.reason == "thompson":
        winner = stop_winner(item, compare(tenant_id, snap), snap)
        if winner is not None:
            stop(item, winner, reason="auto_stop", now=now)
            save(item, now)
            return WeightOptimization(
                experiment_id=item.id,
                weights={v["id"]: float(v["id"] == winner) for v in item.variants},
                changed=True,
                reason="auto_stop",
                probabilities=decision.probabilities,
                period=int(item.weights_period),
                stopped=True,
                winner_variant_id=winner,
            )

    changed = False
    if decision.weights is not None:
        for v in item.variants:
            if v["id"] in decision.weights:
                v["weight"] = decision.weights[v["id"]]
        shares = shares_of(item.variants)
        changed = any(abs(shares[k] - previous[k]) > CHANGE_TOLERANCE for k in shares)
    if changed:
        inputs = {
            "metric": item.metric,
            "min_exploration": float(item.min_exploration),
            "min_rated_per_arm": int(item.min_rated_per_arm),
            "arms": {a.variant_id: _arm_inputs(a) for a in arms},
            "probabilities": decision.probabilities,
        }
        save_with_new_weights(tenant_id, item, previous, reason="optimised", trigger=trigger, inputs=inputs)
    else:
        save(item, now)
    return WeightOptimization(
        experiment_id=item.id,
        weights=shares_of(item.variants),
        changed=changed,
        reason=decision.reason,
        probabilities=decision.probabilities,
        period=int(item.weights_period),
    )


def _record_policy(tenant_id: str, snap: Snapshot, trigger: str) -> WeightOptimization:
    item = snap.experiment
    now = clock.iso(clock.now())
    item.last_optimized_at = now
    policy = learned_policy(item, snap.statistics)
    shares = shares_of(item.variants)
    preferred = {s: p["preferred_variant_id"] for s, p in (policy or {}).items()}
    previous = {s: p["preferred_variant_id"] for s, p in (item.policy or {}).items()}
    changed = policy is not None and preferred != previous
    if changed:
        item.policy = policy
        inputs = {
            "metric": item.metric,
            "min_exploration": float(item.min_exploration),
            "min_rated_per_arm": int(item.min_rated_per_arm),
            "observations": {v: snap.statistics.get(v, {}).get(0, 0.0) for v in shares},
            "policy": policy,
        }
        save_with_new_weights(tenant_id, item, shares, reason="policy_learned", trigger=trigger, inputs=inputs)
    else:
        save(item, now)
    return WeightOptimization(
        experiment_id=item.id,
        weights=shares,
        changed=changed,
        reason="burn_in" if policy is None else "contextual",
        probabilities=None,
        period=int(item.weights_period),
        policy=policy,
    )


def stop_winner(item: ExperimentItem, comparisons: list[Comparison], snap: Snapshot) -> str | None:
    """The automatic stop rule on the always-valid p-values (see the module's docstring); None: go on."""
    active = {v["id"] for v in item.variants if v["active"]}
    live = [c for c in comparisons if c.variant_id in active and c.difference is not None]
    if not live:
        return None
    threshold = stats.ALPHA / len(live)
    decided = [c for c in live if c.always_valid_p_value < threshold]
    better = [c for c in decided if (c.difference or 0) > 0]
    if better:
        return max(better, key=lambda c: c.difference or 0).variant_id
    if len(decided) == len(live) and all((c.difference or 0) < 0 for c in decided) and item.control_id in active:
        return item.control_id
    return None


def _arm(variant_id: str, counts: dict[str, Any]) -> Arm:
    return Arm(
        variant_id=variant_id,
        rated=int(counts.get("rated", 0) or 0),
        successes=int(counts.get("successes", 0) or 0),
        rating_count=int(counts.get("rating_count", 0) or 0),
        rating_sum=float(counts.get("rating_sum", 0) or 0),
        rating_sq_sum=float(counts.get("rating_sq_sum", 0) or 0),
    )


def _arm_inputs(arm: Arm) -> dict[str, float]:
    return {
        "rated": arm.rated,
        "successes": arm.successes,
        "rating_count": arm.rating_count,
        "rating_sum": arm.rating_sum,
        "rating_sq_sum": arm.rating_sq_sum,
    }
