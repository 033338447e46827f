"""Deployments (seed: AIDeployment): one active deployment per model and environment, with rollback.

A slot item per (model, environment) holds the active deployment and the stack of deployments it
superseded. Deploying activates the version (a legal move of its life cycle, so never a failed or archived
one) and supersedes the active one (it stays on record as `superseded`); rolling back the
active one marks it `rolled_back` and makes the deployment it superseded active again. Each move is one
transaction conditioned on the slot's version and the deployments' statuses, so two concurrent deploys
or rollbacks of one slot can never both win.
"""

from __future__ import annotations

from ..companies import scope
from ..core import clock, keys, persist, storage
from ..core.errors import Conflict
from ..core.ids import new_id
from ..core.schemas import Page
from . import lifecycle, models, store
from .schemas import DeploymentCreate, DeploymentListQuery, DeploymentPatch, MlDeployment
from .store import DeploymentItem, DeploymentSlotItem

MAX_STACK = 50


def deploy(tenant_id: str, data: DeploymentCreate) -> MlDeployment:
    def attempt() -> DeploymentItem:
        model = models.load(tenant_id, data.model_name, data.model_version)
        # Deploying activates the version: the move must be legal (a failed or archived version is 409).
        what = f"model {data.model_name} {data.model_version}"
        lifecycle.check_move("model", lifecycle.MODEL_MOVES, model.status, "active", what)
        slot_key = keys.ml_deployment_slot(tenant_id, data.model_name, data.environment, model.company_id)
        slot = persist.find(DeploymentSlotItem, slot_key)
        previous_id = slot.active_id if slot is not None else None
        now = clock.iso(clock.now())
        deployment_id = new_id("dep")
        key = keys.ml_deployment(tenant_id, deployment_id)
        item = DeploymentItem(
            key.pk,
            key.sk,
            id=deployment_id,
            deployment_name=data.deployment_name,
            model_id=model.id,
            model_name=data.model_name,
            model_version=data.model_version,
            environment=data.environment,
            status="active",
            endpoint=data.endpoint,
            config=data.config,
            company_id=model.company_id,
            replaced_deployment_id=previous_id,
            created_at=now,
            updated_at=now,
            gsi1pk=keys.ml_deployments(tenant_id),
            gsi1sk=keys.time_sort(now, deployment_id),
            gsi3pk=keys.ml_deployments_of(tenant_id, data.model_name, data.environment),
            gsi3sk=keys.time_sort(now, deployment_id),
        )
        ops: list[storage.Op] = [storage.Put(item, DeploymentItem.pk.does_not_exist())]
        stack = list(slot.previous_ids or []) if slot is not None else []
        if previous_id is not None:
            ops.append(_move(tenant_id, previous_id, "active", "superseded", now))
            stack = [*stack, previous_id][-MAX_STACK:]
        ops.append(_slot(slot_key, slot, deployment_id, stack, now))
        if model.status != "active":
            changes = models.status_changes(tenant_id, model, "active", f"deployed to {data.environment} ({deployment_id})")
            ops.append(models.update_op(model, changes))
        storage.commit(ops)
        return item

    return view(persist.retrying(attempt, what="deploying"))


def patch_deployment(tenant_id: str, deployment_id: str, data: DeploymentPatch) -> MlDeployment:
    """Roll the active deployment back: the deployment it superseded is active again."""

    def attempt() -> DeploymentItem:
        item = _load(tenant_id, deployment_id)
        if item.status == data.status:
            return item
        lifecycle.check_move("deployment", lifecycle.DEPLOYMENT_MOVES, item.status, data.status, f"deployment {deployment_id}")
        slot_key = keys.ml_deployment_slot(tenant_id, item.model_name, item.environment, item.company_id)
        slot = persist.find(DeploymentSlotItem, slot_key)
        if slot is None or slot.active_id != deployment_id:
            raise Conflict(f"deployment {deployment_id} is not the active one of its environment", code="illegal_transition")
        stack = list(slot.previous_ids or [])
        if not stack:
            raise Conflict(
                f"nothing to roll back to: {deployment_id} is the first deployment of {item.model_name} in {item.environment}",
                code="nothing_to_roll_back_to",
            )
        previous = _load(tenant_id, stack[-1])
        target = models.load(tenant_id, previous.model_name, previous.model_version, model_id=previous.model_id)
        if target.status not in lifecycle.ROLLBACK_TARGETS:
            raise Conflict(
                f"the previous deployment runs {previous.model_name} {previous.model_version}, which is {target.status}",
                code="model_not_deployable",
            )
        now = clock.iso(clock.now())
        item.status, item.rolled_back_at, item.restored_deployment_id, item.reason = data.status, now, previous.id, data.reason
        item.updated_at = now
        ops: list[storage.Op] = [
            storage.Put(item, DeploymentItem.status == "active"),
            _move(tenant_id, previous.id, "superseded", "active", now),
            _slot(slot_key, slot, previous.id, stack[:-1], now),
        ]
        storage.commit(ops)
        return item

    return view(persist.retrying(attempt, what="rolling back"))


def list_deployments(tenant_id: str, query: DeploymentListQuery) -> Page[MlDeployment]:
    listing = f"deployments:{query.model_name or ''}:{query.environment or ''}:{query.company_id or ''}"
    condition = scope.condition(DeploymentItem.company_id, query.company_id)
    found, cursor = store.deployments_page(
        tenant_id, query.model_name, query.environment, condition, listing, query.limit, query.cursor
    )
    return Page[MlDeployment](items=[view(item) for item in found], next_cursor=cursor)


def active_deployments(tenant_id: str) -> list[MlDeployment]:
    """Every active deployment of the tenant, oldest first, whatever its company: for the scheduled probes."""
    return [view(item) for item in store.active_deployments(tenant_id)]


def get_deployment(tenant_id: str, deployment_id: str) -> MlDeployment:
    return view(_load(tenant_id, deployment_id))


def _move(tenant_id: str, deployment_id: str, before: str, after: str, now: str) -> storage.Update:
    key = keys.ml_deployment(tenant_id, deployment_id)
    return storage.Update(
        DeploymentItem(key.pk, key.sk),
        [DeploymentItem.status.set(after), DeploymentItem.updated_at.set(now)],
        DeploymentItem.status == before,
    )


def _slot(key: keys.Key, slot: DeploymentSlotItem | None, active_id: str, stack: list[str], now: str) -> storage.Put:
    """The slot's new state over the one read (or a new slot), on condition that nobody moved it meanwhile."""
    return persist.replacing(DeploymentSlotItem(key.pk, key.sk, active_id=active_id, previous_ids=stack, updated_at=now), slot)


def _load(tenant_id: str, deployment_id: str) -> DeploymentItem:
    return persist.load(
        DeploymentItem,
        keys.ml_deployment(tenant_id, deployment_id),
        f"no deployment {deployment_id}",
        where=lambda item: scope.visible(item.company_id),
    )


def view(item: DeploymentItem) -> MlDeployment:
    return MlDeployment.of(item, deployment_id=item.id, config=item.config or {})
