"""Context items: the store's context, and the rings of recent conversations and optimisation actions."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.table import TableItem, string_list


class ContextItem(TableItem, discriminator="context_window"):
    user_id = UnicodeAttribute()
    store_id = UnicodeAttribute()
    store_url = UnicodeAttribute(null=True)
    store_type = UnicodeAttribute(null=True)
    store_data = JSONAttribute(null=True)
    current_issues = string_list(null=True)
    # Sequence numbers handed out to entries; entry n lives in slot n mod the ring's size.
    conversation_seq = NumberAttribute(null=True)
    optimization_seq = NumberAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)


class ContextEntry(TableItem, discriminator="context_entry"):
    entry_kind = UnicodeAttribute()  # CONV | OPT
    seq = NumberAttribute()
    entry_id = UnicodeAttribute()
    user_message = UnicodeAttribute(null=True)
    ai_response = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    session_id = UnicodeAttribute(null=True)
    action = UnicodeAttribute(null=True)
    result = UnicodeAttribute(null=True)
    details = JSONAttribute(null=True)
    created_at = UnicodeAttribute()


def entries_of(tenant_id: str, user_id: str, store_id: str) -> list[ContextEntry]:
    """The entries (conversations, optimisations) of one store's context window of the user."""
    found = TableItem.query(
        keys.user_partition(tenant_id, user_id), TableItem.sk.startswith(keys.context_prefix(store_id)), consistent_read=True
    )
    return [item for item in found if isinstance(item, ContextEntry)]


def user_context_items(tenant_id: str, user_id: str) -> list[TableItem]:
    """Every context item of the user (each store's head and its entries), for their erasure."""
    partition = keys.user_partition(tenant_id, user_id)
    return list(TableItem.query(partition, TableItem.sk.startswith(keys.context_prefix()), consistent_read=True))


def windows_page(tenant_id: str, user_id: str | None, limit: int, cursor: str | None) -> tuple[list[ContextItem], str | None]:
    """A page of the tenant's context windows, the most recently updated first (gsi3), one user's when given."""
    found, after = persist.list_page(
        ContextItem,
        keys.context_windows_of(tenant_id),
        owner=tenant_id,
        listing="contexts",
        limit=limit,
        cursor=cursor,
        index="gsi3",
        filter_condition=(ContextItem.user_id == user_id) if user_id is not None else None,
        forward=False,
    )
    return [item for item in found if isinstance(item, ContextItem)], after
