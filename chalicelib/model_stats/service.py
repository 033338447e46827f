"""Reading model statistics (routing's evidence, the day and hour rows analytics rolls up, the mappings' figures)
and the writes other capabilities ask of it (a repair of day rows, the mappings' figures, a user's preferences erased)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..core import clock, counters, keys, storage
from ..core.extensions import Erasure
from ..core.table import TableItem
from . import figures
from .evidence import Evidence
from .store import (
    MODEL_DAY,
    MODEL_HOUR,
    MODEL_TASK,
    MappingStatsItem,
    ModelDayCounter,
    ModelHourCounter,
    ModelTaskCounter,
    UserPreferenceCounter,
)

Pair = tuple[str, str]  # (category key, model id)
Rows = dict[Pair, figures.Counts]


def for_category(tenant_id: str, category_key: str) -> dict[str, Evidence]:
    """Every model's evidence on one category, by model id."""
    found = counters.read_prefix(ModelTaskCounter, tenant_id, MODEL_TASK, f"{category_key}#")
    return {bucket.split("#", 1)[1]: Evidence.of(values) for bucket, values in found.items()}


def user_preferences(tenant_id: str, user_id: str, category_key: str) -> dict[str, Evidence]:
    """One user's evidence of each model on one category, by model id."""
    found = counters.read_at(
        UserPreferenceCounter, keys.user_partition(tenant_id, user_id), keys.user_preference_prefix(category_key)
    )
    return {model_id: Evidence.of(values) for model_id, values in found.items()}


def day_rows(tenant_id: str, first_day: str, last_day: str) -> dict[str, Rows]:
    """Day -> (category, model) -> counts, summed over the shards."""
    return _rows(counters.read(ModelDayCounter, tenant_id, MODEL_DAY, first_day, f"{last_day}#\uffff"))


def hour_rows(tenant_id: str, first_hour: str, last_hour: str) -> dict[str, Rows]:
    """Hour (`yyyy-mm-ddThh`) -> (category, model) -> counts, summed over the shards."""
    return _rows(counters.read(ModelHourCounter, tenant_id, MODEL_HOUR, first_hour, f"{last_hour}#\uffff"))


def _rows(found: Mapping[str, Mapping[str, float]]) -> dict[str, Rows]:
    out: dict[str, Rows] = defaultdict(dict)
    for bucket, values in found.items():
        period, category, model_id = bucket.split("#", 2)
        counts = figures.clean(values)
        if counts:
            out[period][(category, model_id)] = counts
    return dict(out)


def add_to_day(tenant_id: str, day: str, category_key: str, model_id: str, difference: Mapping[str, float]) -> None:
    """ADD `difference` to one day row (a rebuild's repair of drift found against the event items)."""
    bucket = f"{day}#{category_key}#{model_id}"
    op = counters.increment(ModelDayCounter, tenant_id, MODEL_DAY, bucket, difference, seed=bucket)
    if op is not None:
        storage.commit([op])


# --- the mappings' figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class MappingFigures:
    """Seed 002's figures of one model on one task, all time, as aggregate-metrics last materialised them."""

    figures: dict[str, Any]
    as_of: str


def mapping_figures(counts: figures.Counts) -> dict[str, Any]:
    f = figures.model_figures(counts)
    return {
        "total_uses": f["total_requests"],
        "total_likes": f["like_count"],
        "total_dislikes": f["dislike_count"],
        "total_regenerates": f["regenerate_count"],
        "average_quality": f["blended_quality_rating"],  # seed 002: "1-5 based on user feedback", every kind of it
        "average_speed_ms": f["average_speed_ms"],
        "success_rate": f["success_rate"],
        "like_ratio": f["like_ratio"],
        "satisfaction_score": f["satisfaction_score"],
        "recommendation_score": f["recommendation_score"],
    }


def save_mapping_figures(tenant_id: str, all_time: Mapping[Pair, figures.Counts]) -> int:
    """Materialise each pair's figures from its all-time counts beside its mapping; the number that changed."""
    existing = {
        (item.category_key, item.model_id): item
        for item in MappingStatsItem.query(
            keys.catalog_partition(tenant_id), TableItem.sk.startswith(keys.catalog_mapping_stats_prefix())
        )
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
    return written


def mapping_figures_in(items: Iterable[TableItem]) -> dict[Pair, MappingFigures]:
    """The mappings' figures among `items` (the catalog's partition, read in one Query, holds them too)."""
    return {
        (item.category_key, item.model_id): MappingFigures(dict(item.figures), item.as_of)
        for item in items
        if isinstance(item, MappingStatsItem)
    }


def mapping_figures_of(tenant_id: str, category_key: str, model_id: str) -> MappingFigures | None:
    item = storage.get(MappingStatsItem, keys.catalog_mapping_stats(tenant_id, category_key, model_id), consistent=False)
    return MappingFigures(dict(item.figures), item.as_of) if item is not None else None


# --- erasure -----------------------------------------------------------------------------------


def erase_user_data(erasure: Erasure) -> None:
    """The user's preference counters (their own partition), counted as `preferences` (a user erasure,
    chalicelib/contributions.py)."""
    partition = TableItem.query(
        keys.user_partition(erasure.tenant_id, erasure.user_id),
        TableItem.sk.startswith(keys.user_preference_prefix()),
        consistent_read=True,
    )
    erasure.delete_counted(list(partition), "preferences")
