"""Reading sessions: one with its feedback, and listings newest first with filters and cursors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..core import clock, keys, limits, pagination
from ..core.errors import NotFound
from ..core.query import page
from ..core.schemas import Page
from ..tenancy import service as tenancy
from .schemas import Session, SessionDetail, SessionListQuery
from .store import SessionItem, session_partition
from .views import feedback_view, session_view


def get_session(tenant_id: str, session_id: str) -> SessionDetail:
    session, feedback = session_partition(tenant_id, session_id)
    if session is None:
        raise NotFound(f"no session {session_id}")
    feedback.sort(key=lambda fb: (fb.created_at, fb.id))
    return SessionDetail(**session_view(session).model_dump(), feedback=[feedback_view(fb) for fb in feedback])


def list_sessions(tenant_id: str, query: SessionListQuery) -> Page[Session]:
    """Sessions newest first, walking month partitions backwards from `to` to `from`.

    `from` is no earlier than a year before the tenant's creation (`limits.BACKDATED_DAYS`: records made at another
    moment, as demo data and imports are, may predate it) and `to` no later than tomorrow (docs/operations.md#limits):
    `from=0001-01-01` walked every month back to year 1, minutes of queries for nothing.
    """
    now = clock.now()
    newest = min(query.to or now, now + timedelta(days=1))
    created = clock.parse_iso(tenancy.get_tenant(tenant_id).created_at) - timedelta(days=limits.BACKDATED_DAYS)
    oldest = max(query.from_, created) if query.from_ is not None else created
    state = pagination.decode(tenant_id, "sessions", query.cursor) if query.cursor else {}
    lo, hi = clock.iso(oldest), clock.iso(newest)
    items: list[SessionItem] = []
    after: dict[str, str] | None = state.get("k")
    next_state: dict[str, Any] | None

    if query.user_id is not None:
        filters = _filters(query, skip_user=True)
        found, last = page(
            SessionItem,
            keys.user_items(tenant_id, query.user_id),
            index="gsi2",
            limit=query.limit,
            after=after,
            range_condition=SessionItem.gsi2sk.between(*keys.sessions_of_user_between(lo, hi)),
            filter_condition=filters,
            forward=False,
        )
        items, next_state = found, ({"k": last} if last else None)
    else:
        month = state.get("m") or newest.strftime("%Y-%m")
        first_month = oldest.strftime("%Y-%m")
        next_state = None
        while month >= first_month:
            if query.category_key is not None:
                partition, index, sort_attr = (
                    keys.sessions_by_category(tenant_id, query.category_key, month),
                    "gsi3",
                    SessionItem.gsi3sk,
                )
            else:
                partition, index, sort_attr = keys.sessions_by_month(tenant_id, month), "gsi1", SessionItem.gsi1sk
            found, last = page(
                SessionItem,
                partition,
                index=index,
                limit=query.limit - len(items),
                after=after,
                range_condition=sort_attr.between(lo, f"{hi}~"),
                filter_condition=_filters(query),
                forward=False,
            )
            items += found
            if last is not None:
                next_state = {"m": month, "k": last}
                break
            month, after = _previous_month(month), None
            if len(items) >= query.limit:
                if month >= first_month:
                    next_state = {"m": month}
                break
    cursor = pagination.encode(tenant_id, "sessions", next_state) if next_state else None
    return Page[Session](items=[session_view(item) for item in items], next_cursor=cursor)


def _filters(query: SessionListQuery, *, skip_user: bool = False) -> Any:
    condition = None
    parts = []
    if query.experiment_id is not None:
        parts.append(SessionItem.experiment_id == query.experiment_id)
    if skip_user and query.category_key is not None:
        parts.append(SessionItem.category_key == query.category_key)
    for part in parts:
        condition = part if condition is None else condition & part
    return condition


def _previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"
