"""What the assortment routes (`/v1/catalog/{kind}`, the style templates) take and give."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, JsonValue, StringConstraints

from ..core.schemas import Name, RequestBody, View

Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
ItemId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.]{0,127}$")]


class CatalogItemPut(RequestBody):
    name: Name
    attributes: dict[str, JsonValue] = Field(default_factory=dict)
    is_active: bool = True


class CatalogItem(View):
    id: str
    kind: str
    name: str
    attributes: dict[str, JsonValue]
    is_active: bool
    usage_count: int
    created_at: str
    updated_at: str


class Installed(View):
    kind: str
    installed: int
    items: list[CatalogItem]
