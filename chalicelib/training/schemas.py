"""What the training routes take and give: examples, datasets, fine-tuning jobs, retraining."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, JsonValue, StringConstraints, model_validator

from ..core.schemas import ClientId, ListQuery, Name, QueryParams, RequestBody, Slug, View
from ..experiments.schemas import Metric
from ..sessions.schemas import ModelId

Format = Literal["openai-chat-jsonl", "openai-preference-jsonl"]
Split = Literal["train", "validation"]
DatasetStatus = Literal["building", "ready", "failed"]
JobStatus = Literal["pending", "running", "succeeded", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
Suffix = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,39}$")]
Quality = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Rating = Annotated[float, Field(ge=1, le=5, allow_inf_nan=False)]


# --- examples ----------------------------------------------------------------------------------


class ExampleQuery(ListQuery):
    category_key: Slug | None = None
    min_quality: Quality | None = None
    validated: bool | None = None


class ExamplePatch(RequestBody):
    """An administrator's review of an example. Each field given overrides what feedback says; null removes the override."""

    validated: bool | None = None
    quality_score: Quality | None = None
    expected_output: JsonValue = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ExamplePatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of validated, quality_score, expected_output")
        return self


class Example(View):
    id: str
    example_id: str
    session_id: str
    user_id: str
    category_key: str
    input: JsonValue = None
    expected_output: JsonValue = None
    expected_output_source: Literal["override", "corrected_output", "output"] | None = Field(
        default=None, description="Where expected_output comes from: an administrator, the user's correction, or the AI."
    )
    quality_score: float | None = None
    quality_source: Literal["override", "feedback"] | None = None
    validated: bool = False
    features: dict[str, JsonValue] = Field(default_factory=dict)
    model_id: str | None = None
    experiment_id: str | None = None
    variant_id: str | None = None
    feedback_count: int = 0
    success_count: int = 0
    regenerate_count: int = 0
    dislike_count: int = 0
    corrections_count: int = 0
    created_at: str
    updated_at: str


# --- datasets ----------------------------------------------------------------------------------


class DatasetCreate(RequestBody):
    days: int = Field(ge=1, le=3650, description="Sessions created in the last `days` days.")
    min_rating: Rating = Field(
        description="1-5: an example needs a quality score of at least (min_rating - 1) / 4, the rating's own score."
    )
    category_key: Slug | None = None
    validation_split: float = Field(default=0.1, ge=0, le=0.5, allow_inf_nan=False)
    system_prompt: str | None = Field(default=None, min_length=1, max_length=20_000)
    format: Format = "openai-chat-jsonl"
    validated_only: bool = Field(default=False, description="Only examples an administrator marked validated.")
    max_examples: int = Field(default=10_000, ge=1, le=50_000, description="The best-rated examples first.")
    name: Name | None = None


class DownloadQuery(QueryParams):
    split: Split = "train"


class Progress(View):
    stage: str
    done: int = 0
    total: int = 0
    percent: float = 0.0


class DatasetFile(View):
    split: str
    location: str
    lines: int
    bytes: int
    sha256: str


class Lineage(View):
    session_ids: list[str] = Field(default_factory=list, description="The first sessions (all of them in `manifest`).")
    session_ids_count: int = 0
    session_ids_sha256: str | None = None
    manifest: str | None = Field(default=None, description="JSONL: one line per dataset line, with its sessions and split.")
    jobs: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)


class Dataset(View):
    id: str
    dataset_id: str
    name: str | None = None
    status: DatasetStatus
    format: Format
    train_count: int = 0
    validation_count: int = 0
    location: str
    session_ids_count: int = 0
    users_count: int = 0
    categories: list[str] = Field(default_factory=list)
    filters: dict[str, JsonValue] = Field(default_factory=dict)
    stats: dict[str, int] = Field(default_factory=dict)
    redactions: dict[str, int] = Field(default_factory=dict)
    files: dict[str, DatasetFile] = Field(default_factory=dict)
    lineage: Lineage = Field(default_factory=Lineage)
    progress: Progress | None = None
    error: str | None = None
    created_at: str
    updated_at: str
    rebuilt_at: str | None = None
    rebuilds: int = 0


class DatasetListQuery(ListQuery):
    pass


# --- fine-tuning jobs --------------------------------------------------------------------------

Auto = Literal["auto"]


class Hyperparameters(RequestBody):
    n_epochs: Annotated[int, Field(ge=1, le=50)] | Auto | None = None
    batch_size: Annotated[int, Field(ge=1, le=256)] | Auto | None = None
    learning_rate_multiplier: Annotated[float, Field(gt=0, le=10)] | Auto | None = None
    beta: Annotated[float, Field(gt=0, le=2)] | Auto | None = Field(default=None, description="Preference (DPO) datasets only.")


class JobCreate(RequestBody):
    dataset_id: ClientId
    base_model: ModelId = Field(description="A model of the catalog: `openai:gpt-4o-mini`, or an offline one like `local:sage`.")
    suffix: Suffix | None = None
    hyperparameters: Hyperparameters = Field(default_factory=Hyperparameters)
    start_experiment: bool = Field(
        default=False, description="When the job succeeds, start an experiment of the base model against the new one."
    )


class JobEvent(View):
    id: str
    created_at: str
    level: str = "info"
    message: str
    source: Literal["learnloop", "provider"] = "learnloop"
    data: dict[str, JsonValue] | None = None


class JobError(View):
    code: str
    message: str


class Job(View):
    id: str
    job_id: str
    dataset_id: str
    base_model: str
    provider: str
    format: Format
    status: JobStatus
    fine_tuned_model: str | None = Field(default=None, description="The provider's name of the new model.")
    model_id: str | None = Field(default=None, description="The new model's id in the catalog.")
    error: JobError | None = None
    events: list[JobEvent] = Field(default_factory=list, description="The latest 100, oldest first.")
    events_count: int = 0
    progress: Progress | None = None
    metrics: dict[str, JsonValue] | None = None
    hyperparameters: dict[str, JsonValue] = Field(default_factory=dict)
    suffix: str | None = None
    start_experiment: bool = False
    experiment_id: str | None = None
    provider_job_id: str | None = None
    provider_status: str | None = None
    estimated_cost_usd: float | None = Field(
        default=None, description="Reserved from the monthly budget at creation: training tokens x epochs x the price."
    )
    cost_usd: float | None = Field(default=None, description="What the job cost, once it has ended (0 when it failed).")
    created_at: str
    updated_at: str
    started_at: str | None = None
    finished_at: str | None = None


class JobListQuery(ListQuery):
    status: JobStatus | None = None


class JobExperimentCreate(RequestBody):
    """An experiment of the job's base model (the control) against the model it produced."""

    name: Name | None = None
    category_key: Slug | None = Field(default=None, description="Defaults to the dataset's category when it has one.")
    metric: Metric = "success"
    auto_optimize: bool = True
    min_exploration: float = Field(default=0.05, ge=0, le=0.5, allow_inf_nan=False)
    fine_tuned_share: float = Field(default=0.5, gt=0, lt=1, allow_inf_nan=False)


# --- retraining --------------------------------------------------------------------------------


class RetrainRequest(RequestBody):
    days: int = Field(default=30, ge=1, le=3650)
    min_rating: Rating = 1.0
    category_key: Slug | None = None
    base_model: ModelId | None = Field(
        default=None, description="Defaults to the best-rated model of the window whose provider can fine-tune here."
    )
    format: Format = "openai-chat-jsonl"
    validation_split: float = Field(default=0.1, ge=0, le=0.5, allow_inf_nan=False)
    system_prompt: str | None = Field(default=None, min_length=1, max_length=20_000)
    start_job: bool = True
    improve_prompts: bool = True
    variant_share: float = Field(
        default=0.1, gt=0, le=0.5, allow_inf_nan=False, description="The traffic share a new prompt variant starts with."
    )


class Group(View):
    """How the sessions of one value of a dimension (a variant, a model, a category, a feature value) were rated."""

    value: str
    experiment_id: str | None = None
    sessions: int
    high: int
    low: int
    high_rate: float
    mean_quality: float


class FeatureEffect(View):
    feature: str
    kind: Literal["categorical", "numeric"]
    effect: float = Field(description="Categorical: the spread of high_rate between values; numeric: Cohen's d, high vs low.")
    sessions: int
    best_value: str | None = None
    worst_value: str | None = None
    values: list[Group] = Field(default_factory=list)
    mean_high: float | None = None
    mean_low: float | None = None


class TermEffect(View):
    term: str
    high_share: float
    low_share: float
    lift: float


class Patterns(View):
    sessions: int
    high: int
    low: int
    high_rate: float | None = None
    mean_quality: float | None = None
    thresholds: dict[str, float] = Field(default_factory=dict)
    by_variant: list[Group] = Field(default_factory=list)
    by_model: list[Group] = Field(default_factory=list)
    by_category: list[Group] = Field(default_factory=list)
    features: list[FeatureEffect] = Field(default_factory=list)
    top_terms: list[TermEffect] = Field(default_factory=list)
    insights: list[str] = Field(default_factory=list)


class NewVariant(View):
    experiment_id: str
    variant_id: str
    category_key: str
    prompt: str
    weight: float
    traffic_share: float
    written_by: str = Field(description="The model that wrote it, or `local-rewrite` for the deterministic rewrite.")
    derived_from: dict[str, Any] = Field(default_factory=dict)


class RetrainResult(View):
    dataset: Dataset
    job: Job | None = None
    job_skipped: str | None = None
    patterns: Patterns
    new_variants: list[NewVariant] = Field(default_factory=list)
    skipped_variants: list[dict[str, str]] = Field(default_factory=list)
