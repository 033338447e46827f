"""The life cycles of the model registry as data (data pipelines keep theirs in `pipelines/definitions.py` and
move through `check_move` too): states and the moves between them that are legal.

Every status change goes through `check_move`, so an illegal move is always a 409 naming
where it came from, where it wanted to go and where it could have gone.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..core.errors import Conflict

# Model versions. A version is registered in `training`; a completed training run makes it `validated`, a
# failed one `failed`. A failed version only comes back through a new training run (which moves it to
# `training`): PATCHing it to `active` is refused.
MODEL_STATES = ("training", "validating", "validated", "active", "deprecated", "failed", "archived")
MODEL_MOVES: Mapping[str, frozenset[str]] = {
    "training": frozenset({"validating", "validated", "active", "failed", "archived"}),
    "validating": frozenset({"validated", "active", "failed", "archived"}),
    "validated": frozenset({"active", "deprecated", "failed", "archived"}),
    "active": frozenset({"deprecated", "failed"}),
    "deprecated": frozenset({"active", "archived"}),
    "failed": frozenset({"archived"}),
    "archived": frozenset(),
}
# A new training run may start on a version in these states; it moves the version to `training`.
RUN_MAY_START_FROM = frozenset({"training", "validating", "validated", "failed"})
# Versions that may receive predictions, or be the target of a rollback. (A deployment activates its version,
# so a version is deployable when it is active or may move to active.)
PREDICTABLE = frozenset({"training", "validating", "validated", "active", "deprecated"})
ROLLBACK_TARGETS = frozenset({"validated", "active", "deprecated"})

# Training runs: running until they end, once.
RUN_STATES = ("running", "completed", "failed", "cancelled")
RUN_MOVES: Mapping[str, frozenset[str]] = {
    "running": frozenset({"completed", "failed", "cancelled"}),
    "completed": frozenset(),
    "failed": frozenset(),
    "cancelled": frozenset(),
}

# Deployments: a new deployment of a model in an environment supersedes the active one; rolling back the
# active one reactivates the deployment it superseded.
DEPLOYMENT_STATES = ("active", "superseded", "rolled_back")
DEPLOYMENT_MOVES: Mapping[str, frozenset[str]] = {
    "active": frozenset({"superseded", "rolled_back"}),
    "superseded": frozenset({"active"}),
    "rolled_back": frozenset(),
}

# Registry experiments (seed: AIExperiment).
EXPERIMENT_STATES = ("active", "completed", "archived")
EXPERIMENT_MOVES: Mapping[str, frozenset[str]] = {
    "active": frozenset({"completed", "archived"}),
    "completed": frozenset({"active", "archived"}),
    "archived": frozenset(),
}

_HINTS = {
    ("model", "failed", "active"): "a failed version needs a new training run (POST .../runs) before it can become active",
    ("model", "failed", "validated"): "a failed version needs a new training run (POST .../runs)",
    ("model", "failed", "training"): "start a new training run (POST .../runs) to retrain it",
}


def check_move(kind: str, moves: Mapping[str, frozenset[str]], current: str, target: str, what: str) -> None:
    """Raise 409 unless `current -> target` is a legal move (staying in place is always allowed)."""
    if current == target:
        return
    allowed = moves.get(current, frozenset())
    if target in allowed:
        return
    options = ", ".join(sorted(allowed)) or "nothing (final state)"
    hint = _HINTS.get((kind, current, target))
    message = f"{what} cannot move from {current} to {target}; from {current} it can move to: {options}"
    detail = {"field": "body.status", "from": current, "to": target, "allowed": sorted(allowed)}
    raise Conflict(f"{message}. {hint}" if hint else message, code="illegal_transition", details=[detail])
