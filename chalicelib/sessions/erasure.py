"""Erasing an end user's sessions and feedback, with every count taken back exactly once.

A feedback is removed like a replacement by nothing (its contribution leaves every counter); a
session is removed once it has no feedback left, taking back what its creation counted. Each
removal is one transaction that can carry the caller's own bookkeeping (the erasure's running
totals), so a retried erasure neither double counts nor misses anything. `erase_user_data` is the sessions'
user erasure (chalicelib/contributions.py): the user's sessions with their images, and the feedback they gave.
"""

from __future__ import annotations

from typing import Any

from ..core import clock, keys, storage
from ..core.extensions import Erasure
from ..images import storage as image_storage
from .service import erasure_ops, feedback_change_ops
from .store import FeedbackItem, SessionItem, feedback_of_user, feedback_on, sessions_of_user


def sessions_of(tenant_id: str, user_id: str) -> list[str]:
    """The ids of the user's sessions (GSI2, eventually consistent: a retry finds late arrivals)."""
    return [item.id for item in sessions_of_user(tenant_id, user_id)]


def feedback_given_by(tenant_id: str, user_id: str) -> list[str]:
    """The ids of the sessions the user gave feedback on."""
    return [item.session_id for item in feedback_of_user(tenant_id, user_id)]


def erase_feedback(tenant_id: str, session_id: str, rater: str, extra: list[storage.Op]) -> bool:
    """Remove one user's feedback on a session; False when it is already gone."""

    def attempt() -> bool:
        session_key, feedback_key = keys.session(tenant_id, session_id), keys.feedback(tenant_id, session_id, rater)
        found = storage.get_many([session_key, feedback_key])
        session, feedback = found.get(session_key), found.get(feedback_key)
        if not isinstance(session, SessionItem) or not isinstance(feedback, FeedbackItem):
            return False
        ops = feedback_change_ops(tenant_id, session, feedback, None, clock.iso(clock.now()), erasing=True)
        storage.commit(ops + extra)
        return True

    return bool(storage.retrying(attempt, what="erasing feedback"))


def erase_session(tenant_id: str, session_id: str, feedback_extra: list[storage.Op], session_extra: list[storage.Op]) -> bool:
    """Remove a session and all the feedback on it; False when it is already gone."""
    for item in feedback_on(tenant_id, session_id):
        erase_feedback(tenant_id, session_id, item.user_id, feedback_extra)

    def attempt() -> bool:
        session = storage.get(SessionItem, keys.session(tenant_id, session_id))
        if session is None:
            return False
        storage.commit(erasure_ops(tenant_id, session) + session_extra)
        return True

    return bool(storage.retrying(attempt, what="erasing a session"))


def erase_user_data(erasure: Erasure) -> None:
    """The user's sessions (all the feedback on them; their images leave S3 first, counted with the session's
    removal as `sessions` and `images`), then the feedback they gave on other sessions (`feedback`)."""
    tenant_id, user_id = erasure.tenant_id, erasure.user_id
    for session_id in sessions_of(tenant_id, user_id):
        stored = _images_of(tenant_id, session_id)
        image_storage.delete(stored)  # deleting twice is harmless
        erase_session(
            tenant_id, session_id, [erasure.count("feedback")], [erasure.counts({"sessions": 1, "images": len(stored)})]
        )
    for session_id in feedback_given_by(tenant_id, user_id):
        erase_feedback(tenant_id, session_id, user_id, [erasure.count("feedback")])


def _images_of(tenant_id: str, session_id: str) -> list[dict[str, Any]]:
    """The S3 references of the images a session's output holds (none for a text session)."""
    session = storage.get(SessionItem, keys.session(tenant_id, session_id))
    return (image_storage.refs_of(session.output) or []) if session is not None else []
