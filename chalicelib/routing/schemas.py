"""What POST /v1/route takes and gives."""

from __future__ import annotations

from pydantic import Field

from ..catalog.schemas import Capability, Complexity, Priority
from ..core.schemas import ClientId, RequestBody, Slug, View


class RouteBody(RequestBody):
    category_key: Slug
    user_id: ClientId | None = None
    priority: Priority | None = None
    complexity: Complexity | None = None
    required_capabilities: list[Capability] = Field(default_factory=list, max_length=30)
    estimated_input_tokens: int | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=1)


class Selected(View):
    model_id: str
    confidence_score: float
    selected_by: str


class CandidateView(View):
    model_id: str
    score: float  # the estimated satisfaction the objective compared (a posterior sample once the model is rated)
    reasons: list[str]
    expected_cost_usd: float
    estimated_satisfaction: float = 0.0  # reliability x the posterior mean, without the user's preference
    rated_answers: int = 0  # rated answers on the category behind the estimate


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
