"""What the analytics routes take and give."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from ..core import clock
from ..core.schemas import ListQuery, QueryParams, RequestBody, Slug, View, in_years
from .windows import Window

PeriodType = Literal["daily", "weekly", "monthly", "all_time"]
MAX_DAYS = 366
# How far back a period query may reach (and its default), per period type.
SPANS = {"daily": (MAX_DAYS, 30), "weekly": (2 * MAX_DAYS, 12 * 7), "monthly": (10 * MAX_DAYS, 365), "all_time": (None, None)}


def _bound(value: Any) -> Any:
    """A date (2026-11-21: the whole UTC day) or an ISO timestamp (that instant; no zone means UTC)."""
    if isinstance(value, str) and len(value) > 10 and value[10] in "Tt ":
        try:
            return clock.parse_iso(value).astimezone(UTC)
        except ValueError:
            raise ValueError("must be a date (yyyy-mm-dd) or an ISO timestamp (yyyy-mm-ddThh:mm:ssZ)") from None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)  # a date, not midnight: it means the whole day
        except ValueError:
            raise ValueError("must be a date (yyyy-mm-dd) or an ISO timestamp (yyyy-mm-ddThh:mm:ssZ)") from None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return value


# datetime first: a timestamp stays an instant, a date stays a day (analytics/windows.py says what each means).
Bound = Annotated[datetime | date, BeforeValidator(_bound), AfterValidator(in_years)]


class DayRange(QueryParams):
    """`?days=N` (the last N days, today included) or `?from=&to=`: dates (whole UTC days, both included) or
    timestamps (`from` included, `to` not); see chalicelib/analytics/windows.py."""

    days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    from_: Bound | None = Field(default=None, alias="from")
    to: Bound | None = None

    def window(self, default_days: int = 30) -> Window:
        return Window.of(self.from_, self.to, self.days, default_days)

    @model_validator(mode="after")
    def _coherent(self) -> DayRange:
        if self.days is not None and self.from_ is not None:
            raise ValueError("give either days or from/to, not both")
        window = self.window()
        if self.from_ is not None and window.start >= window.end:
            raise ValueError("from must come before to" if self.to is not None else "from is after the end of today (give to)")
        return self

    def _check_span(self) -> None:
        if self.window().day_span() > MAX_DAYS:
            raise ValueError(f"the range spans more than {MAX_DAYS} days")


class SummaryQuery(DayRange):
    @model_validator(mode="after")
    def _span(self) -> SummaryQuery:
        self._check_span()
        return self


class ModelsQuery(DayRange, ListQuery):
    period: PeriodType = "daily"
    category_key: Slug | None = None
    model_id: str | None = Field(default=None, max_length=200)

    def range(self) -> Window:
        return self.window(default_days=SPANS[self.period][1] or 30)

    @model_validator(mode="after")
    def _span(self) -> ModelsQuery:
        limit = SPANS[self.period][0]
        if limit is not None and self.range().day_span() > limit:
            raise ValueError(f"a {self.period} query spans at most {limit} days")
        return self


class ExportQuery(DayRange):
    format: Literal["csv", "jsonl"] = "csv"

    @model_validator(mode="after")
    def _span(self) -> ExportQuery:
        self._check_span()
        return self


class PreferencesQuery(ListQuery):
    category_key: Slug | None = None


class Answer(View):
    """An analytics answer, built from the figures' dicts: a key the model does not declare is an error, never dropped."""

    model_config = ConfigDict(extra="forbid")


class RebuildBody(RequestBody):
    """Recount a day range from the session and feedback items (admin)."""

    from_: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] = Field(alias="from")
    to: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    repair: bool = False

    @model_validator(mode="after")
    def _coherent(self) -> RebuildBody:
        first, last = in_years(date.fromisoformat(self.from_)), in_years(date.fromisoformat(self.to))
        if first > last:
            raise ValueError("from is after to")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValueError(f"a rebuild spans at most {MAX_DAYS} days")
        return self


class DriftRow(Answer):
    """A day's counts of one (task, model) that the recount found and the live counters did not (or the reverse)."""

    day: str
    category_key: str
    model_id: str
    difference: dict[str, float] = Field(description="Recounted minus counted, field by field (zeros left out).")


class RebuildResult(Answer):
    from_: str = Field(serialization_alias="from", validation_alias="from")
    to: str
    sessions_read: int
    feedback_read: int
    drift: list[DriftRow]
    repaired: bool
    days_touched: int
    day_rows_read: int
    cells_changed: int
    rollups_written: int
    mappings_updated: int


class ProcessingTime(Answer):
    p50: float | None = None
    p95: float | None = None
    count: int = 0
    relative_precision: float


class DayFigures(Answer):
    date: str
    sessions: int
    rated_sessions: int
    feedback_rate: float | None = None
    average_rating: float | None = None
    success_rate: float | None = None
    cost_usd: float
    images: int = Field(default=0, description="Images made by generations (each counted on its session's day).")
    image_cost_usd: float = Field(default=0.0, description="What the image generations cost.")
    tokens: int
    input_tokens: int
    output_tokens: int
    generations: int
    failed_generations: int
    feedback: int
    rated_feedback: int
    successes: int
    ratings: int
    likes: int
    dislikes: int
    regenerates: int
    average_quality_score: float | None = None
    average_processing_ms: float | None = None
    corrections: int = 0
    corrected_sessions: int = 0
    corrections_per_session: float | None = Field(default=None, description="Manual corrections over sessions.")


class CorrectionsTrend(Answer):
    """Corrections per session earlier and later (a window's two halves; a roll-up's previous period and itself)."""

    earlier: float | None = None
    later: float | None = None
    change: float | None = None
    direction: Literal["falling", "rising", "flat"] | None = None


class Summary(Answer):
    from_: str = Field(serialization_alias="from", validation_alias="from")
    to: str
    total_sessions: int
    rated_sessions: int
    feedback_rate: float | None = None
    average_rating: float | None = None
    success_rate: float | None = None
    total_tokens: int
    total_cost_usd: float
    total_images: int = Field(default=0, description="Images made by generations in the window.")
    total_image_cost_usd: float = Field(default=0.0, description="What the window's image generations cost.")
    processing_time_ms: ProcessingTime
    input_tokens: int
    output_tokens: int
    generations: int
    failed_generations: int
    feedback: int
    rated_feedback: int
    successes: int
    ratings: int
    likes: int
    dislikes: int
    regenerates: int
    average_quality_score: float | None = None
    average_processing_ms: float | None = None
    corrections: int = 0
    corrected_sessions: int = 0
    corrections_per_session: float | None = None
    corrections_trend: CorrectionsTrend | None = None
    daily: list[DayFigures]


class ModelPeriod(Answer):
    """One model's figures on one task over one period."""

    # seed 002's ai_model_performance_aggregates row

    id: str
    model_id: str
    category_key: str
    period_type: str
    period_start: str
    period_end: str
    total_requests: int
    total_tokens: int
    input_tokens: int
    output_tokens: int
    total_cost_usd: float
    average_speed_ms: float | None = None
    success_rate: float | None = None
    error_rate: float | None = None
    total_feedback: int
    rated_feedback: int
    rated_sessions: int
    successes: int
    like_count: int
    dislike_count: int
    regenerate_count: int
    skip_count: int
    # 1-5: the mean star rating (seed 002); the blended one counts every rated feedback (docs/analytics.md).
    average_quality_rating: float | None = None
    blended_quality_rating: float | None = None
    ratings: int = 0
    average_rating: float | None = None
    like_ratio: float | None = None
    satisfaction_score: float | None = None
    recommendation_score: float | None = None
    calls: int
    errors: int
    feedback_rate: float | None = Field(default=None, description="Sessions with rated feedback over sessions.")
    corrections: int = 0
    corrected_sessions: int = 0
    corrections_per_session: float | None = None
    corrections_trend: CorrectionsTrend | None = Field(
        default=None, description="Against the previous period of the same task and model among the answer's rows."
    )


class ModelPeriods(Answer):
    items: list[ModelPeriod]
    next_cursor: str | None = None
    period_type: str
    from_: str | None = Field(default=None, serialization_alias="from")
    to: str | None = None


class Preference(Answer):
    user_id: str
    category_key: str
    model_id: str
    preference_score: float
    total_interactions: int
    total_uses: int
    likes: int
    dislikes: int
    regenerates: int
    skips: int
    average_quality_rating: float | None = None
    blended_quality_rating: float | None = None
    total_ratings: int
    success_rate: float | None = None
    first_used_at: str | None = None
    last_used_at: str | None = None


class Preferences(Answer):
    items: list[Preference]
    next_cursor: str | None = None


class ExportLink(View):
    """A large export: written to S3, answered with a link instead of the rows."""

    download_url: str
    expires_at: str
    location: str
    format: str
    rows: int
    sessions: int
    bytes: int
    from_: str = Field(serialization_alias="from")
    to: str


# --- the weekly performance report (GET /v1/analytics/reports/latest) ---------------------------------------------


class WeekBrief(Answer):
    """A row's figures of one week."""

    sessions: int
    rated_feedback: int
    successes: int
    success_rate: float | None = None
    average_quality_rating: float | None = None
    blended_quality_rating: float | None = None
    like_ratio: float | None = None
    average_speed_ms: float | None = None
    total_cost_usd: float
    satisfaction_score: float | None = None


class Trend(Answer):
    """This week against the last, and whether the change is more than chance."""

    current: WeekBrief
    previous: WeekBrief
    trend: Literal["improving", "declining", "stable"]
    reason: str
    change: float | None = None
    z: float | None = None
    p_value: float | None = None


class ModelTrend(Trend):
    category_key: str
    model_id: str


class VariantTrend(Trend):
    experiment_id: str
    variant_id: str


class CategoryTrend(Trend):
    category_key: str


class WeekTotals(Answer):
    """The tenant's figures of one week, as the summary defines them."""

    sessions: int
    rated_sessions: int
    feedback_rate: float | None = None
    success_rate: float | None = None
    average_rating: float | None = None
    cost_usd: float


class TenantTrend(Answer):
    current: WeekTotals
    previous: WeekTotals
    trend: Literal["improving", "declining", "stable"]
    reason: str
    change: float | None = None
    z: float | None = None
    p_value: float | None = None


class TrendCounts(Answer):
    """How many models improved, declined and stayed stable."""

    improving: int
    declining: int
    stable: int


class WeeklyReport(Answer):
    """The weekly performance report: each model, variant and task this week against the week before."""

    week_start: str
    week_end: str
    previous_week_start: str
    previous_week_end: str
    generated_at: str
    rule: str
    totals: TenantTrend
    models: list[ModelTrend]
    variants: list[VariantTrend]
    categories: list[CategoryTrend]
    counts: TrendCounts
