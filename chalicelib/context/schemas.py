"""What the context routes take and give."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue, StringConstraints

from ..core.schemas import ClientId, ListQuery, RequestBody, Slug, View

MAX_CONVERSATIONS = 10
MAX_OPTIMIZATIONS = 50
RETENTION_DAYS = 30

StoreId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")]


class ContextPut(RequestBody):
    """The store's side of the context; PUT replaces it (a field left out is cleared)."""

    store_url: str | None = Field(default=None, max_length=2048)
    store_type: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.]{0,49}$")] | None = None
    store_data: dict[str, JsonValue] = Field(default_factory=dict)
    current_issues: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=100
    )


class ConversationCreate(RequestBody):
    user_message: str = Field(min_length=1, max_length=20_000)
    ai_response: str = Field(max_length=50_000)
    category: Slug | None = None


class OptimizationCreate(RequestBody):
    action: str = Field(min_length=1, max_length=500)
    result: Literal["success", "failure"]
    details: dict[str, JsonValue] = Field(default_factory=dict)


class PromptRequest(RequestBody):
    message: str = Field(min_length=1, max_length=20_000)
    max_chars: int | None = Field(default=None, ge=100, le=200_000)


class Conversation(View):
    id: str
    seq: int
    user_message: str
    ai_response: str
    category: str | None = None
    session_id: str | None = None
    created_at: str


class OptimizationAction(View):
    id: str
    seq: int
    action: str
    result: str
    details: dict[str, JsonValue] = Field(default_factory=dict)
    created_at: str


class ContextWindow(View):
    id: str
    user_id: str
    store_id: str
    store_url: str | None = None
    store_type: str | None = None
    store_data: dict[str, JsonValue] = Field(default_factory=dict)
    current_issues: list[str] = Field(default_factory=list)
    conversations: list[Conversation] = Field(
        default_factory=list, description="Oldest first, at most 10, none older than 30 days."
    )
    optimizations: list[OptimizationAction] = Field(
        default_factory=list, description="Oldest first, at most 50, none older than 30 days."
    )
    max_conversations: int = MAX_CONVERSATIONS
    max_optimizations: int = MAX_OPTIMIZATIONS
    retention_days: int = RETENTION_DAYS
    updated_at: str | None = None


class ContextListQuery(ListQuery):
    user_id: ClientId | None = None


class ContextSummary(View):
    """A context window in a list: the store's side and how many entries it has taken (the window keeps the latest)."""

    id: str
    user_id: str
    store_id: str
    store_url: str | None = None
    store_type: str | None = None
    current_issues: list[str] = Field(default_factory=list)
    conversations_recorded: int = 0
    optimizations_recorded: int = 0
    updated_at: str | None = None


class ContextPrompt(View):
    prompt: str
    length: int
    conversations_included: int
    optimizations_included: int
    truncated: bool
