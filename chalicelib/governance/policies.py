"""Governance policies: rules and thresholds checked when the policy is written (thresholds.py), names unique."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import clock, keys, pagination, storage
from ..core.errors import Conflict, NotFound, ValidationFailed
from ..core.ids import new_id
from ..core.query import all_items, page
from ..core.schemas import ListQuery, Page
from ..core.table import TableItem
from . import thresholds as vocabulary
from .schemas import Policy, PolicyCreate, PolicyPatch
from .store import PolicyItem, PolicyNameItem


def create_policy(tenant_id: str, data: PolicyCreate) -> Policy:
    rules, thresholds = validate(data.policy_type, data.rules, data.thresholds)
    now = clock.iso(clock.now())
    policy_id = new_id("pol")
    key, claim = keys.policy(tenant_id, policy_id), keys.policy_name_claim(tenant_id, data.policy_name)
    item = PolicyItem(
        key.pk,
        key.sk,
        id=policy_id,
        policy_name=data.policy_name,
        policy_type=data.policy_type,
        status=data.status,
        rules=rules,
        thresholds=thresholds,
        description=data.description,
        created_at=now,
        updated_at=now,
        version=1,
    )
    ops: list[storage.Op] = [
        storage.Put(PolicyNameItem(claim.pk, claim.sk, policy_id=policy_id), PolicyNameItem.pk.does_not_exist()),
        storage.Put(item, PolicyItem.pk.does_not_exist()),
    ]

    def attempt() -> None:
        try:
            storage.commit(ops)
        except storage.ConditionFailed as exc:
            if exc.failed:
                raise Conflict(f"a policy named {data.policy_name!r} already exists", code="policy_exists") from exc
            raise  # a concurrent transaction: retried

    storage.retrying(attempt, what="creating the policy")
    return view(item)


def get_policy(tenant_id: str, policy_id: str) -> Policy:
    return view(_load(tenant_id, policy_id))


def list_policies(tenant_id: str, query: ListQuery) -> Page[Policy]:
    state = pagination.decode(tenant_id, "policies", query.cursor) if query.cursor else {}
    found, last = page(
        PolicyItem,
        keys.governance_partition(tenant_id),
        limit=query.limit,
        after=state.get("k"),
        range_condition=TableItem.sk.startswith(keys.policy_prefix()),
    )
    cursor = pagination.encode(tenant_id, "policies", {"k": last}) if last else None
    return Page[Policy](items=[view(item) for item in found], next_cursor=cursor)


def patch_policy(tenant_id: str, policy_id: str, data: PolicyPatch) -> Policy:
    def attempt() -> PolicyItem:
        item = _load(tenant_id, policy_id)
        rules = data.rules if data.rules is not None else (item.rules or {})
        thresholds = data.thresholds if data.thresholds is not None else (item.thresholds or {})
        item.rules, item.thresholds = validate(item.policy_type, rules, thresholds)
        if data.status is not None:
            item.status = data.status
        if "description" in data.model_fields_set:
            item.description = data.description
        item.updated_at = clock.iso(clock.now())
        expected = item.version
        item.version = expected + 1
        storage.commit([storage.Put(item, PolicyItem.version == expected)])
        return item

    return view(storage.retrying(attempt, what="updating the policy"))


def active_policies(tenant_id: str) -> list[PolicyItem]:
    """Every active policy that some check applies (one Query of the governance partition)."""
    found = all_items(PolicyItem, keys.governance_partition(tenant_id), TableItem.sk.startswith(keys.policy_prefix()))
    return [item for item in found if item.status == "active" and checks_of(item)]


def validate(
    policy_type: str, rules: Mapping[str, Any], thresholds: Mapping[str, float]
) -> tuple[dict[str, Any], dict[str, float]]:
    """The rules and thresholds, checked against the vocabulary and the type; 422 naming every wrong field."""
    found = vocabulary.problems(policy_type, rules, thresholds)
    if found:
        details = [{"field": field, "message": message, "type": "policy_invalid"} for field, message in found]
        raise ValidationFailed("invalid policy: " + "; ".join(f"{f}: {m}" for f, m in found), details=details)
    return dict(rules), dict(thresholds)


def checks_of(item: PolicyItem) -> set[str]:
    return vocabulary.checks_of(item.policy_type, item.thresholds or {}, item.rules or {})


def _load(tenant_id: str, policy_id: str) -> PolicyItem:
    item = storage.get(PolicyItem, keys.policy(tenant_id, policy_id))
    if item is None:
        raise NotFound(f"no policy {policy_id}")
    return item


def view(item: PolicyItem) -> Policy:
    return Policy(
        id=item.id,
        policy_id=item.id,
        policy_name=item.policy_name,
        policy_type=item.policy_type,
        status=item.status,
        rules=item.rules or {},
        thresholds=item.thresholds or {},
        description=item.description,
        checked=bool(checks_of(item)),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )
