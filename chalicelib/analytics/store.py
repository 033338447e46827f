"""Analytics items: day counters (variant, latency histogram, touched days), roll-ups, state, reports.

The model day and hour rows it rolls up are model statistics' (chalicelib/model_stats/store.py)."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys
from ..core.table import TableItem
from ..model_stats.figures import FIELDS
from .latency import BUCKETS, field_name

# Counter names (chalicelib.core.counters): the bucket of each follows.
VARIANT_DAY = "VARIANTDAY"  # <day>#<experiment id>#<variant id>
LATENCY = "LATENCY"  # <day>
LATENCY_HOUR = "LATENCYHOUR"  # <yyyy-mm-ddThh>
TOUCH = "TOUCH"  # <yyyy-mm-ddThh of the write>#<day of the session it counted>


class VariantDayCounter(TableItem, discriminator="counter_variant_day"):
    """What one experiment variant did on one day, one shard of it (the weekly report compares weeks)."""

    locals().update({name: NumberAttribute(null=True) for name in FIELDS})


class LatencyCounter(TableItem, discriminator="counter_latency"):
    """A tenant's processing times of one day as a histogram of log-spaced buckets (h000 ... h192)."""

    locals().update({field_name(i): NumberAttribute(null=True) for i in range(BUCKETS)})


class LatencyHourCounter(LatencyCounter, discriminator="counter_latency_hour"):
    """The same histogram for one UTC hour."""


class TouchCounter(TableItem, discriminator="counter_touch"):
    """How many counted events of the hour touched the day's counters: where the roll-ups must look again."""

    changes = NumberAttribute(null=True)


class RollupItem(TableItem, discriminator="rollup"):
    """One model on one task over one period (weekly, monthly, all_time): the period's summed counts.

    Written with its day's snapshot in one transaction, each conditional on the `version` read."""

    period_type = UnicodeAttribute()
    period_start = UnicodeAttribute()
    period_end = UnicodeAttribute()
    category_key = UnicodeAttribute()
    model_id = UnicodeAttribute()
    counts = JSONAttribute()
    computed_at = UnicodeAttribute()


class RolledDayItem(TableItem, discriminator="rolled_day"):
    """The counts of one day and pair as aggregate-metrics last rolled them into the periods."""

    day = UnicodeAttribute()
    category_key = UnicodeAttribute()
    model_id = UnicodeAttribute()
    counts = JSONAttribute()


class RollupState(TableItem, discriminator="rollup_state"):
    """Where aggregate-metrics stopped: the next run reads the touched days from `watermark` (an hour) on."""

    watermark = UnicodeAttribute()
    last_run_at = UnicodeAttribute()


class ReportItem(TableItem, discriminator="performance_report"):
    """A weekly performance report (the week against the one before)."""

    week_start = UnicodeAttribute()
    created_at = UnicodeAttribute()
    report = JSONAttribute()


def rolled_days(tenant_id: str, first: str, last: str) -> list[RolledDayItem]:
    """The rolled-day snapshots of the days [first, last] (one range read)."""
    condition = TableItem.sk.between(keys.rolled_day_prefix(first), keys.rolled_day_prefix(last) + "\uffff")
    return list(RolledDayItem.query(keys.analytics_partition(tenant_id), condition))


def rollups_from(tenant_id: str, prefix: str) -> list[RollupItem]:
    """The roll-up items whose sort key starts with `prefix` (one period type, or one period of it)."""
    return list(RollupItem.query(keys.analytics_partition(tenant_id), TableItem.sk.startswith(prefix)))


def rollups_between(tenant_id: str, low: str, high: str) -> list[RollupItem]:
    """The roll-up items whose sort keys lie in [low, high]."""
    return list(RollupItem.query(keys.analytics_partition(tenant_id), TableItem.sk.between(low, high)))


def latest_report(tenant_id: str) -> ReportItem | None:
    """The newest weekly performance report, or None."""
    found = ReportItem.query(
        keys.reports_partition(tenant_id),
        TableItem.sk.startswith(keys.performance_report_prefix()),
        scan_index_forward=False,
        limit=1,
    )
    return next(iter(found), None)
