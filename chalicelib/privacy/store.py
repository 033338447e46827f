"""The running totals of a user's erasure, named by the user's keyed hash (core/pseudonyms.py), never by the id."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute

from ..core import keys
from ..core.table import TableItem, string_list


class ErasureItem(TableItem, discriminator="erasure"):
    user_hash = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)  # only in records written before the keyed hash (read to migrate them)
    sessions = NumberAttribute(null=True)
    feedback = NumberAttribute(null=True)
    contexts = NumberAttribute(null=True)
    preferences = NumberAttribute(null=True)
    customers = NumberAttribute(null=True)
    replays = NumberAttribute(null=True)
    training_examples = NumberAttribute(null=True)
    assignments = NumberAttribute(null=True)
    prediction_feedback = NumberAttribute(null=True)
    audit_entries = NumberAttribute(null=True)
    designs = NumberAttribute(null=True)
    design_ratings = NumberAttribute(null=True)
    images = NumberAttribute(null=True)
    exports = UnicodeSetAttribute(null=True)  # the stored exports deleted (a set: a retry adds each once)
    affected_datasets = string_list(null=True)
    affected_models = string_list(null=True)
    models = JSONAttribute(null=True)  # model id -> "rebuilt" | "retired"
    started_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    runs = NumberAttribute(null=True)


def replays_of_user(tenant_id: str, user_id: str) -> list[TableItem]:
    """The stored answers of Idempotency-Keys whose requests named the user (GSI2; the records are core's items)."""
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.IDEMPOTENCY_OF_USER))
    return list(found)
