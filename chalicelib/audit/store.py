"""Audit entries: one item per access, in the tenant's `AUDIT` partition, newest last."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.table import TableItem


class AuditItem(TableItem, discriminator="audit"):
    id = UnicodeAttribute()
    action = UnicodeAttribute()  # export | dataset_download | customer_read
    key_id = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    target = UnicodeAttribute(null=True)  # what was read: a window, a dataset, a customer record
    details = JSONAttribute(null=True)
    created_at = UnicodeAttribute()


def entries_page(tenant_id: str, action: str | None, limit: int, cursor: str | None) -> tuple[list[AuditItem], str | None]:
    """A page of the trail, newest first (only `action`'s entries, when given), and the next page's cursor."""
    return persist.list_page(
        AuditItem,
        keys.audit_entries(tenant_id),
        owner=tenant_id,
        listing="audit",
        limit=limit,
        cursor=cursor,
        filter_condition=(AuditItem.action == action) if action else None,
        forward=False,
    )


def entries_of_user(tenant_id: str, user_id: str) -> list[AuditItem]:
    """The entries filed under an end user (GSI2, `AUDIT#`)."""
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.audit_of_user()))
    return [item for item in found if isinstance(item, AuditItem)]
