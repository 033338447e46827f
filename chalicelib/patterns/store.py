"""Pattern items: the definition, and outcome counts moved by atomic ADDs."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.table import TableItem


class PatternItem(TableItem, discriminator="pattern"):
    id = UnicodeAttribute()
    pattern = UnicodeAttribute()
    description = UnicodeAttribute()
    category = UnicodeAttribute()
    store_type = UnicodeAttribute()
    conditions = JSONAttribute()
    solution = JSONAttribute()
    prior = NumberAttribute()
    successes = NumberAttribute(default=0)
    failures = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


def patterns_for(tenant_id: str, store_type: str, category: str) -> list[PatternItem]:
    """Every pattern of a store type and category (gsi1)."""
    found = TableItem.gsi1.query(keys.patterns_for(tenant_id, store_type, category))
    return [item for item in found if isinstance(item, PatternItem)]


def patterns_page(
    tenant_id: str, store_type: str | None, category: str | None, limit: int, cursor: str | None
) -> tuple[list[PatternItem], str | None]:
    """A page of the tenant's patterns, newest first (gsi3), of one store type and/or category when given."""
    wanted = None
    if store_type is not None:
        wanted = PatternItem.store_type == store_type
    if category is not None:
        same = PatternItem.category == category
        wanted = same if wanted is None else wanted & same
    found, after = persist.list_page(
        PatternItem,
        keys.patterns_of(tenant_id),
        owner=tenant_id,
        listing="patterns",
        limit=limit,
        cursor=cursor,
        index="gsi3",
        filter_condition=wanted,
        forward=False,
    )
    return [item for item in found if isinstance(item, PatternItem)], after
