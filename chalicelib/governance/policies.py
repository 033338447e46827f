"""Governance policies: rules and thresholds checked when the policy is written (thresholds.py), names unique."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core import clock, keys, persist, storage
from ..core.errors import Conflict, ValidationFailed
from ..core.ids import new_id
from ..core.schemas import ListQuery, Page
from . import thresholds as vocabulary
from .schemas import Policy, PolicyCreate, PolicyPatch
from .store import PolicyItem, PolicyNameItem, all_policies, policies_page


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
    name = PolicyNameItem(claim.pk, claim.sk, policy_id=policy_id)
    taken = Conflict(f"a policy named {data.policy_name!r} already exists", code="policy_exists")
    persist.create(name, lambda: taken, extra=[storage.Put(item, PolicyItem.pk.does_not_exist())])
    return view(item)


def get_policy(tenant_id: str, policy_id: str) -> Policy:
    return view(_load(tenant_id, policy_id))


def list_policies(tenant_id: str, query: ListQuery) -> Page[Policy]:
    found, cursor = policies_page(tenant_id, query.limit, query.cursor)
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
        storage.commit([persist.bump(item)])
        return item

    return view(persist.retrying(attempt, what="updating the policy"))


def active_policies(tenant_id: str) -> list[PolicyItem]:
    """Every active policy that some check applies (one Query of the governance partition)."""
    return [item for item in all_policies(tenant_id) if item.status == "active" and checks_of(item)]


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
    return persist.load(PolicyItem, keys.policy(tenant_id, policy_id), f"no policy {policy_id}")


def view(item: PolicyItem) -> Policy:
    return Policy.of(
        item, policy_id=item.id, rules=item.rules or {}, thresholds=item.thresholds or {}, checked=bool(checks_of(item))
    )
