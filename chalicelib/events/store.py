"""The event items (their discriminator and keys are those they had under alerts)."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.table import TableItem


class EventItem(TableItem, discriminator="alert_event"):
    """Something a tenant may want to be told; its id is derived from what happened, so it is written once."""

    id = UnicodeAttribute()
    type = UnicodeAttribute()
    subject = UnicodeAttribute()
    data = JSONAttribute(null=True)
    created_at = UnicodeAttribute()


def events_page(tenant_id: str, type_: str | None, limit: int, cursor: str | None) -> tuple[list[EventItem], str | None]:
    """A page of the events, newest first: every one (gsi1), or those of one type (gsi3)."""
    if type_ is not None:
        partition, index = keys.alert_events_of_type(tenant_id, type_), "gsi3"
    else:
        partition, index = keys.alert_events(tenant_id), "gsi1"
    return persist.list_page(
        EventItem,
        partition,
        owner=tenant_id,
        listing=f"events:{type_ or ''}",
        limit=limit,
        cursor=cursor,
        index=index,
        forward=False,
    )
