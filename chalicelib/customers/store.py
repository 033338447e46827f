"""Customer items."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from ..core import keys
from ..core.table import TableItem


class CustomerItem(TableItem, discriminator="customer"):
    customer_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    data = JSONAttribute()  # the validated CustomerPut fields
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


def owned_by(tenant_id: str, user_id: str) -> list[CustomerItem]:
    """The customer records whose `user_id` is the end user's (gsi2)."""
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.CUSTOMER_OF_USER))
    return [item for item in found if isinstance(item, CustomerItem)]
