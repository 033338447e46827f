"""What POST /v1/generations takes and gives."""

from __future__ import annotations

from pydantic import Field, JsonValue, model_validator

from ..catalog.schemas import Complexity, Priority
from ..core.limits import PROMPT_MAX_CHARS
from ..core.schemas import ClientId, RequestBody, Slug, View
from ..prompts.schemas import PromptName
from ..sessions.schemas import ModelId


class GenerationContext(RequestBody):
    store_id: ClientId


class GenerationRequest(RequestBody):
    user_id: ClientId
    category_key: Slug
    prompt: str | None = Field(default=None, min_length=1, max_length=PROMPT_MAX_CHARS)
    prompt_name: PromptName | None = None
    prompt_version: int | None = Field(default=None, ge=1)
    variables: dict[str, JsonValue] = Field(default_factory=dict)
    experiment_id: ClientId | None = None
    model_id: ModelId | None = None
    priority: Priority | None = None
    complexity: Complexity | None = None
    context: GenerationContext | None = None
    features: dict[str, JsonValue] = Field(default_factory=dict)
    max_tokens: int | None = Field(default=None, ge=1, le=100_000)
    temperature: float | None = Field(default=None, ge=0, le=2)

    @model_validator(mode="after")
    def _one_prompt(self) -> GenerationRequest:
        if self.prompt is not None and self.prompt_name is not None:
            raise ValueError("give prompt or prompt_name, not both")
        if self.prompt is None and self.prompt_name is None and self.experiment_id is None:
            raise ValueError("give prompt, prompt_name, or an experiment_id whose variant has a prompt")
        return self


class Usage(View):
    input_tokens: int
    output_tokens: int


class Attempt(View):
    model_id: str
    ok: bool
    error: str | None = None
    latency_ms: float | None = None


class Generated(View):
    id: str
    session_id: str
    output: JsonValue
    model_id: str
    experiment_id: str | None = None
    variant_id: str | None = None
    selected_by: str
    confidence_score: float
    latency_ms: float
    usage: Usage
    cost_usd: float
    attempts: list[Attempt]
    prompt_name: str | None = None
    prompt_version: int | None = None
