"""The API's answers as pydantic models, matching the OpenAPI document (`GET /openapi.json`) field for field.

Each model declares the fields a client usually reads, with the document's types and required fields; fields the API
adds later are kept (`extra="allow"`) and readable as attributes. `SCHEMAS` names each model's schema in the document.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Json = Any


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class SessionCreated(ApiModel):
    id: str
    session_id: str
    created_at: str


class Session(ApiModel):
    id: str
    session_id: str
    user_id: str
    category_key: str
    project_id: str | None = None
    input: Json = None
    output: Json = None
    corrected_output: Json = None
    model_id: str | None = None
    experiment_id: str | None = None
    variant_id: str | None = None
    features: dict[str, Json] = Field(default_factory=dict)
    source: str | None = None
    status: str | None = None
    usage: dict[str, Json] | None = None
    cost_usd: float | None = None
    attempts: list[dict[str, Json]] | None = None
    selected_by: str | None = None
    confidence_score: float | None = None
    candidates: list[dict[str, Json]] | None = None
    quality_score: float | None = None
    feedback_count: int = 0
    created_at: str
    updated_at: str


class SessionDetail(Session):
    feedback: list[dict[str, Json]] = Field(default_factory=list)


class FeedbackRecorded(ApiModel):
    id: str
    feedback_id: str
    session_id: str
    quality_score: float | None
    session_quality_score: float | None
    replaced: bool


class Usage(ApiModel):
    input_tokens: int
    output_tokens: int


class Generated(ApiModel):
    id: str
    session_id: str
    output: Json
    model_id: str
    experiment_id: str | None = None
    variant_id: str | None = None
    selected_by: str
    confidence_score: float
    latency_ms: float
    usage: Usage
    cost_usd: float
    attempts: list[dict[str, Json]]
    output_type: str = "text"


class Experiment(ApiModel):
    id: str
    experiment_id: str
    name: str
    category_key: str | None = None
    metric: str
    status: str
    control_id: str
    variants: list[dict[str, Json]]
    created_at: str
    updated_at: str


class AssignedVariant(ApiModel):
    id: str
    experiment_id: str
    user_id: str
    variant_id: str
    name: str
    prompt: str | None = None
    model_id: str | None = None
    is_control: bool
    assigned_at: str
    enrolled: bool
    status: str


class Results(ApiModel):
    id: str
    experiment_id: str
    metric: str
    status: str
    control_id: str
    variants: list[dict[str, Json]]
    comparisons: list[dict[str, Json]]
    srm: dict[str, Json]
    computed_at: str


class Summary(ApiModel):
    from_: str = Field(alias="from")
    to: str
    total_sessions: int
    rated_sessions: int
    average_rating: float | None = None
    success_rate: float | None = None
    total_tokens: int
    total_cost_usd: float
    processing_time_ms: dict[str, Json]
    daily: list[dict[str, Json]]


class TrainingExample(ApiModel):
    id: str
    example_id: str
    session_id: str
    user_id: str
    category_key: str
    input: Json = None
    expected_output: Json = None
    quality_score: float | None = None
    validated: bool = False
    created_at: str
    updated_at: str


class Dataset(ApiModel):
    id: str
    dataset_id: str
    status: str
    format: str
    train_count: int = 0
    validation_count: int = 0
    location: str
    created_at: str
    updated_at: str


class TrainingJob(ApiModel):
    id: str
    job_id: str
    dataset_id: str
    base_model: str
    provider: str
    format: str
    status: str
    fine_tuned_model: str | None = None
    model_id: str | None = None
    created_at: str
    updated_at: str


class RegistryModel(ApiModel):
    id: str
    model_id: str
    model_name: str
    model_version: str
    model_type: str
    algorithm: str
    status: str
    created_at: str
    updated_at: str


class PredictionCreated(ApiModel):
    id: str
    prediction_id: str
    model_id: str
    created_at: str


class Selected(ApiModel):
    model_id: str
    confidence_score: float
    selected_by: str


class RouteAnswer(ApiModel):
    selected: Selected
    candidates: list[dict[str, Json]]
    priority: str
    complexity: str


# Each model's schema in the OpenAPI document (tests check the fields and required ones match).
SCHEMAS: dict[type[ApiModel], str] = {
    SessionCreated: "SessionCreated",
    Session: "Session",
    SessionDetail: "SessionDetail",
    FeedbackRecorded: "FeedbackRecorded",
    Usage: "Usage",
    Generated: "Generated",
    Experiment: "Experiment",
    AssignedVariant: "AssignedVariant",
    Results: "Results",
    Summary: "Summary",
    TrainingExample: "Example",
    Dataset: "Dataset",
    TrainingJob: "Job",
    RegistryModel: "MlModel",
    PredictionCreated: "PredictionCreated",
    Selected: "Selected",
    RouteAnswer: "RouteAnswer",
}
