"""What monitoring's routes take and give: predictions and their ground truth, performance over time, drift
baselines and reports."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue, StringConstraints, model_validator

from ..companies.schemas import CompanyId
from ..core.schemas import ListQuery, RequestBody, Timestamp, View
from ..registry.schemas import FeatureName, Fraction

PredictionType = Literal["classification", "anomaly", "regression", "forecast"]
DriftType = Literal["data_drift", "label_drift", "concept_drift"]
DriftMetric = Literal["ks", "psi", "wasserstein", "chi_square", "jensen_shannon", "accuracy_drop", "rmse_increase"]
DriftStatus = Literal["detected", "warning", "normal"]

# Which prediction types a model type takes; the model type decides which metrics its performance has.
PREDICTION_TYPES: dict[str, frozenset[str]] = {
    "classification": frozenset({"classification", "anomaly"}),
    "anomaly_detection": frozenset({"anomaly", "classification"}),
    "clustering": frozenset({"classification"}),
    "regression": frozenset({"regression", "forecast"}),
    "forecast": frozenset({"forecast", "regression"}),
}
REGRESSION_TYPES = frozenset({"regression", "forecast"})


# --- predictions -------------------------------------------------------------------------------


class PredictionCreate(RequestBody):
    prediction_type: PredictionType
    input_data: dict[str, JsonValue]
    prediction: JsonValue = Field(
        description="A label (classification, anomaly) or a number (regression, forecast); an object with `label`, "
        "`value` or `prediction` is read too."
    )
    confidence: Fraction | None = None
    probability: Fraction | None = None
    latency_ms: float | None = Field(default=None, ge=0, le=3_600_000, description="How long the model took to predict.")
    company_id: CompanyId | None = Field(
        default=None, description="The company the prediction was made for (a company's model's own, when it has one)."
    )
    deployment_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None,
        description="The deployment that served it: while that deployment runs a challenge between this version and "
        "another, the prediction's ground truth counts in the challenge's comparison.",
    )

    @model_validator(mode="after")
    def _prediction_given(self) -> PredictionCreate:
        if self.prediction is None:
            raise ValueError("prediction must not be null")
        return self


class PredictionCreated(View):
    id: str
    prediction_id: str
    model_id: str
    created_at: str


class GroundTruth(RequestBody):
    actual_value: JsonValue = Field(description="The true label (classification, anomaly) or value (regression, forecast).")

    @model_validator(mode="after")
    def _value_given(self) -> GroundTruth:
        if self.actual_value is None:
            raise ValueError("actual_value must not be null")
        return self


class Prediction(View):
    id: str
    prediction_id: str
    model_id: str
    model_name: str
    model_version: str
    prediction_type: str
    input_data: dict[str, JsonValue]
    prediction: JsonValue
    confidence: float | None = None
    probability: float | None = None
    actual_value: JsonValue = None
    is_correct: bool | None = None
    error: float | None = None
    latency_ms: float | None = None
    company_id: str | None = None
    deployment_id: str | None = None
    challenge_id: str | None = Field(default=None, description="The deployment's challenge it counts in, if any.")
    challenge_role: Literal["champion", "challenger"] | None = None
    created_at: str
    labelled_at: str | None = None


# --- performance -------------------------------------------------------------------------------


class PerformanceQuery(ListQuery):
    window: Literal["daily", "weekly", "monthly"] = "daily"
    periods: int | None = Field(default=None, ge=1, le=366, description="How many windows, newest last (30, 12, 12).")


class SeriesPoint(View):
    window_start: str
    window_end: str
    samples: int
    metric_value: float | None
    comparison_value: float | None
    change: float | None
    trend: Literal["improving", "declining", "stable"] | None


class MetricSeries(View):
    metric_type: str
    time_window: str
    points: list[SeriesPoint]


class PerformanceWindow(View):
    window_start: str
    window_end: str
    predictions: int
    samples: int = Field(description="Predictions of the window with ground truth.")
    metrics: dict[str, float | None]
    comparison: dict[str, float | None]
    trend: dict[str, Literal["improving", "declining", "stable"] | None]


class PerformanceRow(View):
    """One metric of one window."""

    # seed 003's AIPerformanceMetrics row

    metric_type: str
    metric_value: float | None
    time_window: str
    window_start: str
    window_end: str
    samples: int
    comparison_value: float | None
    trend: Literal["improving", "declining", "stable"] | None


class PerformanceReport(View):
    model_id: str
    model_name: str
    model_version: str
    task: Literal["classification", "regression"]
    averaging: Literal["binary", "macro"] | None = None
    positive_label: str | None = None
    window: str
    windows: list[PerformanceWindow]
    series: list[MetricSeries]
    items: list[PerformanceRow] = Field(
        default_factory=list, description="Every (window, metric), oldest window first, a page at a time (limit, cursor)."
    )
    next_cursor: str | None = None
    violations_opened: int = 0


# --- drift -------------------------------------------------------------------------------------


class DriftThresholds(RequestBody):
    """Overrides of the default thresholds (docs/registry.md), kept with the baseline."""

    ks: Fraction | None = None
    psi: float | None = Field(default=None, gt=0)
    wasserstein: float | None = Field(default=None, gt=0)
    chi_square: Fraction | None = Field(default=None, description="On Cramér's V.")
    jensen_shannon: Fraction | None = None
    accuracy_drop: Fraction | None = None
    rmse_increase: float | None = Field(default=None, gt=0)
    alpha: float | None = Field(default=None, gt=0, lt=1)
    min_samples: int | None = Field(default=None, ge=2, le=100_000)


class FromPredictions(RequestBody):
    """Take the baseline from this version's own predictions in a window (default: the last 7 days)."""

    from_: Timestamp | None = Field(default=None, alias="from")
    to: Timestamp | None = None
    days: int = Field(default=7, ge=1, le=366)
    max_samples: int = Field(default=5000, ge=10, le=20_000)


class BaselineCreate(RequestBody):
    features: dict[FeatureName, Annotated[list[JsonValue], Field(min_length=1, max_length=100_000)]] | None = Field(
        default=None, max_length=500
    )
    predictions: list[JsonValue] | None = Field(
        default=None, min_length=1, max_length=100_000, description="Baseline of the model's outputs (label drift)."
    )
    from_predictions: FromPredictions | bool | None = Field(
        default=None,
        description="A window of the version's own predictions (true: the last 7 days, the default without features).",
    )
    thresholds: DriftThresholds | None = None

    @model_validator(mode="after")
    def _one_source(self) -> BaselineCreate:
        given = self.features is not None or self.predictions is not None
        wanted = self.from_predictions not in (None, False)
        if given and wanted:
            raise ValueError("give either features (and/or predictions) or from_predictions")
        if not given and self.from_predictions is False:
            raise ValueError("without from_predictions, give features (and/or predictions)")
        if not given and not isinstance(self.from_predictions, FromPredictions):
            self.from_predictions = FromPredictions()
        if self.features is not None and not self.features:
            raise ValueError("features must name at least one feature")
        return self

    def window(self) -> FromPredictions | None:
        return self.from_predictions if isinstance(self.from_predictions, FromPredictions) else None


class BaselineFeature(View):
    feature_name: str
    drift_type: str
    kind: Literal["numeric", "categorical"]
    sample_size: int
    stored_size: int
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    categories: dict[str, int] | None = None


class Baseline(View):
    id: str
    model_id: str
    model_name: str
    model_version: str
    source: Literal["given", "predictions", "pipeline"]
    window_start: str | None = None
    window_end: str | None = None
    features: list[BaselineFeature]
    skipped: list[str] = Field(default_factory=list, description="Features with no usable value.")
    created_at: str


class DriftReport(View):
    id: str
    drift_id: str
    model_id: str
    model_name: str
    model_version: str
    feature_name: str
    drift_type: str
    metric: str
    drift_score: float
    threshold: float
    status: DriftStatus
    statistic: float | None = None
    p_value: float | None = None
    baseline_value: float | str | None = None
    current_value: float | str | None = None
    baseline_size: int
    current_size: int
    window_start: str
    window_end: str
    checked_at: str
    analysis: dict[str, JsonValue] = Field(default_factory=dict)
    recommendations: list[str] = Field(default_factory=list)
