"""Catalog items, and how often sessions used each (a sharded counter)."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

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
