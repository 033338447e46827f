"""What the design routes take and give (seed 000's `ai_generated_designs` and `ai_training_feedback`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, JsonValue, model_validator

from ..assortment.schemas import ItemId
from ..core.schemas import ClientId, ListQuery, QueryParams, RequestBody, Slug, View
from ..generation.schemas import GeneratedImage, ImageOption, ImageSize
from ..prompts.schemas import PromptName
from ..sessions.schemas import ModelId

FeedbackType = Literal["quality", "style", "accuracy", "usefulness"]


class DesignCreate(RequestBody):
    """A design: the customer's words, then the style template, then the prompt template, then the model."""

    user_id: ClientId
    prompt: str | None = Field(default=None, min_length=1, max_length=2000, description="The customer's own words")
    style: ItemId | None = Field(default=None, description="A `styles` item of the tenant's catalog (a style template)")
    flowers: list[ItemId] = Field(default_factory=list, max_length=10, description="`flowers` items")
    arrangement_type: ItemId | None = Field(default=None, description="An `arrangement_types` item")
    occasion: ItemId | None = Field(default=None, description="An `occasions` item")
    budget_tier: ItemId | None = Field(default=None, description="A `budget_tiers` item")
    colors: str | None = Field(default=None, min_length=1, max_length=200, description="Else the style's palette")
    container: str | None = Field(default=None, min_length=1, max_length=100)
    prompt_name: PromptName = Field(default="bouquet-basic", description="The prompt template the values fill")
    prompt_version: int | None = Field(default=None, ge=1)
    category_key: Slug = "image_social"
    model_id: ModelId | None = None
    size: ImageSize | None = None
    quality: ImageOption | None = None
    image_style: ImageOption | None = Field(default=None, description="The image model's style (vivid, natural)")
    n: int = Field(default=1, ge=1, le=4)
    negative_prompt: str | None = Field(default=None, min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _something_to_draw(self) -> DesignCreate:
        if self.prompt is None and self.style is None and not self.flowers:
            raise ValueError("give a prompt, a style or flowers")
        return self


class DesignPatch(RequestBody):
    is_favorite: bool | None = None
    is_approved: bool | None = None

    @model_validator(mode="after")
    def _one(self) -> DesignPatch:
        if self.is_favorite is None and self.is_approved is None:
            raise ValueError("give is_favorite or is_approved")
        return self


class DesignFeedback(RequestBody):
    user_id: ClientId
    rating: float = Field(ge=0.0, le=5.0, description="The 0.0-5.0 quality rating")  # seed 000's rating
    feedback_type: FeedbackType | None = None
    feedback_text: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers_are_ratings_too(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("rating"), int) and not isinstance(data.get("rating"), bool):
            return {**data, "rating": float(data["rating"])}
        return data


class DesignListQuery(ListQuery):
    style: ItemId | None = None
    occasion: ItemId | None = None
    is_favorite: bool | None = None
    is_approved: bool | None = None


class Design(View):
    id: str
    design_id: str
    session_id: str
    user_id: str
    prompt: str = Field(description="The prompt the model was given (user prompt, style template, prompt template)")
    user_prompt: str | None = None
    prompt_name: str
    prompt_version: int
    style: str | None = None
    flowers: list[str] = Field(default_factory=list)
    arrangement_type: str | None = None
    occasion: str | None = None
    budget_tier: str | None = None
    style_parameters: dict[str, JsonValue] = Field(default_factory=dict)
    generation_metadata: dict[str, JsonValue] = Field(default_factory=dict)
    images: list[GeneratedImage] = Field(default_factory=list)
    quality_rating: float | None = Field(default=None, description="The mean 0.0-5.0 rating, one per user")
    ratings: int = 0
    is_favorite: bool = False
    is_approved: bool = False
    created_at: str
    updated_at: str


class DesignRated(View):
    design_id: str
    session_id: str
    feedback_id: str
    rating: float
    feedback_type: str | None = None
    stars: int = Field(description="The session feedback's 1-5 rating the design's rating became (half up, 0 is 1)")
    quality_score: float | None
    quality_rating: float | None
    replaced: bool


class RankedQuery(QueryParams):
    count: int = Field(default=3, ge=1, le=10, description="How many best and how many worst rated designs")


class RankedDesigns(View):
    """The best and the worst rated designs (by their mean rating, then the number of ratings, then the newest)."""

    best: list[Design]
    worst: list[Design]
    rated: int = Field(description="How many designs have a rating")
