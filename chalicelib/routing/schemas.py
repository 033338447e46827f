"""What POST /v1/route takes and gives."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, JsonValue

from ..catalog.schemas import Capability, Complexity, Priority
from ..core.schemas import ClientId, RequestBody, Slug, View

MAX_INPUT_CHARS = 100_000
MAX_FEATURES = 50
_SCALARS = (str, int, float, bool)


def _input(value: JsonValue) -> JsonValue:
    """Text, or messages: a list of {role, content} with text content."""
    if isinstance(value, str):
        if len(value) > MAX_INPUT_CHARS:
            raise ValueError(f"must be at most {MAX_INPUT_CHARS} characters")
        return value
    if not isinstance(value, list):
        raise ValueError("must be the request's text or a list of messages {role, content}")
    total = 0
    for i, message in enumerate(value):
        if not isinstance(message, dict) or set(message) != {"role", "content"}:
            raise ValueError(f"message {i} must be an object with exactly role and content")
        if not isinstance(message["role"], str) or not 1 <= len(message["role"]) <= 32:
            raise ValueError(f"message {i}: role must be text of 1-32 characters")
        if not isinstance(message["content"], str):
            raise ValueError(f"message {i}: content must be text")
        total += len(message["content"])
    if total > MAX_INPUT_CHARS:
        raise ValueError(f"the messages' contents must be at most {MAX_INPUT_CHARS} characters together")
    return value


def _feature(value: JsonValue, depth: int = 0) -> JsonValue:
    """A number, a category (text, boolean), a list of categories, or an object of these (two levels at most)."""
    if value is None or isinstance(value, _SCALARS):
        if isinstance(value, str) and len(value) > 200:
            raise ValueError("a category must be at most 200 characters")
        return value
    if isinstance(value, list):
        if len(value) > 50 or not all(isinstance(v, _SCALARS) for v in value):
            raise ValueError("a list must hold at most 50 numbers, texts or booleans")
        return value
    if isinstance(value, dict) and depth < 2:
        for inner in value.values():
            _feature(inner, depth + 1)
        return value
    raise ValueError("must be a number, a text, a boolean, a list of these, or an object of these (two levels at most)")


RouteInput = Annotated[JsonValue, AfterValidator(_input)]
FeatureValue = Annotated[JsonValue, AfterValidator(_feature)]
FeatureName = Annotated[str, Field(min_length=1, max_length=64)]


class RouteBody(RequestBody):
    category_key: Slug
    user_id: ClientId | None = None
    priority: Priority | None = None
    complexity: Complexity | None = None
    required_capabilities: list[Capability] = Field(default_factory=list, max_length=30)
    estimated_input_tokens: int | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=1)
    input: RouteInput | None = Field(
        default=None, description="The request's text, or its messages [{role, content}]: read by request-level routing."
    )
    features: dict[FeatureName, FeatureValue] = Field(
        default_factory=dict,
        max_length=MAX_FEATURES,
        description="The request's features (numbers and categories, as sessions store them): read by request-level routing.",
    )


class Selected(View):
    model_id: str
    confidence_score: float
    selected_by: str


class RequestTermEffect(View):
    term: str  # a word of the request, `name=value` / `name` of a feature, or `length: <n> words`
    kind: str  # word | feature | length
    effect: float  # what it adds to the model's estimated satisfaction for this request


class RequestRouting(View):
    """Whether request-level routing decided, and why (or why per-category routing did)."""

    used: bool
    reason: str
    rated_answers: int = 0  # rated answers its statistics hold on the category, all models together
    needed: int = 0  # rated answers it needs before it decides (cold start below)
    terms: list[RequestTermEffect] = Field(default_factory=list)  # what moved the selected model's estimate most


class CandidateView(View):
    model_id: str
    score: float  # the estimated satisfaction the objective compared (a posterior sample once the model is rated)
    reasons: list[str]
    expected_cost_usd: float
    estimated_satisfaction: float = 0.0  # reliability x the posterior mean, without the user's preference
    rated_answers: int = 0  # rated answers on the category behind the estimate
    # Request-level routing (null when it was not used): this model's estimated satisfaction for this very request,
    # its uncertainty, and the words and features that moved the estimate most.
    request_estimate: float | None = None
    request_sd: float | None = None
    request_terms: list[RequestTermEffect] = Field(default_factory=list)


class Excluded(View):
    model_id: str
    reasons: list[str]


class RouteAnswer(View):
    selected: Selected
    candidates: list[CandidateView]
    excluded: list[Excluded] = Field(default_factory=list)
    priority: str
    complexity: str
    objective: str = ""  # the rule that picked the model, with the figures it compared
    explored: bool = False  # the model had no rated answer on the category and is being tried
    request_routing: RequestRouting | None = None
