"""What the learning half's routes take and give: feedback, challengers, health, actions, company figures."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue, StringConstraints, model_validator

from ..companies.schemas import CompanyListQuery
from ..core.schemas import ClientId, QueryParams, RequestBody, View

FeedbackType = Literal["correction", "rating", "comment", "flag"]
FeedbackStatus = Literal["pending", "processed", "ignored"]
Impact = Literal["high", "medium", "low"]
Fraction = Annotated[float, Field(ge=0, le=1)]

# --- feedback on predictions ----------------------------------------------------------------------------

_NEEDS = {"correction": "value", "rating": "rating", "comment": "text", "flag": "reason"}


class PredictionFeedbackCreate(RequestBody):
    """Feedback on a prediction: a correction ({value}), a rating ({rating: 1-5}), a comment ({text}) or a flag
    ({reason})."""

    # seed 003's AILearningFeedback

    user_id: ClientId
    feedback_type: FeedbackType
    feedback_data: dict[str, JsonValue] = Field(
        description="correction: {value} (the true label or number); rating: {rating: 1-5}; comment: {text}; "
        "flag: {reason}. Other keys are kept."
    )
    is_positive: bool | None = Field(
        default=None, description="Left out: a rating of 4-5 is positive, 1-2 negative; a correction or a flag negative."
    )
    confidence: Fraction | None = Field(default=None, description="How sure the user is (0-1).")
    impact: Impact = "medium"

    @model_validator(mode="after")
    def _typed_data(self) -> PredictionFeedbackCreate:
        needed = _NEEDS[self.feedback_type]
        value = self.feedback_data.get(needed)
        if value is None:
            raise ValueError(f"a {self.feedback_type} needs feedback_data.{needed}")
        if self.feedback_type == "rating" and (isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5):
            raise ValueError("feedback_data.rating must be an integer from 1 to 5")
        if self.feedback_type in ("comment", "flag") and (not isinstance(value, str) or not 0 < len(value) <= 4000):
            raise ValueError(f"feedback_data.{needed} must be text of 1 to 4000 characters")
        return self


class FeedbackDecision(RequestBody):
    action: Literal["process", "ignore"] = "process"
    reason: str | None = Field(default=None, max_length=2000)


class PredictionFeedback(View):
    id: str
    feedback_id: str
    prediction_id: str
    model_id: str
    model_name: str
    model_version: str
    company_id: str | None = None
    user_id: str
    feedback_type: str
    feedback_data: dict[str, JsonValue]
    is_positive: bool | None = None
    confidence: float | None = None
    impact: str
    status: FeedbackStatus
    outcome: dict[str, JsonValue] | None = None
    processed_at: str | None = None
    processed_by: str | None = None
    created_at: str


class FeedbackQuery(CompanyListQuery):
    status: FeedbackStatus | None = None
    feedback_type: FeedbackType | None = None


class QualityDay(View):
    date: str
    processed: int
    ignored: int
    ratings: int
    average_rating: float | None
    positive: int
    negative: int
    positive_rate: float | None = Field(description="positive / (positive + negative)")
    corrections: int
    corrections_applied: int
    flags: int
    comments: int


class FeedbackQuality(View):
    """A version's processed feedback per day: its quality series as users see it."""

    model_id: str
    model_name: str
    model_version: str
    days: list[QualityDay]
    totals: QualityDay


class DaysQuery(QueryParams):
    days: int = Field(default=30, ge=1, le=366)


# --- champion and challenger ------------------------------------------------------------------------------


class ChallengerSet(RequestBody):
    model_version: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")] = Field(
        description="The challenger: another version of the deployed model."
    )
    share: float = Field(default=0.1, gt=0, lt=1, description="The fraction of entities the challenger serves.")
    auto_promote: bool = Field(
        default=False,
        description="Promote (or reject) it on the scheduled probe once the always-valid p-value reaches alpha.",
    )
    min_samples: int = Field(default=30, ge=1, le=1_000_000, description="Ground truths each version needs first.")
    alpha: float = Field(default=0.05, gt=0, lt=0.5)


class ChallengerDecision(RequestBody):
    outcome: Literal["promote", "reject"]
    reason: str | None = Field(default=None, max_length=2000)


class AssignBody(RequestBody):
    entity_id: ClientId = Field(description="The entity predictions are made for (a transaction, a customer...).")


class Assignment(View):
    deployment_id: str
    entity_id: str
    model_name: str
    model_version: str
    role: Literal["champion", "challenger"]
    challenger_id: str | None = None


class ArmFigures(View):
    model_version: str
    role: Literal["champion", "challenger"]
    samples: int
    metric: str
    value: float | None
    successes: int | None = None


class ChallengerComparison(View):
    """The challenger against the champion, with the experiments' statistics (docs/experiments.md)."""

    metric: Literal["accuracy", "mae"]
    test: Literal["two_proportion_z", "welch_t"]
    difference: float | None = Field(description="challenger minus champion")
    lift: float | None = None
    ci95: list[float] | None = None
    statistic: float | None = None
    df: float | None = None
    p_value: float | None = None
    always_valid_p_value: float = Field(description="The running minimum of the mixture SPRT p-value over every look.")
    always_valid_p_value_now: float
    chance_to_beat_champion: float
    challenger_better: bool | None
    ready: bool = Field(description="Both versions have min_samples ground truths.")
    recommendation: Literal["promote", "reject", "continue"]


class Challenger(View):
    id: str
    challenger_id: str
    deployment_id: str
    environment: str
    model_name: str
    champion_version: str
    challenger_version: str
    company_id: str | None = None
    share: float
    auto_promote: bool
    min_samples: int
    alpha: float
    status: Literal["running", "promoted", "rejected"]
    started_at: str
    decided_at: str | None = None
    decision: dict[str, JsonValue] | None = None
    arms: list[ArmFigures] = Field(default_factory=list)
    comparison: ChallengerComparison | None = None


# --- deployment health and figures -----------------------------------------------------------------------


class HealthCheck(View):
    name: str
    status: Literal["pass", "warn", "fail", "unknown"]
    value: float | None
    expected: str
    detail: str


class DeploymentFigures(View):
    window: str
    predictions: int
    samples: int
    accuracy: float | None = None
    mae: float | None = None
    rmse: float | None = None
    error_rate: float | None = None
    mean_latency_ms: float | None = None
    mean_confidence: float | None = None


class DeploymentHealth(View):
    deployment_id: str
    model_name: str
    model_version: str
    environment: str
    status: Literal["healthy", "degraded", "unhealthy", "unknown"]
    checked_at: str | None
    checks: list[HealthCheck]
    performance: list[DeploymentFigures]
    history: list[dict[str, JsonValue]] = Field(default_factory=list)


# --- actions ---------------------------------------------------------------------------------------------


class RegistryAction(View):
    id: str
    action_id: str
    action: str
    status: str
    cause: dict[str, JsonValue]
    result: dict[str, JsonValue] | None = None
    model_name: str | None = None
    model_version: str | None = None
    company_id: str | None = None
    created_at: str
    updated_at: str


class ActionQuery(CompanyListQuery):
    action: Literal["retrain", "rollback", "notify", "promote", "reject"] | None = None


# --- companies -------------------------------------------------------------------------------------------


class CompanyModelFigures(View):
    model_name: str
    model_version: str
    status: str
    predictions: int
    samples: int
    metrics: dict[str, float | None]


class CompanyPerformance(View):
    company_id: str
    days: int
    models: int
    predictions: int
    samples: int
    accuracy: float | None = Field(description="Correct over labelled predictions of the company's classifiers.")
    feedback: QualityDay
    versions: list[CompanyModelFigures]
