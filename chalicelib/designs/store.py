"""Design items and the users' ratings of them, in the tenant's designs partition (core/keys.py)."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

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
