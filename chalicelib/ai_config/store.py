"""Configuration items: each type's head (active and latest version) and its versions, one partition per type."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core.table import TableItem


class ConfigHeadItem(TableItem, discriminator="ai_config_head"):
    config_type = UnicodeAttribute()
    active_number = NumberAttribute()
    latest_number = NumberAttribute()
    updated_at = UnicodeAttribute()


class ConfigVersionItem(TableItem, discriminator="ai_config_version"):
    id = UnicodeAttribute()
    config_type = UnicodeAttribute()
    number = NumberAttribute()
    config_data = JSONAttribute()
    comment = UnicodeAttribute(null=True)
    rolled_back_from = NumberAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
