"""The scheduled task aggregate-metrics, and the rebuild of any day range from the event items.

A run reads the days touched since its watermark (on its first run, every day since the tenant began),
compares each day's rows with what it last rolled of that day (its snapshot), and adds each
difference to the week, the month and all time of that pair, in one transaction with the new snapshot,
each item conditional on the version read: a crash leaves nothing half done, a second run finds no
difference and writes nothing. Its work is the touched days x their pairs: it follows what changed since
the last run, not all events. It then materialises the mappings' figures and the changed preferences.
"""

from __future__ import annotations

import functools
from typing import Any

from ..catalog import service as catalog
from ..core import clock, counters, keys, persist, storage
from ..core.table import TableItem
from ..model_stats import figures, preferences
from ..model_stats import service as model_stats
from . import periods
from .rollups import Change, Rows, changes, first_day, load_state, read_days, stored, touched_days, watermark_for
from .store import RolledDayItem, RollupItem, RollupState

ROLLED = ("weekly", "monthly", "all_time")


def aggregate_metrics(tenant_id: str) -> dict[str, Any]:
    # Counter ADDs still spilled (core/spill.py: their folds met busy shards) are added first, so the roll-ups see them.
    folded = counters.fold_quietly(tenant_id)
    started = clock.wall()  # the watermark follows when writes happen
    state = load_state(tenant_id)
    if state is None:
        dirty = set(periods.days(first_day(tenant_id), clock.day_of(clock.now())))
    else:
        dirty = touched_days(tenant_id, state.watermark)
    result = roll_up(tenant_id, dirty)
    since = f"{state.watermark}:00:00.000Z" if state is not None else first_day(tenant_id)
    result |= preferences.refresh_changed(tenant_id, since, periods.days(since[:10], clock.day_of(started)))
    watermark = watermark_for(started)
    key = keys.rollup_state(tenant_id)
    RollupState(key.pk, key.sk, watermark=watermark, last_run_at=clock.iso(started)).save()
    return {
        **result,
        "counter_spills_folded": folded,
        "watermark": watermark,
        "previous_watermark": state.watermark if state else None,
    }


def roll_up(tenant_id: str, days: set[str], current: dict[str, Rows] | None = None) -> dict[str, Any]:
    """Roll what moved on `days` (their day rows, or `current`, a recount) into the weeks, months and all time."""
    rows = current if current is not None else read_days(tenant_id, days)
    found = changes(tenant_id, days, rows)
    for change in found:
        storage.retrying(functools.partial(_apply, tenant_id, change), what="rolling up a day")
    mappings = materialise_mappings(tenant_id) if found else 0
    return {
        "days_touched": len(days),
        "day_rows_read": sum(len(r) for r in rows.values()),
        "cells_changed": len(found),
        "rollups_written": len(found) * len(ROLLED),
        "mappings_updated": mappings,
    }


def _apply(tenant_id: str, change: Change) -> None:
    """One (day, pair): its snapshot and its three roll-ups in one transaction, each on the version read."""
    category, model_id = change.pair
    snapshot_key = keys.rolled_day(tenant_id, change.day, category, model_id)
    targets = {
        period_type: keys.rollup(tenant_id, period_type, periods.start_of(period_type, change.day), category, model_id)
        for period_type in ROLLED
    }
    found = storage.get_many([snapshot_key, *targets.values()])
    snapshot = found.get(snapshot_key)
    before = snapshot.counts if isinstance(snapshot, RolledDayItem) else {}
    delta = figures.difference(change.counts, before)  # again, on what is stored now
    if not delta:
        return
    now = clock.iso(clock.now())
    ops: list[storage.Op] = [
        _versioned(
            RolledDayItem(
                snapshot_key.pk,
                snapshot_key.sk,
                day=change.day,
                category_key=category,
                model_id=model_id,
                counts=change.counts,
            ),
            snapshot,
        )
    ]
    for period_type, key in targets.items():
        old = found.get(key)
        counts = figures.clean({**(old.counts if isinstance(old, RollupItem) else {})})
        figures.add(counts, delta)
        start = periods.start_of(period_type, change.day)
        item = RollupItem(
            key.pk,
            key.sk,
            period_type=period_type,
            period_start=start,
            period_end=periods.end_of(period_type, start) if period_type != "all_time" else "",
            category_key=category,
            model_id=model_id,
            counts=figures.clean(counts),
            computed_at=now,
        )
        ops.append(_versioned(item, old))
    storage.commit(ops)


def _versioned(item: TableItem, old: TableItem | None) -> storage.Put:
    return persist.replacing(item, old)


def materialise_mappings(tenant_id: str) -> int:
    """Seed 002's mapping figures (quality, success, speed, totals, composite scores) beside each mapping, from the
    all-time roll-ups; model statistics keeps them (and the catalog shows them)."""
    all_time = {pair: item.counts for pair, item in stored(tenant_id, "all_time").get(periods.ALL_TIME_START, {}).items()}
    written = model_stats.save_mapping_figures(tenant_id, all_time)
    if written:
        catalog.forget(tenant_id)
    return written


# --- rebuild from the event items ------------------------------------------------------------------


def rebuild(tenant_id: str, first: str, last: str, *, repair: bool = False) -> dict[str, Any]:
    """Recount [first, last] from the session and feedback items, report drift from the live day counters,
    rewrite the roll-ups of the periods those days belong to from the recount, and with `repair` ADD the
    differences to the day counters (run it when the range is quiet: an event landing between the recount
    and the repair is counted by its own transaction and would be counted again)."""
    from .recount import recount

    today = clock.day_of(clock.now())
    last = min(last, today)
    recounted, sessions_read, feedback_read = recount(tenant_id, first, last)
    live = read_days(tenant_id, periods.days(first, last))
    drift: list[dict[str, Any]] = []
    for day in periods.days(first, last):
        events, counted = recounted.get(day, {}), live.get(day, {})
        for pair in sorted(set(events) | set(counted)):
            difference = figures.difference(events.get(pair, {}), counted.get(pair, {}))
            if difference:
                drift.append({"day": day, "category_key": pair[0], "model_id": pair[1], "difference": difference})
    if repair:
        for row in drift:
            model_stats.add_to_day(tenant_id, row["day"], row["category_key"], row["model_id"], row["difference"])
    full = {day: recounted.get(day, {}) for day in periods.days(first, last)}
    result = roll_up(tenant_id, set(full), current=full)
    return {
        "from": first,
        "to": last,
        "sessions_read": sessions_read,
        "feedback_read": feedback_read,
        "drift": drift,
        "repaired": repair and bool(drift),
        **result,
    }
