"""The running totals of a user's erasure."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from ..core.table import TableItem


class ErasureItem(TableItem, discriminator="erasure"):
    user_id = UnicodeAttribute(null=True)
    sessions = NumberAttribute(null=True)
    feedback = NumberAttribute(null=True)
    contexts = NumberAttribute(null=True)
    preferences = NumberAttribute(null=True)
    customers = NumberAttribute(null=True)
    training_examples = NumberAttribute(null=True)
    assignments = NumberAttribute(null=True)
    affected_datasets = ListAttribute(of=UnicodeAttribute, null=True)
    affected_models = ListAttribute(of=UnicodeAttribute, null=True)
    started_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    runs = NumberAttribute(null=True)
