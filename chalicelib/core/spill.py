"""Counter ADDs set aside when their shards are busy, so a hot tenant's writes never wait on its counters.

Every session, generation and feedback transaction ADDs to the tenant's shared counter items; DynamoDB cancels a
transaction that meets another one on an item (`TransactionConflict`), and a busy tenant's transactions meet on
its counters. When that happens, `storage.commit` sends the transaction again with its counter ADDs replaced by
one new item of their own (a `CounterSpill` under the tenant's spill partition): a new, unique item, which no
other transaction holds, so the retry cannot meet anyone on a counter. A fold (`counters.fold`) later adds the
spilled ADDs to the counters and deletes the spill items in one transaction, each delete conditioned on the item
still being there: a fold that runs twice on the same items (a redelivered stream record, the scheduled backstop
beside the inline fold) is cancelled on the second run and adds nothing. Counters are therefore exact once the
folds are done, and a few moments behind while spill items wait (docs/architecture.md has the throughput model).
Uncontended, nothing is spilled and a write costs what it did.
"""

from __future__ import annotations

import importlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pynamodb.attributes import JSONAttribute, UnicodeAttribute

from . import keys
from .table import TableItem

Number = int | float


# Counter models that moved to another module (issue 15: the registry's counters are monitoring's now, each model's
# counters model statistics'). A spill item
# names its counter by module path, so one written before the move is still folded into the same counter after it.
MOVED: dict[tuple[str, str], str] = {
    ("chalicelib.registry.store", "LabelCounter"): "chalicelib.monitoring.store",
    ("chalicelib.registry.store", "ErrorCounter"): "chalicelib.monitoring.store",
    ("chalicelib.registry.store", "PredictionCounter"): "chalicelib.monitoring.store",
    ("chalicelib.catalog.store", "ModelTaskCounter"): "chalicelib.model_stats.store",
    ("chalicelib.analytics.store", "ModelDayCounter"): "chalicelib.model_stats.store",
    ("chalicelib.analytics.store", "ModelHourCounter"): "chalicelib.model_stats.store",
}


@dataclass(frozen=True)
class CounterAdd:
    """What a counter ADD adds, independent of the shard it lands on: enough to send it again later."""

    model: type[TableItem]
    tenant_id: str
    name: str
    bucket: str
    deltas: dict[str, Number] = field(hash=False)
    shards: int | None = None

    def encoded(self) -> list[object]:
        return [f"{self.model.__module__}:{self.model.__qualname__}", self.name, self.bucket, self.deltas, self.shards]

    @classmethod
    def decoded(cls, tenant_id: str, raw: list[object]) -> CounterAdd:
        path, name, bucket, deltas, shards = raw
        module, qualname = str(path).split(":", 1)
        model = getattr(importlib.import_module(MOVED.get((module, qualname), module)), qualname)
        assert isinstance(deltas, dict) and (shards is None or isinstance(shards, int))
        return cls(model, tenant_id, str(name), str(bucket), dict(deltas), shards)


class CounterSpill(TableItem, discriminator="counter_spill"):
    """The counter ADDs of one committed transaction, waiting for a fold."""

    tenant_id = UnicodeAttribute()
    adds = JSONAttribute()
    spilled_at = UnicodeAttribute()


def spill_item(adds: list[CounterAdd]) -> CounterSpill:
    """One new item holding `adds` (all of one tenant's counters)."""
    tenant_id = adds[0].tenant_id
    assert all(add.tenant_id == tenant_id for add in adds), "one transaction's counters belong to one tenant"
    now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    key = keys.counter_spill(tenant_id, f"{now}#{uuid.uuid4().hex}")
    return CounterSpill(key.pk, key.sk, tenant_id=tenant_id, adds=[add.encoded() for add in adds], spilled_at=now)
