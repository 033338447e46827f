"""Erasing an end user's sessions and feedback, with every count taken back exactly once.

A feedback is removed like a replacement by nothing (its contribution leaves every counter); a
session is removed once it has no feedback left, taking back what its creation counted. Each
removal is one transaction that can carry the caller's own bookkeeping (the erasure's running
totals), so a retried erasure neither double counts nor misses anything.
"""

from __future__ import annotations

from ..core import clock, keys, storage
from ..core.table import TableItem
from .service import erasure_ops, feedback_change_ops
from .store import FeedbackItem, SessionItem


def sessions_of(tenant_id: str, user_id: str) -> list[str]:
    """The ids of the user's sessions (GSI2, eventually consistent: a retry finds late arrivals)."""
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.SESSION_OF_USER))
    return [item.id for item in found if isinstance(item, SessionItem)]


def feedback_given_by(tenant_id: str, user_id: str) -> list[str]:
    """The ids of the sessions the user gave feedback on."""
    found = TableItem.gsi2.query(keys.user_items(tenant_id, user_id), TableItem.gsi2sk.startswith(keys.FEEDBACK_OF_USER))
    return [item.session_id for item in found if isinstance(item, FeedbackItem)]


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
    partition = keys.session_partition(tenant_id, session_id)
    for item in list(TableItem.query(partition, TableItem.sk.startswith(keys.feedback_prefix()), consistent_read=True)):
        if isinstance(item, FeedbackItem):
            erase_feedback(tenant_id, session_id, item.user_id, feedback_extra)

    def attempt() -> bool:
        session = storage.get(SessionItem, keys.session(tenant_id, session_id))
        if session is None:
            return False
        storage.commit(erasure_ops(tenant_id, session) + session_extra)
        return True

    return bool(storage.retrying(attempt, what="erasing a session"))
