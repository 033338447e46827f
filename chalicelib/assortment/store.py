"""Catalog items, and how often sessions used each (a sharded counter)."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys
from ..core.table import TableItem


class DomainItem(TableItem, discriminator="domain_item"):
    item_id = UnicodeAttribute()
    item_kind = UnicodeAttribute()
    name = UnicodeAttribute()
    attributes = JSONAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class UsageCounter(TableItem, discriminator="counter_domain_usage"):
    """Uses of one catalog item (bucket `<kind>#<id>`), one shard of them."""

    uses = NumberAttribute(null=True)


USAGE = "USAGE"


def items_of_kind(tenant_id: str, kind: str) -> list[DomainItem]:
    """Every catalog item of a kind."""
    return list(DomainItem.query(keys.domain_kind(tenant_id, kind)))
