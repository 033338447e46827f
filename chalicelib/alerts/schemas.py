"""What the targets routes take and give (the events': chalicelib/events/schemas.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, JsonValue, model_validator

from ..core.schemas import Name, RequestBody, Slug, View

# The figures a target can be set on (alerts/figures.py computes each from the analytics package's own figures).
Metric = Literal[
    "feedback_rate",
    "high_rating_share",
    "success_rate",
    "average_rating",
    "p95_processing_ms",
    "cost_per_day",
    "error_rate",
    "corrections_per_session",
    "experiment_confidence",
]
Direction = Literal["above", "below"]
TargetState = Literal["met", "at_risk", "missed", "no_data"]


class TargetCreate(RequestBody):
    """A goal on one figure over a rolling window of days: met while the figure is on the right side of the threshold
    by more than the margin, at risk when within the margin, missed past the threshold."""

    name: Name
    metric: Metric
    direction: Direction
    threshold: float
    window_days: int = Field(default=7, ge=1, le=90)
    at_risk_margin: float = Field(default=0.05, ge=0, le=1, description="Relative to the threshold: 0.05 is 5%.")
    category_key: Slug | None = None
    model_id: str | None = Field(default=None, min_length=1, max_length=200)
    experiment_id: str | None = Field(default=None, min_length=1, max_length=64)
    enabled: bool = True
    description: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _dimensions(self) -> TargetCreate:
        if self.metric == "experiment_confidence":
            if self.category_key is not None or self.model_id is not None:
                raise ValueError("experiment_confidence takes experiment_id, not category_key or model_id")
        elif self.experiment_id is not None:
            raise ValueError("experiment_id applies only to experiment_confidence")
        if self.metric == "p95_processing_ms" and (self.category_key is not None or self.model_id is not None):
            raise ValueError("p95_processing_ms is the tenant's (processing times are not kept per task or model)")
        return self


class TargetPatch(RequestBody):
    name: Name | None = None
    direction: Direction | None = None
    threshold: float | None = None
    window_days: int | None = Field(default=None, ge=1, le=90)
    at_risk_margin: float | None = Field(default=None, ge=0, le=1)
    enabled: bool | None = None
    description: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _something(self) -> TargetPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of name, direction, threshold, window_days, at_risk_margin, enabled, description")
        return self


class Target(View):
    id: str
    target_id: str
    name: str
    metric: Metric
    direction: Direction
    threshold: float
    window_days: int
    at_risk_margin: float
    category_key: str | None = None
    model_id: str | None = None
    experiment_id: str | None = None
    enabled: bool
    description: str | None = None
    # seed 001's four targets
    seeded: bool = Field(description="One of the defaults every new tenant starts with, switched off until enabled.")
    state: TargetState | None = Field(default=None, description="The latest evaluation's state (null before the first).")
    value: float | None = None
    evaluated_at: str | None = None
    state_since: str | None = None
    created_at: str
    updated_at: str


class TargetEvaluation(View):
    id: str
    target_id: str
    hour: str
    evaluated_at: str
    state: TargetState
    value: float | None
    threshold: float
    direction: Direction
    window_from: str
    window_to: str
    details: dict[str, JsonValue] = Field(default_factory=dict)
