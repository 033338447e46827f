"""Audit entries: one item per access, in the tenant's `AUDIT` partition, newest last."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from ..core.table import TableItem


class AuditItem(TableItem, discriminator="audit"):
    id = UnicodeAttribute()
    action = UnicodeAttribute()  # export | dataset_download | customer_read
    key_id = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    target = UnicodeAttribute(null=True)  # what was read: a window, a dataset, a customer record
    details = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
