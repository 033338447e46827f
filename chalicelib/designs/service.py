"""Design use cases: generate a design (an image generation with its catalog context), flag, rate, list.

A design is made by POST /v1/generations' flow (routing, the budget, fallbacks, storage in S3, the session) with
the prompt prompting.compose builds and the catalog items in `features.catalog` (their usage counts move in the
session's transaction). The design item keeps the session's image references, never bytes.

A rating is seed 000's 0.0-5.0 with its feedback type (quality, style, accuracy, usefulness). It becomes the
session's feedback as Learnloop knows it (1-5 stars, half up, 0.x counting as 1; the type as the feedback's
`aspect`), so quality scores, model statistics, routing and experiments move with it exactly as with text
feedback; the design keeps the exact mean of its users' ratings (sums in thousandths, moved in one transaction
with the user's rating item, so a second rating from the same user replaces the first and a retry counts once).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pynamodb.expressions.update import Action

from ..core import clock, keys, persist, storage
from ..core.errors import NotFound
from ..core.ids import new_id
from ..core.schemas import Page
from ..generation import service as generation
from ..generation.schemas import GenerationRequest
from ..images import storage as images
from ..sessions import service as sessions
from ..sessions.schemas import FeedbackCreate
from ..tenancy.schemas import Limits
from . import prompting
from .schemas import Design, DesignCreate, DesignFeedback, DesignListQuery, DesignPatch, DesignRated, RankedDesigns
from .store import DesignItem, DesignRatingItem, designs_page, rated_designs


def create(tenant_id: str, body: DesignCreate, limits: Limits | None = None) -> Design:
    composed = prompting.compose(tenant_id, body)
    features: dict[str, Any] = {"catalog": composed.catalog}
    for name in ("style", "occasion", "budget_tier", "arrangement_type"):
        if getattr(body, name):
            features[name] = getattr(body, name)
    made = generation.generate(
        tenant_id,
        GenerationRequest(
            user_id=body.user_id,
            category_key=body.category_key,
            prompt=composed.text,
            model_id=body.model_id,
            features=features,
            output_type="image",
            size=body.size,
            quality=body.quality,
            style=body.image_style,
            n=body.n,
            negative_prompt=body.negative_prompt,
        ),
        limits,
    )
    output = made.output if isinstance(made.output, dict) else {}
    now = clock.iso(clock.now())
    design_id = new_id("dsn")
    key = keys.design(tenant_id, design_id)
    item = DesignItem(
        key.pk,
        key.sk,
        design_id=design_id,
        session_id=made.session_id,
        user_id=body.user_id,
        prompt=composed.text,
        user_prompt=body.prompt,
        prompt_name=body.prompt_name,
        prompt_version=composed.prompt_version,
        style=body.style,
        occasion=body.occasion,
        context={
            "flowers": composed.catalog.get("flowers", []),
            "arrangement_type": body.arrangement_type,
            "budget_tier": body.budget_tier,
            "style_parameters": composed.style_parameters,
        },
        generation={
            "model_id": made.model_id,
            "selected_by": made.selected_by,
            "cost_usd": made.cost_usd,
            "latency_ms": made.latency_ms,
            "size": output.get("size"),
            "quality": output.get("quality"),
            "n": output.get("n"),
            "category_key": body.category_key,
        },
        images=images.refs_of(output) or [],
        created_at=now,
        updated_at=now,
        gsi2pk=keys.user_items(tenant_id, body.user_id),  # the user's erasure finds it
        gsi2sk=keys.design_of_user(design_id),
    )
    storage.commit([storage.Put(item, DesignItem.pk.does_not_exist())])
    return view(item)


def get(tenant_id: str, design_id: str) -> Design:
    return view(_load(tenant_id, design_id))


def patch(tenant_id: str, design_id: str, body: DesignPatch) -> Design:
    item = _load(tenant_id, design_id)
    actions: list[Action] = [DesignItem.updated_at.set(clock.iso(clock.now()))]
    if body.is_favorite is not None:
        actions.append(DesignItem.is_favorite.set(body.is_favorite))
    if body.is_approved is not None:
        actions.append(DesignItem.is_approved.set(body.is_approved))
    storage.commit([storage.Update(item, actions, DesignItem.pk.exists())])
    return get(tenant_id, design_id)


def list_designs(tenant_id: str, query: DesignListQuery) -> Page[Design]:
    """Newest first, filtered by style, occasion, favourite and approved."""
    found, cursor = designs_page(
        tenant_id, query.style, query.occasion, query.is_favorite, query.is_approved, query.limit, query.cursor
    )
    return Page[Design](items=[view(item) for item in found], next_cursor=cursor)


def ranked(tenant_id: str, count: int) -> RankedDesigns:
    """The `count` best and worst rated designs: the rated designs of the tenant read in one walk of its designs
    partition (the dashboard's thumbnails), ordered by exact mean, then by how many rated them, then newest."""
    rated = rated_designs(tenant_id)

    def order(item: DesignItem) -> tuple[float, int, str]:
        return (int(item.rating_milli_sum or 0) / int(item.rating_count), int(item.rating_count), item.design_id)

    best = sorted(rated, key=order, reverse=True)[:count]
    worst = sorted(rated, key=lambda i: (order(i)[0], -order(i)[1], order(i)[2]))[:count]
    return RankedDesigns(best=[view(i) for i in best], worst=[view(i) for i in worst], rated=len(rated))


def thumbnail(tenant_id: str, design_id: str, index: int = 0) -> bytes:
    """The stored thumbnail (PNG, at most 256 px a side) of a design's image: the bytes, read from S3."""
    refs = _load(tenant_id, design_id).images or []
    if not 0 <= index < len(refs):
        raise NotFound(f"design {design_id} has no image {index}")
    return images.thumbnail_bytes(refs[index])


def stars_of(rating: float) -> int:
    """Seed 000's 0.0-5.0 as Learnloop's 1-5 stars: half up, and below 1.5 is 1 (4.5 -> 5, 2.49 -> 2, 0.0 -> 1)."""
    return max(1, int(Decimal(repr(rating)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def rate(tenant_id: str, design_id: str, body: DesignFeedback) -> tuple[DesignRated, bool]:
    """The user's rating of a design: the session's feedback first, then the design's mean (both replace-on-retry)."""
    design = _load(tenant_id, design_id)
    stars = stars_of(body.rating)
    recorded = sessions.record_feedback(
        tenant_id,
        design.session_id,
        FeedbackCreate(user_id=body.user_id, rating=stars, aspect=body.feedback_type, text=body.feedback_text),
    )
    milli = int(Decimal(repr(body.rating)).scaleb(3).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def attempt() -> bool:
        key = keys.design_rating(tenant_id, design_id, body.user_id)
        previous = persist.find(DesignRatingItem, key)
        now = clock.iso(clock.now())
        rating = DesignRatingItem(
            key.pk, key.sk, design_id=design_id, user_id=body.user_id, rating_milli=milli,
            feedback_type=body.feedback_type, updated_at=now,
            gsi2pk=keys.user_items(tenant_id, body.user_id), gsi2sk=keys.design_rating_of_user(design_id),
        )  # fmt: skip
        condition = (
            DesignRatingItem.pk.does_not_exist() if previous is None else DesignRatingItem.updated_at == previous.updated_at
        )
        delta = milli - (int(previous.rating_milli) if previous else 0)
        design_key = keys.design(tenant_id, design_id)
        storage.commit(
            [
                storage.Put(rating, condition),
                storage.Update(
                    DesignItem(design_key.pk, design_key.sk),
                    [
                        DesignItem.rating_milli_sum.add(delta),
                        DesignItem.rating_count.add(0 if previous else 1),
                        DesignItem.updated_at.set(now),
                    ],
                    DesignItem.pk.exists(),
                ),
            ]
        )
        return previous is not None

    replaced = persist.retrying(attempt, what="rating the design")
    after = _load(tenant_id, design_id)
    answer = DesignRated(
        design_id=design_id,
        session_id=design.session_id,
        feedback_id=recorded.feedback_id,
        rating=body.rating,
        feedback_type=body.feedback_type,
        stars=stars,
        quality_score=recorded.quality_score,
        quality_rating=_mean(after),
        replaced=replaced,
    )
    return answer, replaced


def _mean(item: DesignItem) -> float | None:
    count = int(item.rating_count or 0)
    return round(int(item.rating_milli_sum or 0) / count / 1000, 3) if count else None


def _load(tenant_id: str, design_id: str) -> DesignItem:
    return persist.load(DesignItem, keys.design(tenant_id, design_id), f"no design {design_id}")


def view(item: DesignItem) -> Design:
    context: dict[str, Any] = item.context or {}
    return Design.of(
        item,
        id=item.design_id,
        prompt_version=int(item.prompt_version),
        flowers=context.get("flowers") or [],
        arrangement_type=context.get("arrangement_type"),
        budget_tier=context.get("budget_tier"),
        style_parameters=context.get("style_parameters") or {},
        generation_metadata=item.generation or {},
        images=[images.view(ref) for ref in item.images or []],
        quality_rating=_mean(item),
        ratings=int(item.rating_count or 0),
        is_favorite=bool(item.is_favorite),
        is_approved=bool(item.is_approved),
    )
