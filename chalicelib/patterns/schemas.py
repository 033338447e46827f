"""What the pattern routes take and give."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, JsonValue, StringConstraints

from ..core.schemas import ListQuery, RequestBody, View

Word = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.]{0,99}$")]


class PatternCreate(RequestBody):
    pattern: Word
    description: str = Field(max_length=2000)
    category: Word
    store_type: Word
    conditions: dict[str, JsonValue] = Field(default_factory=dict)
    solution: dict[str, JsonValue] = Field(default_factory=dict)
    success_rate: float | None = Field(default=None, ge=0, le=1, description="The prior: what you expect before any outcome.")


class MatchRequest(RequestBody):
    store_type: Word
    category: Word
    facts: dict[str, JsonValue] = Field(default_factory=dict)


class PatternListQuery(ListQuery):
    store_type: Word | None = None
    category: Word | None = None


class OutcomeRequest(RequestBody):
    success: bool


class Pattern(View):
    id: str
    pattern_id: str
    pattern: str
    description: str
    category: str
    store_type: str
    conditions: dict[str, JsonValue]
    solution: dict[str, JsonValue]
    success_rate: float = Field(description="Estimated from outcomes, shrunk toward the prior while they are few.")
    prior_success_rate: float
    usage_count: int
    successes: int
    failures: int
    created_at: str
    updated_at: str
