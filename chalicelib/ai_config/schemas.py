"""The four configuration types, each a typed schema, and what the configuration routes take and give."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue, StringConstraints, field_validator

from ..core.schemas import Name, QueryParams, RequestBody, Slug, View

ConfigType = Literal["prompts", "categories", "behavior", "industry"]
CONFIG_TYPES: tuple[str, ...] = ("prompts", "categories", "behavior", "industry")


class PromptEntry(RequestBody):
    template: str = Field(min_length=1, max_length=20_000, description="With {variable} placeholders.")
    description: str | None = Field(default=None, max_length=2000)


class PromptsConfig(RequestBody):
    """The AI prompts of the tenant's features, by name."""

    prompts: dict[Slug, PromptEntry] = Field(min_length=1, max_length=200)


class CategoryEntry(RequestBody):
    key: Slug
    name: Name
    description: str | None = Field(default=None, max_length=2000)
    keywords: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=200)


class CategoriesConfig(RequestBody):
    """The categories the tenant's models book to (an accounting platform's expense types)."""

    categories: list[CategoryEntry] = Field(min_length=1, max_length=1000)
    model_names: list[Name] = Field(
        default_factory=list,
        max_length=200,
        description="The classification models whose labels are these categories' keys (empty: every classification "
        "model of the tenant): their predictions, ground truths and corrections must name a category.",
    )

    @field_validator("categories")
    @classmethod
    def _unique(cls, entries: list[CategoryEntry]) -> list[CategoryEntry]:
        keys = [entry.key for entry in entries]
        if len(set(keys)) != len(keys):
            raise ValueError("must not repeat a category key")
        return entries


class BehaviorConfig(RequestBody):
    """Switches the learning loop reads: how feedback is processed and what retraining takes."""

    feedback_processing: Literal["automatic", "manual"] = Field(
        default="automatic",
        description="automatic: the process-feedback task processes pending feedback; manual: only "
        "POST .../feedback/{id}/process does.",
    )
    min_correction_confidence: float = Field(
        default=0.0, ge=0, le=1, description="A correction whose user confidence is below this is ignored."
    )
    ignore_low_impact: bool = Field(default=False, description="Feedback of impact low is ignored, not processed.")
    retraining_days: int = Field(default=30, ge=1, le=365, description="How far back a retraining run's data reaches.")


class IndustryConfig(RequestBody):
    industry: Name = Field(description="accounting, retail, ...")
    region: str | None = Field(default=None, max_length=100)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    fiscal_year_start: Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")] | None = None
    settings: dict[str, JsonValue] = Field(default_factory=dict)


SCHEMAS: dict[str, type[RequestBody]] = {
    "prompts": PromptsConfig,
    "categories": CategoriesConfig,
    "behavior": BehaviorConfig,
    "industry": IndustryConfig,
}


class ConfigPut(RequestBody):
    config_data: dict[str, JsonValue] = Field(description="Checked against the type's schema (prompts, categories, ...).")
    expected_version: int | None = Field(
        default=None, ge=0, description="The latest version the change was made from: another one is 409 (0: none yet)."
    )
    comment: str | None = Field(default=None, max_length=2000)


class ConfigRollback(RequestBody):
    version: int = Field(ge=1, description="The version whose data becomes active again (as a new version).")
    expected_version: int | None = Field(default=None, ge=0)
    comment: str | None = Field(default=None, max_length=2000)


class AiConfig(View):
    id: str
    config_type: str
    version: int
    config_data: dict[str, JsonValue]
    is_active: bool
    comment: str | None = None
    rolled_back_from: int | None = None
    created_by: str | None = None
    created_at: str


class ConfigDiffQuery(QueryParams):
    from_version: int | None = Field(default=None, ge=1, alias="from", description="Default: the version before `to`.")
    to_version: int | None = Field(default=None, ge=1, alias="to", description="Default: the active version.")


class ConfigChange(View):
    path: str
    change: Literal["added", "removed", "changed"]
    before: JsonValue = None
    after: JsonValue = None


class ConfigDiff(View):
    config_type: str
    from_version: int
    to_version: int
    changes: list[ConfigChange]
