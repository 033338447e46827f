"""What POST /v1/generations takes and gives."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue, StringConstraints, model_validator

from ..catalog.schemas import Complexity, Priority
from ..core.limits import PROMPT_MAX_CHARS
from ..core.schemas import ClientId, RequestBody, Slug, View
from ..prompts.schemas import PromptName
from ..sessions.schemas import ModelId

ImageSize = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$")]
ImageOption = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_\-]{0,39}$")]


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
    output_type: Literal["text", "image", "video"] | None = Field(
        default=None, description="text (the default) or image; the task category's own when omitted (image_social: image)"
    )
    size: ImageSize | None = Field(default=None, description="Images: width x height, one the model declares")
    quality: ImageOption | None = Field(default=None, description="Images: one of the model's qualities")
    style: ImageOption | None = Field(default=None, description="Images: one of the model's styles")
    n: int = Field(default=1, ge=1, le=4, description="Images: how many (1-4, at most the model's max_n)")
    negative_prompt: str | None = Field(default=None, min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _one_prompt(self) -> GenerationRequest:
        if self.prompt is not None and self.prompt_name is not None:
            raise ValueError("give prompt or prompt_name, not both")
        if self.prompt is None and self.prompt_name is None and self.experiment_id is None:
            raise ValueError("give prompt, prompt_name, or an experiment_id whose variant has a prompt")
        image_fields = [f for f in ("size", "quality", "style", "negative_prompt") if getattr(self, f) is not None]
        if self.n != 1:
            image_fields.append("n")
        if self.output_type == "text" and image_fields:
            raise ValueError(f"{', '.join(image_fields)} apply to output_type image only")
        return self


class Usage(View):
    input_tokens: int
    output_tokens: int


class Attempt(View):
    model_id: str
    ok: bool
    error: str | None = None
    latency_ms: float | None = None


class GeneratedImage(View):
    id: str
    url: str = Field(description="A presigned link to the copy Learnloop stored; it expires (expires_in_seconds)")
    thumbnail_url: str
    width: int
    height: int
    content_type: str
    bytes: int
    sha256: str
    expires_in_seconds: int


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
    output_type: str = "text"
    images: list[GeneratedImage] | None = None
    finish_reason: str = Field(default="stop", description="Why the model stopped: stop, length (cut at max_tokens)")
