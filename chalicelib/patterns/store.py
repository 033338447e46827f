"""Pattern items: the definition, and outcome counts moved by atomic ADDs."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

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
