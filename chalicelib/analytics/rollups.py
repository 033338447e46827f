"""Model roll-ups: per (task category, model) and period, read from day counters and roll-up items.

Day rows are the sharded (day, category, model) counters the sessions subscriber moves. Weekly,
monthly and all-time rows are roll-up items written by aggregate-metrics (`aggregate.py`). Since
feedback can arrive for an old session, a closed period can still change: every counted event also
marks `<hour>#<day>` (the touched-days counter), and whatever was touched since the aggregation's
watermark is recomputed from its days, by the job and, until the job has run, by the readers too.
So a reader's answer is always the exact sum of the days, and its cost is periods x categories x
models (plus the days touched since the last run), never the number of sessions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..core import clock, counters, keys
from ..core.table import TableItem
from . import figures, periods
from .store import MODEL_DAY, TOUCH, ModelDayCounter, RollupItem, RollupState, TouchCounter

Pair = tuple[str, str]  # (category key, model id)
Rows = dict[Pair, figures.Counts]
# How far before its own start a run sets the watermark: a transaction that began earlier (and marked an
# earlier hour) may commit after the run read that hour; the next run reads it again.
SAFETY = timedelta(minutes=15)


@dataclass
class Pending:
    """What the stored roll-ups do not reflect yet: `days` touched since the watermark, or everything."""

    everything: bool
    days: set[str]
    watermark: str | None


def day_rows(tenant_id: str, first_day: str, last_day: str) -> dict[str, Rows]:
    """Day -> (category, model) -> counts, summed over the shards."""
    found = counters.read(ModelDayCounter, tenant_id, MODEL_DAY, first_day, f"{last_day}#\uffff")
    out: dict[str, Rows] = defaultdict(dict)
    for bucket, values in found.items():
        day, category, model_id = bucket.split("#", 2)
        counts = figures.clean(values)
        if counts:
            out[day][(category, model_id)] = counts
    return dict(out)


def read_days(tenant_id: str, wanted: Iterable[str]) -> dict[str, Rows]:
    """Day rows of the wanted days, one range read per run of consecutive days."""
    out: dict[str, Rows] = {}
    for first, last in periods.runs(wanted):
        out |= day_rows(tenant_id, first, last)
    return out


def aggregate(rows_by_day: dict[str, Rows], period_type: str) -> dict[str, Rows]:
    """Period start -> (category, model) -> counts summed over the period's days."""
    summed: dict[str, dict[Pair, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for day, rows in rows_by_day.items():
        start = periods.start_of(period_type, day)
        for pair, counts in rows.items():
            figures.add(summed[start][pair], counts)
    return {start: {pair: figures.clean(c) for pair, c in rows.items()} for start, rows in summed.items()}


def stored(tenant_id: str, period_type: str, start: str | None = None) -> dict[str, dict[Pair, RollupItem]]:
    """Roll-up items of one period (or of every period of the type): start -> pair -> item."""
    prefix = keys.rollup_prefix(period_type) + (f"{start}#" if start else "")
    out: dict[str, dict[Pair, RollupItem]] = defaultdict(dict)
    for item in RollupItem.query(keys.analytics_partition(tenant_id), TableItem.sk.startswith(prefix)):
        out[item.period_start][(item.category_key, item.model_id)] = item
    return dict(out)


def stored_between(tenant_id: str, period_type: str, first_start: str, last_start: str) -> dict[str, dict[Pair, RollupItem]]:
    prefix = keys.rollup_prefix(period_type)
    out: dict[str, dict[Pair, RollupItem]] = defaultdict(dict)
    condition = TableItem.sk.between(f"{prefix}{first_start}", f"{prefix}{last_start}#\uffff")
    for item in RollupItem.query(keys.analytics_partition(tenant_id), condition):
        out[item.period_start][(item.category_key, item.model_id)] = item
    return dict(out)


def load_state(tenant_id: str) -> RollupState | None:
    key = keys.rollup_state(tenant_id)
    try:
        return RollupState.get(key.pk, key.sk, consistent_read=True)
    except RollupState.DoesNotExist:
        return None


def touched_days(tenant_id: str, since: str) -> set[str]:
    """Days whose counters moved from the hour `since` (yyyy-mm-ddThh, wall clock) on."""
    found = counters.read(TouchCounter, tenant_id, TOUCH, since, f"{clock.iso(clock.wall())[:13]}#\uffff")
    return {bucket.split("#", 1)[1] for bucket, values in found.items() if values.get("changes")}


def pending(tenant_id: str) -> Pending:
    state = load_state(tenant_id)
    if state is None:
        return Pending(everything=True, days=set(), watermark=None)
    return Pending(everything=False, days=touched_days(tenant_id, state.watermark), watermark=state.watermark)


def watermark_for(run_started: datetime) -> str:
    return clock.iso(run_started - SAFETY)[:13]


def first_day(tenant_id: str) -> str:
    from ..tenancy import service as tenancy

    return tenancy.get_tenant(tenant_id).created_at[:10]


def period_days(period_type: str, start: str, today: str) -> list[str]:
    return periods.days(start, min(periods.end_of(period_type, start), today))


# --- what readers see ----------------------------------------------------------------------------


@dataclass
class PeriodRow:
    period_type: str
    period_start: str
    period_end: str
    category_key: str
    model_id: str
    counts: figures.Counts


def rows_for(tenant_id: str, period_type: str, first: str, last: str, category_key: str | None = None) -> list[PeriodRow]:
    """The exact rows of every period overlapping [first, last] (all_time: one row per pair)."""
    now = clock.now()
    today = clock.day_of(now)
    if period_type == "daily":
        by_day = day_rows(tenant_id, first, last)
        rows = [PeriodRow("daily", day, day, c, m, counts) for day, pairs in by_day.items() for (c, m), counts in pairs.items()]
    elif period_type == "all_time":
        since = first_day(tenant_id)
        rows = [PeriodRow("all_time", since, today, c, m, counts) for (c, m), counts in all_time_rows(tenant_id, today).items()]
    else:
        starts = periods.starts_between(period_type, first, last)
        by_start = period_rows(tenant_id, period_type, starts, today)
        rows = [
            PeriodRow(period_type, start, periods.end_of(period_type, start), c, m, counts)
            for start, pairs in by_start.items()
            for (c, m), counts in pairs.items()
        ]
    if category_key is not None:
        rows = [row for row in rows if row.category_key == category_key]
    rows.sort(key=lambda r: (r.period_start, r.category_key, r.model_id))
    return rows


def period_rows(tenant_id: str, period_type: str, starts: list[str], today: str) -> dict[str, Rows]:
    """Rows of the given weekly or monthly periods: stored roll-ups, with whatever moved since recomputed."""
    if not starts:
        return {}
    wanted = set(starts)
    todo = pending(tenant_id)
    if todo.everything:
        fresh_starts = wanted
        out: dict[str, Rows] = {}
    else:
        fresh_starts = {periods.start_of(period_type, day) for day in todo.days} & wanted
        found = stored_between(tenant_id, period_type, min(starts), max(starts))
        out = {
            start: {pair: dict(item.counts) for pair, item in pairs.items()} for start, pairs in found.items() if start in wanted
        }
    if fresh_starts:
        days = [day for start in fresh_starts for day in period_days(period_type, start, today)]
        fresh = aggregate(read_days(tenant_id, days), period_type)
        for start in fresh_starts:
            out[start] = fresh.get(start, {})
    return {start: rows for start, rows in out.items() if rows}


def all_time_rows(tenant_id: str, today: str) -> Rows:
    """Every pair's all-time counts: the stored roll-up, or the months (recomputed where touched) summed."""
    todo = pending(tenant_id)
    if todo.everything:
        return aggregate(day_rows(tenant_id, first_day(tenant_id), today), "all_time").get(periods.ALL_TIME_START, {})
    if not todo.days:
        found = stored(tenant_id, "all_time").get(periods.ALL_TIME_START, {})
        return {pair: dict(item.counts) for pair, item in found.items()}
    months = stored(tenant_id, "monthly")
    touched = {periods.start_of("monthly", day) for day in todo.days}
    fresh = aggregate(read_days(tenant_id, [d for m in touched for d in period_days("monthly", m, today)]), "monthly")
    summed: dict[Pair, dict[str, float]] = defaultdict(dict)
    for start, pairs in months.items():
        if start not in touched:
            for pair, item in pairs.items():
                figures.add(summed[pair], item.counts)
    for start in touched:
        for pair, counts in fresh.get(start, {}).items():
            figures.add(summed[pair], counts)
    return {pair: figures.clean(c) for pair, c in summed.items() if figures.clean(c)}
