"""What experiments take and give: requests validated field by field, and the views the API answers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue, StringConstraints, field_validator, model_validator

from ..core.schemas import ClientId, ListQuery, Name, RequestBody, Slug, View

MAX_VARIANTS = 20
# Variant ids are chosen by the client and sit inside keys: letters, digits, `_`, `-`, `.`.
VariantId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.]{0,63}$")]
ModelId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.:/@]{0,199}$")]
PromptName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.]{0,127}$")]
Weight = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]
Metric = Literal["success", "rating"]
Status = Literal["running", "paused", "stopped"]
MAX_CONTEXT_FIELDS = 8
# Context field names and categorical values sit inside counter keys: no `#`.
FieldName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,39}$")]
CategoryValue = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.:]{0,63}$")]
Finite = Annotated[float, Field(allow_inf_nan=False)]
ContextValue = Annotated[str, StringConstraints(max_length=200)] | int | float | None


class VariantCreate(RequestBody):
    """A variant: a prompt (inline or a named template) and/or a model, with its share of traffic."""

    id: VariantId
    name: Name
    prompt: str | None = Field(default=None, min_length=1, max_length=20_000)
    prompt_name: PromptName | None = None
    prompt_version: int | None = Field(default=None, ge=1)
    model_id: ModelId | None = None
    weight: Weight = 1.0
    is_control: bool = False
    active: bool = True
    description: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _version_needs_name(self) -> VariantCreate:
        if self.prompt_version is not None and self.prompt_name is None:
            raise ValueError("prompt_version needs prompt_name")
        return self


def _check_variants(variants: list[VariantCreate]) -> list[VariantCreate]:
    ids = [v.id for v in variants]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"variant ids must be unique; repeated: {', '.join(repeated)}")
    if sum(v.is_control for v in variants) > 1:
        raise ValueError("at most one variant can be the control")
    if not any(v.active and v.weight > 0 for v in variants):
        raise ValueError("at least one active variant needs a weight above 0")
    return variants


class ContextField(RequestBody):
    """A field of the assign request's `context` that a contextual experiment learns from (docs/experiments.md).

    Categorical: its `values` (each a one-hot column; any other value is the segment `(other)`).
    Numeric: its bucket `edges` (ascending; the segments of the results, and a one-hot column each) and
    the `mean` and `sd` that standardise it (by default the edges' midpoint and half their span).
    """

    name: FieldName
    kind: Literal["categorical", "numeric"]
    values: list[CategoryValue] | None = Field(default=None, min_length=1, max_length=20)
    edges: list[Finite] | None = Field(default=None, min_length=1, max_length=8)
    mean: Finite | None = None
    sd: Finite | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _shape(self) -> ContextField:
        if self.kind == "categorical":
            if not self.values or self.edges is not None or self.mean is not None or self.sd is not None:
                raise ValueError("a categorical field takes values (and no edges, mean or sd)")
            if len(set(self.values)) != len(self.values):
                raise ValueError("values must be unique")
        else:
            if not self.edges or self.values is not None:
                raise ValueError("a numeric field takes edges (and no values)")
            if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
                raise ValueError("edges must be strictly ascending")
        return self


class ExperimentCreate(RequestBody):
    name: Name
    category_key: Slug | None = None
    description: str | None = Field(default=None, max_length=2000)
    metric: Metric = "success"
    auto_optimize: bool = False
    min_exploration: float = Field(default=0.05, ge=0, le=0.5, allow_inf_nan=False)
    min_rated_per_arm: int = Field(
        default=30, ge=1, le=1_000_000, description="Burn-in: rated sessions per arm before the optimiser moves weights."
    )
    auto_stop: bool = Field(
        default=False, description="Stop by itself when the always-valid p-value decides (docs/experiments.md)."
    )
    contextual: bool = Field(
        default=False, description="New users are assigned by a contextual Thompson sampler over `context_fields`."
    )
    context_fields: list[ContextField] | None = Field(default=None, min_length=1, max_length=MAX_CONTEXT_FIELDS)
    variants: list[VariantCreate] = Field(min_length=1, max_length=MAX_VARIANTS)

    @field_validator("variants")
    @classmethod
    def _variants(cls, variants: list[VariantCreate]) -> list[VariantCreate]:
        return _check_variants(variants)

    @field_validator("context_fields")
    @classmethod
    def _unique_fields(cls, fields: list[ContextField] | None) -> list[ContextField] | None:
        names = [f.name for f in fields or []]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"context field names must be unique; repeated: {', '.join(repeated)}")
        return fields


class VariantPatch(RequestBody):
    id: VariantId
    weight: Weight | None = None
    active: bool | None = None


class ExperimentPatch(RequestBody):
    status: Status | None = None
    winner_variant_id: VariantId | None = None
    variants: list[VariantPatch] | None = Field(default=None, min_length=1, max_length=MAX_VARIANTS)
    name: Name | None = None
    auto_optimize: bool | None = None
    min_exploration: float | None = Field(default=None, ge=0, le=0.5, allow_inf_nan=False)
    min_rated_per_arm: int | None = Field(default=None, ge=1, le=1_000_000)
    auto_stop: bool | None = None

    @field_validator("variants")
    @classmethod
    def _unique(cls, variants: list[VariantPatch] | None) -> list[VariantPatch] | None:
        ids = [v.id for v in variants or []]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"each variant once; repeated: {', '.join(repeated)}")
        return variants

    @model_validator(mode="after")
    def _coherent(self) -> ExperimentPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        return self


class AssignRequest(RequestBody):
    user_id: ClientId
    context: dict[str, ContextValue] | None = Field(
        default=None, max_length=MAX_CONTEXT_FIELDS, description="The fields a contextual experiment declares."
    )


class ExperimentListQuery(ListQuery):
    status: Status | None = None


class Variant(View):
    id: str
    variant_id: str
    experiment_id: str
    name: str
    description: str | None = None
    prompt: str | None = None
    prompt_name: str | None = None
    prompt_version: int | None = None
    model_id: str | None = None
    weight: float
    traffic_share: float = Field(description="This variant's fraction of new users now (active variants' weights, normalised).")
    is_control: bool
    active: bool
    created_at: str


class Experiment(View):
    id: str
    experiment_id: str
    name: str
    description: str | None = None
    category_key: str | None = None
    metric: Metric
    auto_optimize: bool
    min_exploration: float
    min_rated_per_arm: int
    auto_stop: bool
    contextual: bool = False
    context_fields: list[dict[str, JsonValue]] | None = None
    status: Status
    control_id: str
    winner_variant_id: str | None = None
    variants: list[Variant]
    weights_period: int = Field(description="Number of the current period of fixed weights (1 at creation).")
    created_at: str
    updated_at: str
    stopped_at: str | None = None
    stop_reason: str | None = None
    last_optimized_at: str | None = None


class AssignedVariant(View):
    """What a caller needs to run the user's variant: its prompt and model (and whether the user is enrolled)."""

    id: str
    experiment_id: str
    user_id: str
    variant_id: str
    name: str
    prompt: str | None = None
    prompt_name: str | None = None
    prompt_version: int | None = None
    model_id: str | None = None
    category_key: str | None = None
    is_control: bool
    assigned_at: str = Field(description="When the user was first assigned (now, when the answer enrols nobody).")
    enrolled: bool = Field(description="False when the experiment is stopped (winner) or paused (control for new users).")
    status: Status
    assigned_by: Literal["weights", "contextual"] | None = Field(
        default=None,
        description="How the enrolled user's variant was chosen: the weights, or the contextual sampler (after burn-in).",
    )


class WeightChange(View):
    """One period of fixed weights and the change that started it, with its inputs."""

    id: str
    experiment_id: str
    period: int
    started_at: str
    reason: str
    trigger: str
    weights: dict[str, float]
    traffic_shares: dict[str, float]
    previous_traffic_shares: dict[str, float] | None = None
    inputs: dict[str, JsonValue] | None = None


class VariantResult(View):
    variant_id: str
    name: str
    is_control: bool
    active: bool
    assignments: int
    sessions: int
    feedback_count: int
    rated: int = Field(description="Rated feedback: the trials of the success rate (one per rated session in the usual case).")
    rated_sessions: int
    successes: int
    success_rate: float | None
    rating_count: int
    average_rating: float | None
    rating_sd: float | None
    average_quality: float | None
    weight: float
    traffic_share: float


class Comparison(View):
    variant_id: str
    control_id: str
    metric: Metric
    difference: float | None = Field(description="Variant minus control (rates or mean ratings).")
    lift: float | None
    ci95: list[float] | None
    p_value: float | None
    z: float | None = Field(description="The z statistic (metric success) or Welch's t (metric rating).")
    df: float | None = None
    significant: bool
    confidence: float | None
    chance_to_beat_control: float
    always_valid_p_value: float
    always_valid_p_value_now: float = Field(
        description="The mixture SPRT p-value of this look alone (before the running minimum)."
    )


class Srm(View):
    """The sample-ratio-mismatch check of the sessions recorded per variant against the weights, period by period.

    `observed` and `expected` are the recorded sessions and what the weights expect of them (summed
    over periods); `sessions` repeats the observed counts, `assignments` the server's own assignments.
    """

    p_value: float | None
    ok: bool
    chi2: float | None
    statistic: float | None
    df: int
    observed: dict[str, int]
    expected: dict[str, float]
    periods: int
    sessions: dict[str, int]
    assignments: dict[str, int]


class SegmentVariant(View):
    variant_id: str
    sessions: int
    rated: int
    successes: int
    rating_count: int
    mean_reward: float | None = Field(description="Success rate (metric success) or mean rating (metric rating).")


class Segment(View):
    """One context segment of a contextual experiment: a categorical value, or a numeric field's bucket."""

    field: str
    segment: str = Field(description="The value, the bucket (`<1`, `[1,1.5)`, `>=1.5`), `(other)` or `(missing)`.")
    variants: list[SegmentVariant]
    preferred_variant_id: str | None = Field(description="The variant the learned policy prefers here (after burn-in).")


class Results(View):
    id: str
    experiment_id: str
    metric: Metric
    status: Status
    control_id: str
    winner_variant_id: str | None = None
    alpha: float
    variants: list[VariantResult]
    comparisons: list[Comparison]
    srm: Srm
    segments: list[Segment] | None = Field(default=None, description="Contextual experiments: figures per context segment.")
    computed_at: str


class WeightOptimization(View):
    experiment_id: str
    weights: dict[str, float] = Field(description="Traffic share of each variant after this run.")
    changed: bool
    reason: str
    probabilities: dict[str, float] | None = Field(
        default=None, description="Each active arm's posterior probability of being best."
    )
    period: int
    stopped: bool = False
    winner_variant_id: str | None = None
    policy: dict[str, JsonValue] | None = Field(
        default=None, description="Contextual experiments: per segment the preferred variant and each one's probability."
    )
