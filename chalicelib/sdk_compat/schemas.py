"""What the OpenAI-compatible routes take and answer, in OpenAI's own shapes (chat completions, images, models)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, JsonValue, StringConstraints, model_validator

from ..core.schemas import ClientId, RequestBody, View

ModelName = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\s]+$")]
MetadataValue = Annotated[str, StringConstraints(max_length=512)]


class ChatMessage(RequestBody):
    """One message of the conversation; fields beyond these are passed through to the model as they are."""

    model_config = ConfigDict(extra="allow", strict=True)

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, JsonValue]] | None = None
    name: str | None = Field(default=None, max_length=64)
    tool_calls: list[dict[str, JsonValue]] | None = None
    tool_call_id: str | None = Field(default=None, max_length=200)


class StreamOptions(RequestBody):
    include_usage: bool = False


class ChatCompletionRequest(RequestBody):
    model: ModelName = Field(description="A catalog model id, learnloop/auto, or learnloop/<category_key>")
    messages: list[ChatMessage] = Field(min_length=1, max_length=1000)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=100_000)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=100_000)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    n: int = Field(default=1, ge=1, le=1, description="One choice per call")
    stop: str | list[str] | None = None
    seed: int | None = None
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    logit_bias: dict[str, int] | None = None
    user: ClientId | None = Field(default=None, description="The end user (Learnloop's user_id unless a header names one)")
    metadata: dict[str, MetadataValue] | None = Field(
        default=None, description="user_id, category, experiment_id; other keys become the session's features"
    )
    tools: list[dict[str, JsonValue]] | None = Field(default=None, max_length=128)
    tool_choice: str | dict[str, JsonValue] | None = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, JsonValue] | None = None
    reasoning_effort: Literal["minimal", "low", "medium", "high"] | None = None
    store: bool | None = Field(default=None, description="Accepted and ignored: every call is recorded as a session")

    @model_validator(mode="after")
    def _small_metadata(self) -> ChatCompletionRequest:
        if self.metadata is not None and len(self.metadata) > 16:
            raise ValueError("metadata holds at most 16 keys")
        return self


class ImageGenerationRequest(RequestBody):
    prompt: str = Field(min_length=1, max_length=4000)
    model: ModelName | None = Field(default=None, description="A catalog image model id, learnloop/auto or learnloop/<category>")
    n: int = Field(default=1, ge=1, le=4)
    size: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$")] | None = None
    quality: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_\-]{0,39}$")] | None = None
    style: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_\-]{0,39}$")] | None = None
    response_format: Literal["url", "b64_json"] = "url"
    user: ClientId | None = None


class FeedbackRequest(RequestBody):
    """Feedback on a session a chat completion or image generation recorded, by its `Learnloop-Session-Id`."""

    session_id: ClientId
    user_id: ClientId | None = Field(default=None, description="Who gives it: the session's user when omitted")
    rating: int | None = Field(default=None, ge=1, le=5)
    thumbs: Literal["up", "down"] | None = None
    feedback_type: Literal["like", "dislike", "regenerate", "skip", "correction"] | None = None
    helpful: bool | None = None
    aspect: Literal["quality", "style", "accuracy", "usefulness"] | None = None
    text: str | None = Field(default=None, max_length=5000)


# --- answers -------------------------------------------------------------------------------------------------


class CompletionUsage(View):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(View):
    role: Literal["assistant"] = "assistant"
    content: str | None
    tool_calls: list[dict[str, Any]] | None = None
    refusal: str | None = None


class Choice(View):
    index: int
    message: AssistantMessage
    finish_reason: str
    logprobs: None = None


class LearnloopFacts(View):
    """Learnloop's own facts about the call: the session to give feedback on, the routing and the experiment."""

    session_id: str
    category_key: str
    user_id: str
    model_id: str
    selected_by: str
    confidence_score: float
    experiment_id: str | None = None
    variant_id: str | None = None
    cost_usd: float
    latency_ms: float
    attempts: list[dict[str, Any]]
    ignored_parameters: list[str] = Field(default_factory=list, description="Parameters the answering model was not sent")


class ChatCompletion(View):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: CompletionUsage
    system_fingerprint: str | None = None
    learnloop: LearnloopFacts


class ImageData(View):
    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None


class ImagesResponse(View):
    created: int
    data: list[ImageData]
    learnloop: LearnloopFacts


class OpenAIModel(View):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(View):
    object: Literal["list"] = "list"
    data: list[OpenAIModel]
