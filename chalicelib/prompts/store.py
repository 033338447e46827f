"""Prompt versions and the head item that names the latest one."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.table import TableItem, string_list


class PromptHead(TableItem, discriminator="prompt_head"):
    name = UnicodeAttribute()
    latest = NumberAttribute()
    template = UnicodeAttribute()  # the latest version's, so that listing reads one partition
    variables = string_list(default=list)
    category = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()


class PromptVersion(TableItem, discriminator="prompt_version"):
    name = UnicodeAttribute()
    number = NumberAttribute()
    template = UnicodeAttribute()
    variables = string_list(default=list)
    category = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


def heads_page(tenant_id: str, limit: int, cursor: str | None) -> tuple[list[PromptHead], str | None]:
    """A page of the prompts' heads, by name (their keys sort by name, so one paged Query)."""
    return persist.list_page(
        PromptHead,
        keys.catalog_partition(tenant_id),
        owner=tenant_id,
        listing="prompts",
        limit=limit,
        cursor=cursor,
        range_condition=TableItem.sk.startswith(keys.prompt_head_prefix()),
    )
