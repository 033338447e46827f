"""Analytics use cases, as the routes call them."""

from __future__ import annotations

import hashlib
import json

from ..core import pagination
from ..model_stats import figures, preferences
from . import aggregate, report, rollups, summary
from . import export as exporting
from .schemas import (
    ExportQuery,
    ModelPeriod,
    ModelPeriods,
    ModelsQuery,
    Preference,
    Preferences,
    PreferencesQuery,
    RebuildBody,
    RebuildResult,
    Summary,
    SummaryQuery,
    WeeklyReport,
)


def get_summary(tenant_id: str, query: SummaryQuery) -> Summary:
    return Summary.model_validate(summary.summary(tenant_id, query.window()))


def model_periods(tenant_id: str, query: ModelsQuery) -> ModelPeriods:
    """Seed 002's aggregate rows of the period type over the window (to the hour), a page at a time (by offset)."""
    window = query.range()
    first, last = window.to_the_hour().echo()
    fingerprint = hashlib.sha256(
        json.dumps([query.period, first, last, query.category_key, query.model_id]).encode()
    ).hexdigest()[:16]
    offset = 0
    if query.cursor:
        state = pagination.decode(tenant_id, "analytics-models", query.cursor)
        offset = int(state["o"]) if state.get("q") == fingerprint else 0
    rows = rollups.rows_for(tenant_id, query.period, window, query.category_key)
    if query.model_id is not None:
        rows = [row for row in rows if row.model_id == query.model_id]
    previous = _previous_rows(rows)
    page = rows[offset : offset + query.limit]
    more = offset + query.limit < len(rows)
    items = [
        ModelPeriod.model_validate(
            {
                "id": f"{row.period_type}/{row.period_start}/{row.category_key}/{row.model_id}",
                "model_id": row.model_id,
                "category_key": row.category_key,
                "period_type": row.period_type,
                "period_start": row.period_start,
                "period_end": row.period_end,
                **figures.model_figures(row.counts),
                "corrections_trend": figures.corrections_trend((previous.get(id(row), {}), row.counts)),
            }
        )
        for row in page
    ]
    cursor = pagination.encode(tenant_id, "analytics-models", {"o": offset + query.limit, "q": fingerprint}) if more else None
    answer_first = first if query.period != "all_time" else None
    return ModelPeriods(items=items, next_cursor=cursor, period_type=query.period, from_=answer_first, to=last)


def run_export(tenant_id: str, query: ExportQuery, *, raw: bool = False) -> exporting.Export:
    """The export (`raw` for an admin's key, else redacted)."""
    return exporting.export(tenant_id, query.window(), query.format, raw=raw)


def user_preferences(tenant_id: str, user_id: str, query: PreferencesQuery) -> Preferences:
    """One user's preferences by task, best first, a page at a time."""
    found, cursor = pagination.in_order(
        tenant_id,
        f"preferences:{user_id}",
        preferences.of_user(tenant_id, user_id, query.category_key),
        query.limit,
        query.cursor,
        lambda p: f"{p['category_key']}/{p['model_id']}",
    )
    return Preferences(items=[Preference.model_validate(p) for p in found], next_cursor=cursor)


def _previous_rows(rows: list[rollups.PeriodRow]) -> dict[int, figures.Counts]:
    """Each row's previous period of the same (task, model) among the rows (ordered by period start): the corrections
    trend of a roll-up compares its corrections per session with that period's (none for the first or all-time)."""
    last: dict[tuple[str, str], rollups.PeriodRow] = {}
    found: dict[int, figures.Counts] = {}
    for row in rows:
        pair = (row.category_key, row.model_id)
        if pair in last:
            found[id(row)] = last[pair].counts
        last[pair] = row
    return found


def rebuild(tenant_id: str, body: RebuildBody) -> RebuildResult:
    """Recount a day range from the session and feedback items (aggregate.rebuild), with what it found and did."""
    return RebuildResult.model_validate(aggregate.rebuild(tenant_id, body.from_, body.to, repair=body.repair))


def latest_report(tenant_id: str) -> WeeklyReport:
    """The latest weekly performance report (404 before the first)."""
    return WeeklyReport.model_validate(report.latest(tenant_id))
