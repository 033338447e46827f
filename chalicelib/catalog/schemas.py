"""What the catalog routes take and give."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, JsonValue, StringConstraints, model_validator

from ..core.schemas import ListQuery, Name, RequestBody, View

Capability = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
Provider = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_\-]{0,39}$")]
Priority = Literal["speed", "balanced", "quality"]
Complexity = Literal["simple", "moderate", "complex"]
COMPLEXITY_ORDER = {"simple": 0, "moderate": 1, "complex": 2}


class ModelPut(RequestBody):
    """A model of the catalog. `model_id` (in the path) reads `<provider>:<provider's model name>`."""

    model_name: Name
    provider: Provider
    capabilities: list[Capability] = Field(min_length=1, max_length=30)
    cost_bucket: Literal["low", "medium", "high"]
    cost_per_1k_input: float = Field(default=0.0, ge=0)
    cost_per_1k_output: float = Field(default=0.0, ge=0)
    cost_per_request: float = Field(default=0.0, ge=0, description="For image and video models: USD per call.")
    cost_per_1k_training: float = Field(
        default=0.0, ge=0, description="USD per 1,000 tokens trained (tokens x epochs) when fine-tuning this model."
    )
    context_window: int | None = Field(default=None, ge=1)
    max_tokens: int | None = Field(default=None, ge=1)
    average_speed_ms: float | None = Field(default=None, ge=0)
    is_active: bool = True
    is_recommended: bool = False
    priority_rank: int = 0
    description: str | None = Field(default=None, max_length=2000)
    use_cases: list[Annotated[str, StringConstraints(max_length=200)]] = Field(default_factory=list, max_length=50)
    limitations: str | None = Field(default=None, max_length=2000)
    version: str | None = Field(default=None, max_length=50)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)


class Model(View):
    id: str
    model_id: str
    model_name: str
    provider: str
    version: str | None = None
    capabilities: list[str]
    cost_bucket: str
    cost_per_1k_input: float
    cost_per_1k_output: float
    cost_per_request: float = 0.0
    cost_per_1k_training: float = 0.0
    context_window: int | None = None
    max_tokens: int | None = None
    average_speed_ms: float | None = None
    is_active: bool
    is_recommended: bool
    priority_rank: int
    description: str | None = None
    use_cases: list[str] = Field(default_factory=list)
    limitations: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    available: bool = Field(description="Whether its provider can be called here (offline, or configured with a key).")
    created_at: str
    updated_at: str
    deprecated_at: str | None = None


class ModelQuery(ListQuery):
    capability: Capability | None = None
    provider: Provider | None = None
    active: bool | None = None


class TaskPut(RequestBody):
    category_name: Name
    description: str | None = Field(default=None, max_length=2000)
    required_capabilities: list[Capability] = Field(default_factory=list, max_length=30)
    preferred_capabilities: list[Capability] = Field(default_factory=list, max_length=30)
    default_priority: Priority = "balanced"
    default_complexity: Complexity = "moderate"
    typical_max_tokens: int | None = Field(default=None, ge=1)
    typical_temperature: float | None = Field(default=None, ge=0, le=2)
    parent_category: str | None = Field(default=None, max_length=100)
    tags: list[Annotated[str, StringConstraints(max_length=50)]] = Field(default_factory=list, max_length=30)
    is_active: bool = True


class TaskCategory(View):
    id: str
    category_key: str
    category_name: str
    description: str | None = None
    required_capabilities: list[str]
    preferred_capabilities: list[str]
    default_priority: str
    default_complexity: str
    typical_max_tokens: int | None = None
    typical_temperature: float | None = None
    parent_category: str | None = None
    tags: list[str] = Field(default_factory=list)
    is_active: bool
    created_at: str
    updated_at: str


class MappingPut(RequestBody):
    suitability_score: float = Field(ge=0, le=1)
    is_recommended: bool = False
    priority_rank: int = 0
    min_complexity: Complexity | None = None
    max_complexity: Complexity | None = None
    recommended_for_priority: Priority | None = None

    @model_validator(mode="after")
    def _range(self) -> MappingPut:
        if self.min_complexity and self.max_complexity:
            if COMPLEXITY_ORDER[self.min_complexity] > COMPLEXITY_ORDER[self.max_complexity]:
                raise ValueError("min_complexity is above max_complexity")
        return self


class Mapping(View):
    """A model's fitness for a task: what the tenant says, and what feedback has shown (live stats)."""

    id: str
    model_id: str
    category_key: str
    suitability_score: float
    is_recommended: bool
    priority_rank: int
    min_complexity: str | None = None
    max_complexity: str | None = None
    recommended_for_priority: str | None = None
    total_uses: int = 0
    total_likes: int = 0
    total_dislikes: int = 0
    total_regenerates: int = 0
    total_feedback: int = 0
    average_quality: float | None = Field(default=None, description="1-5, from the quality scores of feedback")
    success_rate: float | None = None
    error_rate: float | None = None
    average_speed_ms: float | None = None
    # Composite scores of the all-time roll-up (docs/analytics.md), as of the last aggregate-metrics run.
    like_ratio: float | None = None
    satisfaction_score: float | None = None
    recommendation_score: float | None = None
    scores_as_of: str | None = None
    created_at: str
    updated_at: str
