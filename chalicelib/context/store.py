"""Context items: the store's context, and the rings of recent conversations and optimisation actions."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

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
