"""What the model registry's routes take and give: model versions, training runs, feature importance, ML experiments
and deployments."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue, StringConstraints, field_validator, model_validator

from ..companies.schemas import COMPANY_DESCRIPTION, CompanyId, CompanyListQuery
from ..core.schemas import ClientId, Name, RequestBody, Slug, View

# Names and versions appear in URLs and keys: letters, digits, `_`, `.`, `-`.
ModelName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")]
ModelVersion = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
Environment = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
FeatureName = ClientId
Label = Annotated[str, StringConstraints(min_length=1, max_length=100)] | int | float | bool
Fraction = Annotated[float, Field(ge=0, le=1)]

ModelType = Literal["classification", "regression", "clustering", "anomaly_detection", "forecast"]
ModelStatus = Literal["training", "validating", "validated", "active", "deprecated", "failed", "archived"]
RunStatus = Literal["running", "completed", "failed", "cancelled"]


# --- models ------------------------------------------------------------------------------------


class ModelCreate(RequestBody):
    """A model version to register. It starts in `training`."""

    # seed 003's AIModel

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


# --- experiments -------------------------------------------------------------------------------


class MlExperimentCreate(RequestBody):
    experiment_name: Name
    objective: str = Field(min_length=1, max_length=2000)
    hypothesis: str = Field(min_length=1, max_length=4000)
    baseline_model: ClientId | None = None
    current_model: ClientId | None = None
    success_metrics: dict[str, JsonValue] = Field(default_factory=dict)
    methodology: dict[str, JsonValue] = Field(default_factory=dict)
    company_id: CompanyId | None = Field(default=None, description=COMPANY_DESCRIPTION)


class MlExperimentPatch(RequestBody):
    status: Literal["active", "completed", "archived"] | None = None
    current_model: ClientId | None = None
    results: dict[str, JsonValue] | None = None
    conclusions: str | None = Field(default=None, max_length=8000)

    @model_validator(mode="after")
    def _something_to_change(self) -> MlExperimentPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of status, current_model, results, conclusions")
        return self


class MlExperiment(View):
    id: str
    experiment_id: str
    experiment_name: str
    objective: str
    hypothesis: str
    status: str
    baseline_model: str | None = None
    current_model: str | None = None
    success_metrics: dict[str, JsonValue] = Field(default_factory=dict)
    methodology: dict[str, JsonValue] = Field(default_factory=dict)
    results: dict[str, JsonValue] | None = None
    conclusions: str | None = None
    company_id: str | None = None
    created_at: str
    updated_at: str


# --- deployments -------------------------------------------------------------------------------


class DeploymentCreate(RequestBody):
    deployment_name: Name
    model_name: ModelName
    model_version: ModelVersion
    environment: Environment = Field(description="development, staging, production, ...")
    endpoint: str | None = Field(default=None, max_length=2000)
    config: dict[str, JsonValue] = Field(default_factory=dict)


class DeploymentPatch(RequestBody):
    status: Literal["rolled_back"]
    reason: str | None = Field(default=None, max_length=2000)


class DeploymentListQuery(CompanyListQuery):
    model_name: ModelName | None = None
    environment: Environment | None = None


class MlDeployment(View):
    id: str
    deployment_id: str
    deployment_name: str
    model_id: str
    model_name: str
    model_version: str
    environment: str
    status: str
    endpoint: str | None = None
    config: dict[str, JsonValue] = Field(default_factory=dict)
    company_id: str | None = Field(default=None, description="Its model's company.")
    replaced_deployment_id: str | None = Field(default=None, description="The deployment this one superseded.")
    restored_deployment_id: str | None = Field(default=None, description="Set on rollback: the deployment active again.")
    reason: str | None = None
    created_at: str
    updated_at: str
    rolled_back_at: str | None = None
