"""What follows a violation: the policy's actions (retrain, roll back, notify), each taken once and recorded with its cause.

A governance policy declares them in `rules.actions` (a list of `retrain`, `rollback`, `notify`); a drift, data-quality
or performance policy then acts when its check opens a violation (the violation itself is always opened first,
and its `governance.violation_opened` event goes to the webhooks). Governance calls `violation_opened` here (a
violation follower, chalicelib/contributions.py) after the violation's transaction. Each action has an id derived
from (violation, action) and is claimed with a conditional put before it runs, so a check run again, or two at
once, act once:

- `retrain`: a new version registered like the violated one (`<version>-r<n>`) and a training run on its data
  (chalicelib/learning/retraining.py), recorded with its trigger;
- `rollback`: every active deployment of the violated version rolled back to the one it superseded;
- `notify`: an event `registry.action_taken` (every action emits one, so webhooks hear of retraining and rollbacks
  too; `notify` alone asks for nothing else).

A data-quality violation names no model: its policy's `rules.model_name` and `rules.model_version` say which.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..companies import scope
from ..core import clock, keys, persist, storage
from ..core.errors import Conflict, LearnloopError, NotFound, described
from ..core.logging import get_logger
from ..core.schemas import Page
from ..events import service as events
from ..governance.thresholds import ACTIONS
from ..registry import deployments, models
from ..registry.schemas import DeploymentListQuery, DeploymentPatch
from . import retraining
from .schemas import ActionQuery, RegistryAction
from .store import ActionItem


def violation_opened(tenant_id: str, breach: Any) -> list[RegistryAction]:
    """Take the actions the breached policy declares (the governance hook)."""
    wanted = [a for a in (breach.policy.rules or {}).get("actions") or [] if isinstance(a, str)]
    if not wanted:
        return []
    rules = breach.policy.rules or {}
    name = breach.model_name or rules.get("model_name")
    version = breach.model_version or rules.get("model_version")
    cause = {
        "violation_id": breach.violation_id,
        "policy_id": breach.policy.id,
        "policy_name": breach.policy.policy_name,
        "policy_type": breach.policy.policy_type,
        "metric": breach.metric,
        "value": breach.value,
        "threshold": breach.threshold,
        "window": breach.window,
        "subject": breach.subject or None,
        "description": breach.description,
    }
    taken = []
    for action in dict.fromkeys(wanted):
        model_id = breach.model_id if breach.model_name else None  # the violated version itself, when the check named it
        taken.append(act(tenant_id, action, cause, name, version, f"{breach.violation_id}#{action}", model_id))
    return [t for t in taken if t is not None]


def act(
    tenant_id: str,
    action: str,
    cause: dict[str, Any],
    model_name: str | None,
    model_version: str | None,
    dedupe: str,
    model_id: str | None = None,
) -> RegistryAction | None:
    """Claim the action (None when it was taken before), take it, record how it went and emit its event."""
    item = claim(tenant_id, action, cause, model_name, model_version, dedupe, model_id)
    if item is None:
        return None
    try:
        status, result = _take(tenant_id, action, cause, model_name, model_version, model_id)
    except LearnloopError as exc:
        status, result = "failed", {"error": exc.message}
    except Exception as exc:  # noqa: BLE001 - the failure is recorded on the action; the check that triggered it goes on
        get_logger().exception("registry action failed", extra={"tenant_id": tenant_id, "action": action})
        status, result = "failed", {"error": described(exc, "the action stopped on an internal error")}
    record(tenant_id, item, status, result)
    return view(item)


def record(tenant_id: str, item: ActionItem, status: str, result: dict[str, Any]) -> None:
    item.status, item.result, item.updated_at = status, result, clock.iso(clock.now())
    data = {"action_id": item.id, "action": item.action, "status": status, "cause": item.cause, "result": result}
    data |= {"model_name": item.model_name, "model_version": item.model_version}
    subject = f"model:{item.model_name}:{item.model_version}" if item.model_name else f"action:{item.id}"
    ops = events.ops(tenant_id, "registry.action_taken", item.id, subject, data)
    storage.retrying(lambda: storage.commit([storage.Put(item), *ops]), what="recording the action")


def claim(
    tenant_id: str,
    action: str,
    cause: dict[str, Any],
    model_name: str | None,
    model_version: str | None,
    dedupe: str,
    model_id: str | None = None,
) -> ActionItem | None:
    action_id = "act_" + hashlib.sha256(dedupe.encode()).hexdigest()[:26]
    key = keys.ml_action(tenant_id, action_id)
    now = clock.iso(clock.now())
    company = None
    if model_name and model_version:
        try:
            company = models.load(tenant_id, model_name, model_version, model_id=model_id).company_id
        except (NotFound, Conflict):
            company = None
    item = ActionItem(
        key.pk,
        key.sk,
        id=action_id,
        action=action,
        status="started",
        cause=cause,
        model_name=model_name,
        model_version=model_version,
        company_id=company,
        created_at=now,
        updated_at=now,
        gsi1pk=keys.ml_actions(tenant_id),
        gsi1sk=keys.time_sort(now, action_id),
    )

    def attempt() -> bool:
        try:
            storage.commit([storage.Put(item, ActionItem.pk.does_not_exist())])
        except storage.ConditionFailed as exc:
            if exc.conflict:
                raise
            return False
        return True

    return item if storage.retrying(attempt, what="claiming the action") else None


def _take(
    tenant_id: str,
    action: str,
    cause: dict[str, Any],
    model_name: str | None,
    model_version: str | None,
    model_id: str | None = None,
) -> tuple[str, dict[str, Any]]:
    if action not in ACTIONS:  # a policy stored before its actions were checked on writing
        return "skipped", {"reason": f"unknown action {action}; the actions are {', '.join(ACTIONS)}"}
    if action == "notify":
        return "done", {"notified": "event registry.action_taken"}
    if not (model_name and model_version):
        return "skipped", {"reason": "the violation names no model version (set rules.model_name and rules.model_version)"}
    model = models.load(tenant_id, model_name, model_version, model_id=model_id)
    if action == "retrain":
        trigger = {"type": "policy_action", "action": "retrain", **cause}
        run = retraining.retrain(tenant_id, model, trigger)
        return "done", {"model_version": run.model_version, "run_id": run.run_id, "training_data": run.training_data}
    rolled = []
    for found in deployments.list_deployments(tenant_id, DeploymentListQuery(model_name=model_name, limit=200)).items:
        if found.status == "active" and found.model_id == model.id:  # that version, not a namesake of another company
            reason = f"policy {cause['policy_name']}: {cause['description']}"[:2000]
            done = deployments.patch_deployment(tenant_id, found.id, DeploymentPatch(status="rolled_back", reason=reason))
            rolled.append({"deployment_id": done.id, "environment": done.environment, "restored": done.restored_deployment_id})
    if not rolled:
        return "skipped", {"reason": f"no active deployment of {model_name} {model_version}"}
    return "done", {"rolled_back": rolled}


def list_actions(tenant_id: str, query: ActionQuery) -> Page[RegistryAction]:
    listing = f"actions:{query.action or ''}:{query.company_id or ''}"
    condition = ActionItem.action == query.action if query.action is not None else None
    found, cursor = persist.list_page(
        ActionItem,
        keys.ml_actions(tenant_id),
        owner=tenant_id,
        listing=listing,
        limit=query.limit,
        cursor=query.cursor,
        index="gsi1",
        filter_condition=scope.condition(ActionItem.company_id, query.company_id, condition),
        forward=False,
    )
    return Page[RegistryAction](items=[view(item) for item in found], next_cursor=cursor)


def view(item: ActionItem) -> RegistryAction:
    return RegistryAction.of(item, action_id=item.id)
