"""Configuration items: each type's head (active and latest version) and its versions, one partition per type."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys, persist
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


def versions_page(tenant_id: str, config_type: str, limit: int, cursor: str | None) -> tuple[list[ConfigVersionItem], str | None]:
    """A page of a configuration type's versions, newest first."""
    return persist.list_page(
        ConfigVersionItem,
        keys.ai_config_partition(tenant_id, config_type),
        owner=tenant_id,
        listing=f"config:{config_type}",
        limit=limit,
        cursor=cursor,
        range_condition=TableItem.sk.startswith(keys.ai_config_version_prefix()),
        forward=False,
    )
