"""Design items and the users' ratings of them, in the tenant's designs partition (core/keys.py)."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.table import TableItem


class DesignItem(TableItem, discriminator="design"):
    design_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    prompt = UnicodeAttribute()
    user_prompt = UnicodeAttribute(null=True)
    prompt_name = UnicodeAttribute()
    prompt_version = NumberAttribute()
    style = UnicodeAttribute(null=True)
    occasion = UnicodeAttribute(null=True)
    context = JSONAttribute()  # flowers, arrangement_type, budget_tier, style_parameters
    generation = JSONAttribute()  # model, cost, latency, size, quality, n
    images = JSONAttribute()  # the session's S3 references (never bytes, never a provider's link)
    rating_milli_sum = NumberAttribute(default=0)  # sum of the users' ratings in thousandths: exact
    rating_count = NumberAttribute(default=0)
    is_favorite = BooleanAttribute(default=False)
    is_approved = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class DesignRatingItem(TableItem, discriminator="design_rating"):
    design_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    rating_milli = NumberAttribute()
    feedback_type = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()


def designs_page(
    tenant_id: str,
    style: str | None,
    occasion: str | None,
    is_favorite: bool | None,
    is_approved: bool | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[DesignItem], str | None]:
    """A page of the tenant's designs, newest first, with the given style, occasion, favourite and approved."""
    condition = None
    for attribute, wanted in (
        (DesignItem.style, style),
        (DesignItem.occasion, occasion),
        (DesignItem.is_favorite, is_favorite),
        (DesignItem.is_approved, is_approved),
    ):
        if wanted is not None:
            term = attribute == wanted
            condition = term if condition is None else condition & term
    return persist.list_page(
        DesignItem,
        keys.designs(tenant_id),
        owner=tenant_id,
        listing=f"designs:{style}:{occasion}:{is_favorite}:{is_approved}",
        limit=limit,
        cursor=cursor,
        range_condition=DesignItem.sk.startswith(keys.design_prefix()),
        filter_condition=condition,
        forward=False,
    )


def rated_designs(tenant_id: str) -> list[DesignItem]:
    """Every design of the tenant that someone rated (one walk of its designs partition)."""
    found = DesignItem.query(
        keys.designs(tenant_id), DesignItem.sk.startswith(keys.design_prefix()), filter_condition=DesignItem.rating_count > 0
    )
    return [item for item in found if isinstance(item, DesignItem)]


def ratings_of_user(tenant_id: str, user_id: str) -> list[DesignRatingItem]:
    """The user's ratings of designs (GSI2)."""
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.DESIGN_RATING_OF_USER))
    return [item for item in found if isinstance(item, DesignRatingItem)]


def designs_of_user(tenant_id: str, user_id: str) -> list[DesignItem]:
    """The user's own designs (GSI2)."""
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.DESIGN_OF_USER))
    return [item for item in found if isinstance(item, DesignItem)]
