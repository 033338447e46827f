"""Policy, policy-name claim and violation items."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.table import TableItem


class PolicyItem(TableItem, discriminator="gov_policy"):
    id = UnicodeAttribute()
    policy_name = UnicodeAttribute()
    policy_type = UnicodeAttribute()
    status = UnicodeAttribute()
    rules = JSONAttribute(null=True)
    thresholds = JSONAttribute(null=True)
    description = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class PolicyNameItem(TableItem, discriminator="gov_policy_name"):
    """Claims a policy name for one policy (names are unique per tenant)."""

    policy_id = UnicodeAttribute()


class ViolationItem(TableItem, discriminator="gov_violation"):
    """A breach of a policy (seed: AIGovernanceViolation). Its id is derived from what was breached and in
    which window, so however often a check runs, one breach opens one violation."""

    id = UnicodeAttribute()
    policy_id = UnicodeAttribute()
    policy_name = UnicodeAttribute()
    policy_type = UnicodeAttribute()
    violation_type = UnicodeAttribute()
    severity = UnicodeAttribute()
    status = UnicodeAttribute()
    description = UnicodeAttribute()
    details = JSONAttribute(null=True)
    model_id = UnicodeAttribute(null=True)
    model_name = UnicodeAttribute(null=True)
    model_version = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    metric = UnicodeAttribute()
    value = NumberAttribute()  # the figure that opened it
    latest_value = NumberAttribute(null=True)  # the figure at the latest check of the same window
    latest_at = UnicodeAttribute(null=True)
    threshold = NumberAttribute()
    window = UnicodeAttribute()
    resolution = UnicodeAttribute(null=True)
    resolved_by = UnicodeAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)
    status_history = JSONAttribute(null=True)
    opened_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


def policies_page(tenant_id: str, limit: int, cursor: str | None) -> tuple[list[PolicyItem], str | None]:
    """A page of the tenant's policies, by id."""
    return persist.list_page(
        PolicyItem,
        keys.governance_partition(tenant_id),
        owner=tenant_id,
        listing="policies",
        limit=limit,
        cursor=cursor,
        range_condition=TableItem.sk.startswith(keys.policy_prefix()),
    )


def all_policies(tenant_id: str) -> list[PolicyItem]:
    """Every policy of the tenant (one Query of the governance partition)."""
    return list(PolicyItem.query(keys.governance_partition(tenant_id), TableItem.sk.startswith(keys.policy_prefix())))


def violations_page(tenant_id: str, status: str | None, limit: int, cursor: str | None) -> tuple[list[ViolationItem], str | None]:
    """A page of the violations, newest first: every one (gsi1), or those of one status (gsi3)."""
    if status is not None:
        partition, index = keys.violations_by_status(tenant_id, status), "gsi3"
    else:
        partition, index = keys.violations(tenant_id), "gsi1"
    return persist.list_page(
        ViolationItem,
        partition,
        owner=tenant_id,
        listing=f"violations:{status or ''}",
        limit=limit,
        cursor=cursor,
        index=index,
        forward=False,
    )
