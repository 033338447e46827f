"""Model roll-ups: per (task category, model) and period, read from day counters and roll-up items.

Day rows are the sharded (day, category, model) counters the sessions subscriber moves (hour rows the same
per hour: a window asked to the hour takes its edge hours from them, `window_rows`). Weekly,
monthly and all-time rows are roll-up items written by aggregate-metrics (`aggregate.py`), which also
keeps, per day and pair, the counts it last rolled (a *rolled-day* snapshot). Since feedback can arrive
for an old session, a closed period can still change: every counted event marks `<hour>#<day>` (the
touched-days counter), and for a day touched since the watermark the difference between its day rows
and its snapshot is what the roll-ups still lack. Readers add that difference on the fly; the job
writes it. So an answer is always the exact sum of the days, and its cost is periods x pairs, plus
the days touched since the last run, never the number of sessions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..core import clock, counters, keys
from ..model_stats import figures
from ..model_stats import service as model_stats
from ..tenancy import service as tenancy
from . import periods
from .store import TOUCH, RolledDayItem, RollupItem, RollupState, TouchCounter, rolled_days, rollups_between, rollups_from
from .windows import Window

Pair = model_stats.Pair  # (category key, model id)
Rows = model_stats.Rows
# How far before its own start a run sets the watermark: a transaction that began earlier (and marked an
# earlier hour) may commit after the run read that hour; the next run reads it again.
SAFETY = timedelta(minutes=15)
ROLLED_TYPES = ("weekly", "monthly", "all_time")


@dataclass
class Pending:
    """What the stored roll-ups may not reflect yet: `days` touched since the watermark, or everything."""

    everything: bool
    days: set[str]
    watermark: str | None


@dataclass
class Change:
    """What one (day, pair) adds to its roll-ups: `delta` = its day rows now minus what was rolled."""

    day: str
    pair: Pair
    delta: figures.Counts
    counts: figures.Counts  # the day rows now: the next snapshot
    snapshot: RolledDayItem | None


day_rows = model_stats.day_rows
hour_rows = model_stats.hour_rows


def window_day_rows(tenant_id: str, window: Window, skip_days: Iterable[str] = ()) -> dict[str, Rows]:
    """Day -> (category, model) -> counts of the window to the hour: its whole days from the day rows (but
    `skip_days`, which the caller has from its roll-ups), its edge days summed from their hour rows."""
    split = window.split()
    skipped = set(skip_days)
    out: dict[str, Rows] = {}
    if split.days is not None:
        wanted = [day for day in periods.days(*split.days) if day not in skipped]
        out |= read_days(tenant_id, wanted)
    summed: dict[str, dict[Pair, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for first_hour, last_hour in split.hours:
        for hour, rows in hour_rows(tenant_id, first_hour, last_hour).items():
            for pair, counts in rows.items():
                figures.add(summed[hour[:10]][pair], counts)
    for day, rows in summed.items():  # an edge day is never a whole day: no day is counted twice
        out[day] = {pair: figures.clean(c) for pair, c in rows.items()}
    return out


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


def snapshots(tenant_id: str, wanted: Iterable[str]) -> dict[str, dict[Pair, RolledDayItem]]:
    """The rolled-day snapshots of the wanted days, one range read per run of consecutive days."""
    out: dict[str, dict[Pair, RolledDayItem]] = defaultdict(dict)
    for first, last in periods.runs(wanted):
        for item in rolled_days(tenant_id, first, last):
            out[item.day][(item.category_key, item.model_id)] = item
    return dict(out)


def changes(tenant_id: str, days: Iterable[str], current: dict[str, Rows] | None = None) -> list[Change]:
    """Every (day, pair) of `days` whose day rows (or `current`, a recount) differ from what was rolled."""
    wanted = sorted(set(days))
    rows = current if current is not None else read_days(tenant_id, wanted)
    rolled = snapshots(tenant_id, wanted)
    out = []
    for day in wanted:
        now, before = rows.get(day, {}), rolled.get(day, {})
        for pair in sorted(set(now) | set(before)):
            counts, snapshot = now.get(pair, {}), before.get(pair)
            delta = figures.difference(counts, snapshot.counts if snapshot is not None else {})
            if delta:
                out.append(Change(day, pair, delta, counts, snapshot))
    return out


def stored(tenant_id: str, period_type: str, start: str | None = None) -> dict[str, dict[Pair, RollupItem]]:
    """Roll-up items of one period (or of every period of the type): start -> pair -> item."""
    prefix = keys.rollup_prefix(period_type) + (f"{start}#" if start else "")
    out: dict[str, dict[Pair, RollupItem]] = defaultdict(dict)
    for item in rollups_from(tenant_id, prefix):
        out[item.period_start][(item.category_key, item.model_id)] = item
    return dict(out)


def stored_between(tenant_id: str, period_type: str, first_start: str, last_start: str) -> dict[str, dict[Pair, RollupItem]]:
    prefix = keys.rollup_prefix(period_type)
    out: dict[str, dict[Pair, RollupItem]] = defaultdict(dict)
    for item in rollups_between(tenant_id, f"{prefix}{first_start}", f"{prefix}{last_start}#\uffff"):
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


def rows_for(tenant_id: str, period_type: str, window: Window, category_key: str | None = None) -> list[PeriodRow]:
    """The exact rows of every period overlapping the window (all_time: one row per pair, whatever the window).

    Asked in days, a weekly or monthly row is its whole period. Asked to the hour (a timestamp at either
    end), every row counts only the window's hours: whole periods from their roll-ups, the others from
    their days and edge hours."""
    today = clock.day_of(clock.now())
    first, last = window.to_the_hour().first_day, window.to_the_hour().last_day
    if period_type == "daily":
        by_day = window_day_rows(tenant_id, window)
        rows = [PeriodRow("daily", day, day, c, m, counts) for day, pairs in by_day.items() for (c, m), counts in pairs.items()]
    else:
        starts = periods.starts_between(period_type, first, last) if period_type != "all_time" else [periods.ALL_TIME_START]
        if period_type != "all_time" and window.timed:
            by_start = clipped_period_rows(tenant_id, period_type, window, starts, today)
        else:
            by_start = period_rows(tenant_id, period_type, starts, today)
        since = first_day(tenant_id)
        rows = [
            PeriodRow(
                period_type,
                start if period_type != "all_time" else since,
                periods.end_of(period_type, start) if period_type != "all_time" else today,
                c,
                m,
                counts,
            )
            for start, pairs in by_start.items()
            for (c, m), counts in pairs.items()
        ]
    if category_key is not None:
        rows = [row for row in rows if row.category_key == category_key]
    rows.sort(key=lambda r: (r.period_start, r.category_key, r.model_id))
    return rows


def clipped_period_rows(tenant_id: str, period_type: str, window: Window, starts: list[str], today: str) -> dict[str, Rows]:
    """Rows of the periods, each counting only what lies inside the window (weekly, monthly)."""
    whole = window.split().days
    inside = [s for s in starts if whole is not None and whole[0] <= s and periods.end_of(period_type, s) <= whole[1]]
    out: dict[str, dict[Pair, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for start, rows in (period_rows(tenant_id, period_type, inside, today) if inside else {}).items():
        for pair, counts in rows.items():
            figures.add(out[start][pair], counts)
    covered = [day for start in inside for day in periods.days(start, periods.end_of(period_type, start))]
    for day, rows in window_day_rows(tenant_id, window, skip_days=covered).items():
        for pair, counts in rows.items():
            figures.add(out[periods.start_of(period_type, day)][pair], counts)
    cleaned = {start: {pair: figures.clean(c) for pair, c in rows.items()} for start, rows in out.items()}
    return {start: {pair: c for pair, c in rows.items() if c} for start, rows in cleaned.items() if any(rows.values())}


def period_rows(tenant_id: str, period_type: str, starts: list[str], today: str) -> dict[str, Rows]:
    """Rows of the given periods (weekly, monthly, or all_time's one): stored roll-ups plus what moved since."""
    wanted = set(starts)
    todo = pending(tenant_id)
    if todo.everything:  # aggregate-metrics never ran: sum the days themselves
        if period_type == "all_time":
            days = periods.days(first_day(tenant_id), today)
        else:
            days = [day for start in wanted for day in period_days(period_type, start, today)]
        return {s: r for s, r in aggregate(read_days(tenant_id, days), period_type).items() if r and s in wanted}
    if period_type == "all_time":
        found = stored(tenant_id, "all_time")
    else:
        found = stored_between(tenant_id, period_type, min(starts), max(starts))
    summed: dict[str, dict[Pair, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for start, pairs in found.items():
        if start in wanted:
            for pair, item in pairs.items():
                figures.add(summed[start][pair], item.counts)
    relevant = [day for day in todo.days if periods.start_of(period_type, day) in wanted]
    for change in changes(tenant_id, relevant):
        figures.add(summed[periods.start_of(period_type, change.day)][change.pair], change.delta)
    out = {start: {pair: figures.clean(c) for pair, c in pairs.items()} for start, pairs in summed.items()}
    return {start: {pair: c for pair, c in rows.items() if c} for start, rows in out.items() if any(rows.values())}
