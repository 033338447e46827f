"""What the prompt routes take and give."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, JsonValue, StringConstraints

from ..core.schemas import QueryParams, RequestBody, Slug, View

PromptName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-.]{0,99}$")]


class PromptPut(RequestBody):
    template: Annotated[str, StringConstraints(min_length=1, max_length=20000)]
    category: Slug | None = None
    description: str | None = Field(default=None, max_length=2000)


class Prompt(View):
    id: str
    name: str
    version: int
    template: str
    variables: list[str]
    category: str | None = None
    description: str | None = None
    created_at: str


class PromptQuery(QueryParams):
    version: int | None = Field(default=None, ge=1)


class RenderRequest(RequestBody):
    variables: dict[str, JsonValue] = Field(default_factory=dict)
    version: int | None = Field(default=None, ge=1)


class Rendered(View):
    text: str
    version: int
    name: str
