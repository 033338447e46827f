"""Customer items."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from ..core.table import TableItem


class CustomerItem(TableItem, discriminator="customer"):
    customer_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    data = JSONAttribute()  # the validated CustomerPut fields
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
