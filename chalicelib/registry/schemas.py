"""What the registry's model, run, prediction, importance, experiment and deployment routes take and give."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue, StringConstraints, field_validator, model_validator

from ..companies.schemas import COMPANY_DESCRIPTION, CompanyId, CompanyListQuery
from ..core.schemas import ClientId, ListQuery, Name, RequestBody, Slug, View

# Names and versions appear in URLs and keys: letters, digits, `_`, `.`, `-`.
ModelName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")]
ModelVersion = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
Environment = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
FeatureName = ClientId
Label = Annotated[str, StringConstraints(min_length=1, max_length=100)] | int | float | bool
Fraction = Annotated[float, Field(ge=0, le=1)]

ModelType = Literal["classification", "regression", "clustering", "anomaly_detection", "forecast"]
ModelStatus = Literal["training", "validating", "validated", "active", "deprecated", "failed", "archived"]
PredictionType = Literal["classification", "anomaly", "regression", "forecast"]
RunStatus = Literal["running", "completed", "failed", "cancelled"]

# Which prediction types a model type takes; the model type decides which metrics its performance has.
PREDICTION_TYPES: dict[str, frozenset[str]] = {
    "classification": frozenset({"classification", "anomaly"}),
    "anomaly_detection": frozenset({"anomaly", "classification"}),
    "clustering": frozenset({"classification"}),
    "regression": frozenset({"regression", "forecast"}),
    "forecast": frozenset({"forecast", "regression"}),
}
REGRESSION_TYPES = frozenset({"regression", "forecast"})


# --- models ------------------------------------------------------------------------------------


class ModelCreate(RequestBody):
    """A model version to register (seed: AIModel). It starts in `training`."""

    model_name: ModelName
    model_version: ModelVersion
    model_type: ModelType
    algorithm: Name
    hyperparameters: dict[str, JsonValue] = Field(default_factory=dict)
    feature_columns: list[FeatureName] = Field(default_factory=list, max_length=1000)
    target_column: FeatureName | None = None
    experiment_id: ClientId | None = None
    description: str | None = Field(default=None, max_length=2000)
    positive_label: Label | None = Field(
        default=None, description="The positive class of a binary classifier (precision, recall and F1 are then binary)."
    )
    segment_columns: list[FeatureName] = Field(
        default_factory=list,
        max_length=10,
        description="input_data attributes whose values are segments for fairness (per-segment metrics are counted).",
    )
    company_id: CompanyId | None = Field(default=None, description=COMPANY_DESCRIPTION)

    @field_validator("feature_columns", "segment_columns")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        if len(set(values)) != len(values):
            raise ValueError("must not repeat a column")
        return values


class ModelPatch(RequestBody):
    status: ModelStatus | None = None
    accuracy: Fraction | None = None
    precision: Fraction | None = None
    recall: Fraction | None = None
    f1_score: Fraction | None = None
    description: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _something_to_change(self) -> ModelPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of status, accuracy, precision, recall, f1_score")
        return self


class ModelListQuery(CompanyListQuery):
    model_name: ModelName | None = None
    status: ModelStatus | None = None


class StatusChange(View):
    from_status: str | None
    to_status: str
    at: str
    reason: str


class MlModel(View):
    id: str
    model_id: str
    model_name: str
    model_version: str
    model_type: str
    algorithm: str
    status: str
    hyperparameters: dict[str, JsonValue] = Field(default_factory=dict)
    feature_columns: list[str] = Field(default_factory=list)
    target_column: str | None = None
    experiment_id: str | None = None
    description: str | None = None
    positive_label: JsonValue = None
    segment_columns: list[str] = Field(default_factory=list)
    accuracy: float | None = None
    precision: float | None = None
    recall: float | None = None
    f1_score: float | None = None
    company_id: str | None = None
    running_runs: int = 0
    last_run_id: str | None = None
    status_history: list[StatusChange] = Field(default_factory=list)
    created_at: str
    updated_at: str


# --- training runs -----------------------------------------------------------------------------


class RunCreate(RequestBody):
    run_name: Name
    epochs: int | None = Field(default=None, ge=1, le=1_000_000)
    batch_size: int | None = Field(default=None, ge=1, le=10_000_000)
    learning_rate: float | None = Field(default=None, gt=0, le=100)


class RunPatch(RequestBody):
    status: RunStatus | None = None
    loss: float | None = None
    validation_loss: float | None = None
    accuracy: Fraction | None = None
    validation_accuracy: Fraction | None = None
    metrics_point: dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], float | str] | None = Field(
        default=None, max_length=50, description="One point of the run's metrics over time, e.g. {epoch, loss, val_loss}."
    )
    logs: str | None = Field(default=None, max_length=65536, description="Appended to the run's logs.")

    @model_validator(mode="after")
    def _something_to_change(self) -> RunPatch:
        if not self.model_fields_set:
            raise ValueError(
                "give at least one of status, loss, validation_loss, accuracy, validation_accuracy, metrics_point, logs"
            )
        return self


class MetricPoint(View):
    step: int
    recorded_at: str
    values: dict[str, float | str]


class TrainingRun(View):
    id: str
    run_id: str
    model_id: str
    model_name: str
    model_version: str
    run_name: str
    status: str
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    loss: float | None = None
    validation_loss: float | None = None
    accuracy: float | None = None
    validation_accuracy: float | None = None
    points: int = 0
    logs: str = ""
    company_id: str | None = None
    trigger: dict[str, JsonValue] | None = Field(default=None, description="What started the run (manual when null).")
    training_data: dict[str, JsonValue] | None = Field(
        default=None, description="The retraining data the run was given: its location and what it holds."
    )
    started_at: str
    ended_at: str | None = None
    duration_seconds: float | None = None
    updated_at: str


class TrainingRunDetail(TrainingRun):
    training_metrics: list[MetricPoint] = Field(default_factory=list, description="Every metric point, in order.")
    validation_metrics: list[MetricPoint] = Field(
        default_factory=list, description="The points' validation values (keys starting with validation_ or val_)."
    )


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


# --- feature importance ------------------------------------------------------------------------


class ImportanceIn(RequestBody):
    feature_name: FeatureName
    importance: float


class FeatureImportanceSet(RequestBody):
    method: Slug = Field(description="permutation, shap, built_in, ...")
    features: list[ImportanceIn] = Field(min_length=1, max_length=2000)

    @field_validator("features")
    @classmethod
    def _unique(cls, features: list[ImportanceIn]) -> list[ImportanceIn]:
        names = [f.feature_name for f in features]
        if len(set(names)) != len(names):
            raise ValueError("must not repeat a feature_name")
        return features


class RankedFeature(View):
    feature_name: str
    importance: float
    rank: int


class FeatureImportance(View):
    id: str
    model_id: str
    model_name: str
    model_version: str
    method: str
    features: list[RankedFeature]
    updated_at: str


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
    """One metric of one window, as the seed's AIPerformanceMetrics row."""

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
