"""The scheduled task aggregate-metrics, and the rebuild of any day range from the event items.

A run reads the days touched since its watermark (or, on the first run, every day since the tenant
began), recomputes the weeks and months holding them from their day rows, the all-time rows from the
months, writes only the roll-ups whose counts changed (so a second run with nothing new writes
nothing), materialises the mappings' figures and the changed users' preferences, and moves its
watermark. Its work grows with what changed since the last run, not with all events.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..catalog import service as catalog
from ..catalog.store import MappingStatsItem
from ..core import clock, counters, keys
from ..core.table import TableItem
from . import figures, periods, preferences
from .rollups import (
    Pair,
    Rows,
    aggregate,
    first_day,
    load_state,
    period_days,
    read_days,
    stored,
    touched_days,
    watermark_for,
)
from .store import MODEL_DAY, ModelDayCounter, RollupItem, RollupState


def aggregate_metrics(tenant_id: str) -> dict[str, Any]:
    started = clock.wall()  # the watermark follows when writes happen
    today = clock.day_of(clock.now())
    state = load_state(tenant_id)
    if state is None:
        dirty = set(periods.days(first_day(tenant_id), today))
    else:
        dirty = touched_days(tenant_id, state.watermark)
    result = roll_up(tenant_id, dirty, today)
    since = f"{state.watermark}:00:00.000Z" if state is not None else first_day(tenant_id)
    result |= preferences.refresh_changed(tenant_id, since, clock.day_of(started))
    watermark = watermark_for(started)
    key = keys.rollup_state(tenant_id)
    RollupState(key.pk, key.sk, watermark=watermark, last_run_at=clock.iso(started)).save()
    return {**result, "watermark": watermark, "previous_watermark": state.watermark if state else None}


def roll_up(tenant_id: str, dirty: set[str], today: str, *, days: dict[str, Rows] | None = None) -> dict[str, Any]:
    """Recompute and store the weeks and months holding `dirty` days, and all time if a month moved.

    `days` gives day rows to use instead of the counters (a rebuild's recount); days it lacks are read.
    """
    weeks = sorted({periods.start_of("weekly", d) for d in dirty})
    months = sorted({periods.start_of("monthly", d) for d in dirty})
    needed = {d for w in weeks for d in period_days("weekly", w, today)}
    needed |= {d for m in months for d in period_days("monthly", m, today)}
    given = days or {}
    rows = {**read_days(tenant_id, needed - set(given)), **{d: r for d, r in given.items() if d in needed}}
    written = unchanged = deleted = 0
    for period_type, starts in (("weekly", weeks), ("monthly", months)):
        fresh = aggregate(rows, period_type)
        for start in starts:
            w, u, d = sync(tenant_id, period_type, start, periods.end_of(period_type, start), fresh.get(start, {}))
            written, unchanged, deleted = written + w, unchanged + u, deleted + d
    mappings = 0
    if months:
        summed: dict[Pair, dict[str, float]] = defaultdict(dict)
        for pairs in stored(tenant_id, "monthly").values():
            for pair, item in pairs.items():
                figures.add(summed[pair], item.counts)
        all_time = {pair: figures.clean(c) for pair, c in summed.items() if figures.clean(c)}
        w, u, d = sync(tenant_id, "all_time", periods.ALL_TIME_START, today, all_time, end_changes=False)
        written, unchanged, deleted = written + w, unchanged + u, deleted + d
        mappings = materialise_mappings(tenant_id, all_time)
    return {
        "days_touched": len(dirty),
        "weeks_recomputed": len(weeks),
        "months_recomputed": len(months),
        "day_rows_read": sum(len(r) for r in rows.values()),
        "rollups_written": written,
        "rollups_unchanged": unchanged,
        "rollups_deleted": deleted,
        "mappings_updated": mappings,
    }


def sync(
    tenant_id: str, period_type: str, start: str, end: str, fresh: Rows, *, end_changes: bool = True
) -> tuple[int, int, int]:
    """Make the stored roll-ups of one period equal `fresh`: put what differs, delete what is gone."""
    existing = stored(tenant_id, period_type, start).get(start, {})
    now = clock.iso(clock.now())
    written = unchanged = 0
    with RollupItem.batch_write() as batch:
        for (category, model_id), counts in sorted(fresh.items()):
            old = existing.pop((category, model_id), None)
            if old is not None and old.counts == counts and (not end_changes or old.period_end == end):
                unchanged += 1
                continue
            key = keys.rollup(tenant_id, period_type, start, category, model_id)
            batch.save(
                RollupItem(
                    key.pk,
                    key.sk,
                    period_type=period_type,
                    period_start=start,
                    period_end=end,
                    category_key=category,
                    model_id=model_id,
                    counts=counts,
                    computed_at=now,
                )
            )
            written += 1
        for item in existing.values():
            batch.delete(item)
    return written, unchanged, len(existing)


def materialise_mappings(tenant_id: str, all_time: Rows) -> int:
    """Seed 002's mapping figures (quality, success, speed, totals, composite scores) beside each mapping."""
    existing = {
        (item.category_key, item.model_id): item
        for item in MappingStatsItem.query(keys.catalog_partition(tenant_id), TableItem.sk.startswith("MAPSTATS#"))
    }
    now = clock.iso(clock.now())
    written = 0
    with MappingStatsItem.batch_write() as batch:
        for (category, model_id), counts in sorted(all_time.items()):
            figures_now = mapping_figures(counts)
            old = existing.get((category, model_id))
            if old is not None and old.figures == figures_now:
                continue
            key = keys.catalog_mapping_stats(tenant_id, category, model_id)
            batch.save(MappingStatsItem(key.pk, key.sk, category_key=category, model_id=model_id, figures=figures_now, as_of=now))
            written += 1
    if written:
        catalog.forget(tenant_id)
    return written


def mapping_figures(counts: figures.Counts) -> dict[str, Any]:
    f = figures.model_figures(counts)
    return {
        "total_uses": f["total_requests"],
        "total_likes": f["like_count"],
        "total_dislikes": f["dislike_count"],
        "total_regenerates": f["regenerate_count"],
        "average_quality": f["average_quality_rating"],
        "average_speed_ms": f["average_speed_ms"],
        "success_rate": f["success_rate"],
        "like_ratio": f["like_ratio"],
        "satisfaction_score": f["satisfaction_score"],
        "recommendation_score": f["recommendation_score"],
    }


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
            a, b = events.get(pair, {}), counted.get(pair, {})
            if a != b:
                difference = figures.clean({f: (a.get(f) or 0) - (b.get(f) or 0) for f in figures.FIELDS})
                drift.append({"day": day, "category_key": pair[0], "model_id": pair[1], "difference": difference})
    if repair:
        for row in drift:
            bucket = f"{row['day']}#{row['category_key']}#{row['model_id']}"
            op = counters.increment(ModelDayCounter, tenant_id, MODEL_DAY, bucket, row["difference"], seed=bucket)
            if op is not None:
                from ..core import storage

                storage.commit([op])
    full = {day: recounted.get(day, {}) for day in periods.days(first, last)}
    result = roll_up(tenant_id, set(full), today, days=full)
    return {
        "from": first,
        "to": last,
        "sessions_read": sessions_read,
        "feedback_read": feedback_read,
        "drift": drift,
        "repaired": repair and bool(drift),
        **result,
    }
