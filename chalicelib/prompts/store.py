"""Prompt versions and the head item that names the latest one."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from ..core.table import TableItem


class PromptHead(TableItem, discriminator="prompt_head"):
    name = UnicodeAttribute()
    latest = NumberAttribute()
    template = UnicodeAttribute()  # the latest version's, so that listing reads one partition
    variables = ListAttribute(of=UnicodeAttribute, default=list)
    category = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()


class PromptVersion(TableItem, discriminator="prompt_version"):
    name = UnicodeAttribute()
    number = NumberAttribute()
    template = UnicodeAttribute()
    variables = ListAttribute(of=UnicodeAttribute, default=list)
    category = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
