"""What the data pipelines' routes take and give: pipeline definitions and their rules, runs, data quality."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints, field_validator, model_validator

from ..companies.schemas import COMPANY_DESCRIPTION, CompanyId, CompanyListQuery
from ..core import userpatterns
from ..core.limits import USER_PATTERN_MAX_CHARS
from ..core.schemas import ListQuery, Name, RequestBody, View
from ..registry.schemas import Fraction
from . import cron

QualityMetric = Literal["completeness", "validity", "consistency", "timeliness", "accuracy"]
QualityStatus = Literal["pass", "warning", "fail"]
PipelineType = Literal["data_collection", "preprocessing", "feature_engineering", "validation"]

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}"
_VERSION = r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}"
SOURCE_TABLE = re.compile(rf"^(predictions(:{_NAME}(:{_VERSION})?)?|sessions|registry_models|models|training_runs)$")
TARGET_BASELINE = re.compile(rf"^baseline:{_NAME}:{_VERSION}$")
TableName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ColumnPath = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\s.][^\s]*$")]


class AccuracyReference(RequestBody):
    """Reference values: the value each record should have, looked up by its `key` column (a chart of accounts, say)."""

    key: ColumnPath = Field(description="The column whose value identifies the record in `values`.")
    values: dict[Annotated[str, StringConstraints(min_length=1, max_length=200)], JsonValue] = Field(
        min_length=1, max_length=10_000
    )


class AccuracyRule(RequestBody):
    """What the column's values are held against: another column of the record (its ground truth) or reference values."""

    compare_to: ColumnPath | None = Field(
        default=None, description="The column holding the true value, e.g. `actual_value` of a prediction."
    )
    reference: AccuracyReference | None = None
    tolerance: float = Field(default=0.0, ge=0, description="Numbers within this absolute difference are equal.")

    @model_validator(mode="after")
    def _one(self) -> AccuracyRule:
        if (self.compare_to is None) == (self.reference is None):
            raise ValueError("give either compare_to or reference")
        return self


class ColumnRule(RequestBody):
    required: bool = False
    type: Literal["number", "integer", "string", "boolean", "object", "array", "timestamp"] | None = None
    min: float | None = None
    max: float | None = None
    allowed: list[JsonValue] | None = Field(default=None, min_length=1, max_length=1000)
    pattern: str | None = Field(default=None, max_length=USER_PATTERN_MAX_CHARS)
    max_age_days: float | None = Field(default=None, gt=0, description="Timeliness: the column is a timestamp this recent.")
    thresholds: dict[QualityMetric, Fraction] | None = None
    accuracy: AccuracyRule | None = Field(
        default=None, description="Accuracy: the values held against the record's ground truth or reference values."
    )

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            userpatterns.compile_pattern(pattern)  # ValueError (422) when RE2 cannot run it
        return pattern

    @model_validator(mode="after")
    def _range(self) -> ColumnRule:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class Transformation(RequestBody):
    fill_missing: JsonValue = None
    clip: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None
    lowercase: bool = False
    strip: bool = False
    cast: Literal["number", "string"] | None = None


class PipelineConfig(BaseModel):
    """Known settings are checked; anything else is kept as given."""

    model_config = ConfigDict(extra="allow", strict=True)

    days: int = Field(default=30, ge=1, le=366, description="Records of the last `days` days (predictions, sessions).")
    max_records: int = Field(default=10_000, ge=1, le=50_000)
    where: dict[str, JsonValue] = Field(default_factory=dict, description="Only records whose fields equal these.")
    dedupe_key: ColumnPath | None = Field(default=None, description="Records repeating this column's value are skipped.")
    columns: list[ColumnPath] = Field(default_factory=list, max_length=200, description="Columns profiled without rules.")
    thresholds: dict[QualityMetric, Fraction] = Field(default_factory=dict)
    warning_margin: Fraction = 0.05


class PipelineCreate(RequestBody):
    pipeline_name: Name
    pipeline_type: PipelineType
    schedule: str | None = Field(
        default=None,
        max_length=100,
        description="A cron expression in UTC (five fields, or @hourly, @daily, @weekly, @monthly, @yearly): "
        "the task run-scheduled-pipelines runs the pipeline at each occurrence.",
    )
    description: str | None = Field(default=None, max_length=2000)
    config: PipelineConfig = Field(default_factory=PipelineConfig)
    source_tables: list[str] = Field(
        min_length=1,
        max_length=10,
        description="predictions, predictions:<model>, predictions:<model>:<version>, sessions, registry_models, training_runs",
    )
    target_tables: list[TableName] = Field(
        default_factory=list, max_length=10, description="baseline:<model>:<version> writes a drift baseline; others are recorded"
    )
    validation_rules: dict[ColumnPath, ColumnRule] = Field(default_factory=dict, max_length=200)
    transformations: dict[ColumnPath, Transformation] = Field(default_factory=dict, max_length=200)
    company_id: CompanyId | None = Field(default=None, description=COMPANY_DESCRIPTION)

    @field_validator("source_tables")
    @classmethod
    def _sources(cls, tables: list[str]) -> list[str]:
        for table in tables:
            if not SOURCE_TABLE.match(table):
                raise ValueError(
                    f"{table!r} is not a source: predictions[:<model>[:<version>]], sessions, registry_models or training_runs"
                )
        return tables

    @field_validator("schedule")
    @classmethod
    def _cron(cls, schedule: str | None) -> str | None:
        return cron.check(schedule) if schedule is not None else None


class PipelineRunCreate(RequestBody):
    """A run takes no parameters: it executes the pipeline as defined."""


class PipelinePatch(RequestBody):
    status: Literal["active", "paused"]


class Pipeline(View):
    id: str
    pipeline_id: str
    pipeline_name: str
    pipeline_type: str
    status: str
    schedule: str | None = None
    next_run_at: str | None = None
    description: str | None = None
    config: dict[str, JsonValue]
    source_tables: list[str]
    target_tables: list[str]
    validation_rules: dict[str, JsonValue]
    transformations: dict[str, JsonValue]
    runs: int = 0
    last_run_id: str | None = None
    last_run_at: str | None = None
    last_run_status: str | None = None
    company_id: str | None = None
    created_at: str
    updated_at: str


class DataQuality(View):
    id: str
    table_name: str
    column_name: str
    quality_metric: QualityMetric
    metric_value: float
    threshold: float
    status: QualityStatus
    records: int
    issues: list[str] = Field(default_factory=list)
    recommendations: list[str] = Field(default_factory=list)
    pipeline_name: str | None = None
    run_id: str | None = None
    company_id: str | None = None
    measured_at: str


class PipelineRun(View):
    id: str
    run_id: str
    pipeline_id: str
    pipeline_name: str
    pipeline_type: str
    status: Literal["completed", "failed"]
    records_processed: int
    records_failed: int
    records_skipped: int
    metrics: dict[str, JsonValue]
    logs: str
    data_quality: list[DataQuality] = Field(default_factory=list)
    violations_opened: int = 0
    input_size: int | None = Field(default=None, description="Bytes of the records read (as JSON).")
    output_size: int | None = Field(default=None, description="Bytes of the valid records passed on (as JSON).")
    trigger: Literal["manual", "schedule"] | None = None
    scheduled_for: str | None = None
    started_at: str
    ended_at: str
    duration_ms: float


class DataQualityQuery(CompanyListQuery):
    table: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None


class PipelineRunListQuery(ListQuery):
    pass
