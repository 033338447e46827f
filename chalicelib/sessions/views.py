"""How sessions and feedback read in answers (shared by the routes, exports and anything that shows a session)."""

from __future__ import annotations

from typing import Any

from . import scoring
from .schemas import Feedback, Session
from .store import FeedbackItem, SessionItem


def session_view(item: SessionItem) -> Session:
    rating_count = int(item.rating_count or 0)
    return Session.of(
        item,
        session_id=item.id,
        manual_corrections=item.manual_corrections or [],
        features=item.features or {},
        source=item.source or "external",
        usage={"input_tokens": int(item.input_tokens or 0), "output_tokens": int(item.output_tokens or 0)}
        if item.source == "generation"
        else None,
        images=_images(item),
        quality_score=quality(item),
        feedback_count=int(item.feedback_count or 0),
        rated_feedback_count=int(item.rated_count or 0),
        success_count=int(item.success_count or 0),
        average_rating=round(item.rating_sum / rating_count, 6) if rating_count else None,
    )


def _images(item: SessionItem) -> list[dict[str, Any]] | None:
    """Presigned links to an image generation's stored images (its output keeps only their references)."""
    if item.source != "generation" or not isinstance(item.output, dict) or "images" not in item.output:
        return None
    from ..images import storage  # deferred: cold start (only sessions that hold images pay for it)

    return storage.views_of(item.output)


def quality(item: SessionItem) -> float | None:
    return scoring.session_quality(item.quality_sum or 0, int(item.quality_count or 0), int(item.corrections_count or 0))


def feedback_view(item: FeedbackItem) -> Feedback:
    return Feedback.of(item, feedback_id=item.id, rating=int(item.rating) if item.rating is not None else None)
