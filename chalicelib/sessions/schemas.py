"""What sessions and feedback take and give."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue, StringConstraints, model_validator

from ..core.schemas import ClientId, ListQuery, RequestBody, Slug, Timestamp, View

ModelId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.:/@]{0,199}$")]


class SessionCreate(RequestBody):
    """An AI call made outside Learnloop (an AI resize, a chat answer), recorded for learning."""

    user_id: ClientId
    category_key: Slug
    project_id: ClientId | None = None
    input: JsonValue = Field(description="What the AI was given: text or any JSON (a canvas, a form).")
    output: JsonValue = None
    model_id: ModelId | None = None
    experiment_id: ClientId | None = None
    variant_id: ClientId | None = None
    features: dict[str, JsonValue] = Field(default_factory=dict, description="Input features for training and analysis.")
    target: dict[str, JsonValue] | None = Field(default=None, description="What was asked for (target dimensions, ...).")
    processing_time_ms: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _variant_needs_experiment(self) -> SessionCreate:
        if self.input is None:
            raise ValueError("input must not be null")
        if self.variant_id is not None and self.experiment_id is None:
            raise ValueError("variant_id needs experiment_id")
        return self


class SessionPatch(RequestBody):
    """Corrections after the fact: the user's edits of the AI's output."""

    output: JsonValue = None
    corrected_output: JsonValue = None
    manual_corrections: list[JsonValue] | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _something_to_change(self) -> SessionPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of output, corrected_output, manual_corrections")
        return self


class FeedbackCreate(RequestBody):
    user_id: ClientId
    rating: int | None = Field(default=None, ge=1, le=5)
    thumbs: Literal["up", "down"] | None = None
    feedback_type: Literal["like", "dislike", "regenerate", "skip", "correction"] | None = None
    helpful: bool | None = None
    aspect: Literal["quality", "style", "accuracy", "usefulness"] | None = None
    text: str | None = Field(default=None, max_length=5000)
    device_type: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _at_least_one_signal(self) -> FeedbackCreate:
        if self.rating is None and self.thumbs is None and self.feedback_type is None and self.helpful is None:
            raise ValueError("give at least one signal: rating, thumbs, feedback_type or helpful")
        return self


class SessionListQuery(ListQuery):
    from_: Timestamp | None = Field(default=None, alias="from")
    to: Timestamp | None = None
    user_id: ClientId | None = None
    category_key: Slug | None = None
    experiment_id: ClientId | None = None


class Feedback(View):
    id: str
    feedback_id: str
    session_id: str
    user_id: str
    rating: int | None = None
    thumbs: str | None = None
    feedback_type: str | None = None
    helpful: bool | None = None
    aspect: str | None = None
    text: str | None = None
    device_type: str | None = None
    quality_score: float | None = None
    created_at: str
    updated_at: str


class Session(View):
    id: str
    session_id: str
    user_id: str
    category_key: str
    project_id: str | None = None
    input: JsonValue = None
    output: JsonValue = None
    corrected_output: JsonValue = None
    manual_corrections: list[JsonValue] = Field(default_factory=list)
    model_id: str | None = None
    experiment_id: str | None = None
    variant_id: str | None = None
    features: dict[str, JsonValue] = Field(default_factory=dict)
    target: dict[str, JsonValue] | None = None
    processing_time_ms: float | None = None
    source: str = "external"
    status: str | None = None
    prompt: dict[str, JsonValue] | None = None
    usage: dict[str, int] | None = None
    cost_usd: float | None = None
    latency_ms: float | None = None
    attempts: list[dict[str, JsonValue]] | None = None
    selected_by: str | None = None
    confidence_score: float | None = None
    candidates: list[dict[str, JsonValue]] | None = None
    priority: str | None = None
    complexity: str | None = None
    images: list[dict[str, JsonValue]] | None = Field(
        default=None, description="An image generation's images: presigned, expiring links to the stored copies"
    )
    quality_score: float | None = None
    feedback_count: int = 0
    rated_feedback_count: int = 0
    success_count: int = 0
    average_rating: float | None = None
    created_at: str
    updated_at: str


class SessionDetail(Session):
    feedback: list[Feedback] = Field(default_factory=list)


class SessionCreated(View):
    id: str
    session_id: str
    created_at: str


class FeedbackRecorded(View):
    id: str
    feedback_id: str
    session_id: str
    quality_score: float | None
    session_quality_score: float | None
    replaced: bool


class GenerationRecord(View):
    """What the generation gateway records of one generation (every attempt, the chosen model, usage)."""

    user_id: str
    category_key: str
    input: JsonValue
    output: JsonValue = None
    status: str  # succeeded | failed
    model_id: str | None = None
    experiment_id: str | None = None
    variant_id: str | None = None
    experiment_period: int | None = None  # the experiment's period of fixed weights it counts in (SRM)
    prompt: dict[str, JsonValue] | None = None
    features: dict[str, JsonValue] = Field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    processing_time_ms: float | None = None
    attempts: list[dict[str, JsonValue]] = Field(default_factory=list)
    selected_by: str | None = None
    confidence_score: float | None = None
    candidates: list[dict[str, JsonValue]] = Field(default_factory=list)
    priority: str | None = None
    complexity: str | None = None
