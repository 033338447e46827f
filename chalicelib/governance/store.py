"""Policy, policy-name claim and violation items."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

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
