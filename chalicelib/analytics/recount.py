"""Recount model day rows from the event items themselves: the sessions and their feedback.

Sessions are listed per tenant and month on GSI1 (sorted by creation time); a session's feedback sits
in its own partition, read only for sessions that have feedback. Each session contributes what its
events added when they were written: its creation deltas (`sessions.service.creation_deltas`), its
feedback's contributions (`sessions.scoring.Contribution`) and its corrections; the failed calls of a
generation count against the models that failed, on the session's day.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..model_stats import figures
from ..sessions import scoring
from ..sessions import service as sessions
from ..sessions.service import FeedbackItem, SessionItem, creation_deltas
from . import periods
from .rollups import Pair, Rows


def sessions_between(tenant_id: str, first: str, last: str) -> Any:
    """Every session created on the days [first, last], oldest first."""
    return sessions_in(tenant_id, first, periods.shift(last, 1))


def sessions_in(tenant_id: str, start: str, end: str) -> Any:
    """Every session created at `start` or later and before `end` (ISO timestamps as recorded, or days), oldest first."""
    return sessions.sessions_created_in(tenant_id, start, end)


def feedback_of(tenant_id: str, session_id: str) -> list[FeedbackItem]:
    return sessions.feedback_of_session(tenant_id, session_id)


def session_rows(session: SessionItem, feedback: list[FeedbackItem]) -> dict[Pair, dict[str, float]]:
    """What one session and its feedback add to the model day rows."""
    out: dict[Pair, dict[str, float]] = defaultdict(dict)
    if session.model_id:
        counts = creation_deltas(session)
        counts["requests"] = counts.pop("sessions")
        for fb in feedback:
            figures.add(counts, scoring.Contribution.of(fb).minus(scoring.Contribution()))
        counts["rated_sessions"] = int(any(scoring.is_rated(fb) for fb in feedback))
        corrections = int(session.corrections_count or 0)
        counts |= {"corrections": corrections, "corrected_sessions": int(corrections > 0)}
        figures.add(out[(session.category_key, session.model_id)], counts)
    if session.source == "generation":
        for attempt in session.attempts or []:
            model_id = attempt.get("model_id")
            if model_id and not attempt.get("ok") and not str(attempt.get("error") or "").startswith("skipped"):
                figures.add(out[(session.category_key, model_id)], {"attempts": 1, "errors": 1})
    return out


def recount(tenant_id: str, first: str, last: str) -> tuple[dict[str, Rows], int, int]:
    """Day -> (category, model) -> counts of the sessions created on [first, last]; and how many items were read."""
    rows: dict[str, dict[Pair, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    sessions = feedback_items = 0
    for session in sessions_between(tenant_id, first, last):
        sessions += 1
        feedback = feedback_of(tenant_id, session.id) if session.feedback_count else []
        feedback_items += len(feedback)
        for pair, counts in session_rows(session, feedback).items():
            figures.add(rows[session.day][pair], counts)
    cleaned = {day: {pair: figures.clean(c) for pair, c in pairs.items() if figures.clean(c)} for day, pairs in rows.items()}
    return cleaned, sessions, feedback_items
