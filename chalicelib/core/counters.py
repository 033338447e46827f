"""Sharded counters: writers ADD to one shard, readers sum every shard.

A counter is a PynamoDB model whose number attributes are the counted fields. Each
(tenant, name, bucket) has `counter_shards` items on distinct partitions, so a hot counter
(a tenant's day, a popular variant) spreads its writes; a writer picks the shard from a
seed (a session id). Every transaction holds the shard of each counter it ADDs to until it ends,
and DynamoDB cancels another one meeting it there (TransactionConflict), so when `storage.commit`
sends a conflicted transaction again it sets its ADDs aside in a spill item (core/spill.py) that `fold`
later adds to the counters exactly once; a fold's own retries move its ADDs by one random turn of the shards
(`Update.moved`): the same counters, other items, distinct as before. Readers sum every shard, so
which shard an ADD landed on never matters (docs/architecture.md has the throughput model).
"""

from __future__ import annotations

import logging
import uuid
import zlib
from collections import defaultdict
from collections.abc import Mapping

from pynamodb.attributes import NumberAttribute
from pynamodb.expressions.condition import Condition

from . import idempotency, keys, storage
from .errors import StorageBusy
from .settings import get_settings
from .spill import CounterAdd, CounterSpill
from .storage import Delete, Update
from .table import TableItem

logger = logging.getLogger(__name__)

# A fold's transaction: spill items deleted plus the counters they add to, within DynamoDB's 100 items.
FOLD_ITEMS = 90

Number = int | float


def shard_count(shards: int | None = None) -> int:
    """`shards` for a counter that fixes its own (1: a cold counter read in one query), else the setting."""
    return shards if shards is not None else get_settings().counter_shards


def shard_for(seed: str, shards: int | None = None) -> int:
    return zlib.crc32(seed.encode()) % shard_count(shards)


def fields_of(model: type[TableItem]) -> list[str]:
    return [name for name, attr in model.get_attributes().items() if isinstance(attr, NumberAttribute) and name != "version"]


def increment(
    model: type[TableItem],
    tenant_id: str,
    name: str,
    bucket: str,
    deltas: Mapping[str, Number],
    *,
    seed: str,
    shards: int | None = None,
) -> Update | None:
    """The update op that adds `deltas` (only the model's fields) to one shard; None when nothing changes."""
    fields = model.get_attributes()
    changes = {field: value for field, value in deltas.items() if value and field in fields}
    if not changes:
        return None
    count, first = shard_count(shards), shard_for(seed, shards)
    op = _add(model, keys.counter(tenant_id, first, name, bucket), changes)
    op.counter = CounterAdd(model, tenant_id, name, bucket, changes, shards)
    if count > 1:
        op.moved = lambda turn: model(*keys.counter(tenant_id, (first + turn) % count, name, bucket))
    return op


def fold(tenant_id: str, *, most: int = 1000) -> int:
    """Add the tenant's spilled counter ADDs (core/spill.py) to its counters, oldest first, up to `most` spill items;
    the number folded. Each transaction deletes the spill items it adds, on condition they are still there, so a
    second fold of the same items (a redelivery, two folders at once) is cancelled and adds nothing."""
    folded = 0
    with idempotency.unguarded():  # the request's Idempotency-Key guards its own write, not this housekeeping
        while folded < most:
            batch = _next_batch(tenant_id)
            if not batch:
                break
            ops: list[storage.Op] = [Delete(item, condition=CounterSpill.pk.exists()) for item, _ in batch]
            for add in _summed([add for _, adds in batch for add in adds]):
                op = increment(add.model, tenant_id, add.name, add.bucket, add.deltas, seed=uuid.uuid4().hex, shards=add.shards)
                if op is not None:
                    ops.append(op)
            try:
                storage.commit(ops, spill=False)
            except storage.ConditionFailed:
                continue  # another fold took some of these first: read what is left
            folded += len(batch)
    return folded


def fold_quietly(tenant_id: str) -> int:
    """`fold`, leaving to the next fold what meets busy shards now (the spill items stay: nothing is lost)."""
    try:
        return fold(tenant_id)
    except StorageBusy:
        logger.info("counter fold deferred: shards busy", extra={"tenant_id": tenant_id})
        return 0


def pending(tenant_id: str) -> int:
    """Spill items not folded yet."""
    return sum(1 for _ in CounterSpill.query(keys.counter_spill_partition(tenant_id), consistent_read=True))


def _next_batch(tenant_id: str) -> list[tuple[CounterSpill, list[CounterAdd]]]:
    """The oldest spill items whose deletes and counter ADDs fit one transaction."""
    batch: list[tuple[CounterSpill, list[CounterAdd]]] = []
    counters_touched: set[tuple[str, str, str]] = set()
    for item in CounterSpill.query(keys.counter_spill_partition(tenant_id), consistent_read=True, page_size=25):
        adds = [CounterAdd.decoded(tenant_id, raw) for raw in item.adds]
        touched = counters_touched | {(add.model.__name__, add.name, add.bucket) for add in adds}
        if batch and len(batch) + 1 + len(touched) > FOLD_ITEMS:
            break
        batch.append((item, adds))
        counters_touched = touched
        if len(batch) >= 25:
            break
    return batch


def _summed(adds: list[CounterAdd]) -> list[CounterAdd]:
    """One ADD per counter, its deltas summed."""
    sums: dict[tuple[type[TableItem], str, str, int | None], dict[str, Number]] = {}
    for add in adds:
        into = sums.setdefault((add.model, add.name, add.bucket, add.shards), defaultdict(int))
        for name, value in add.deltas.items():
            into[name] += value
    return [CounterAdd(model, "", name, bucket, dict(deltas), shards) for (model, name, bucket, shards), deltas in sums.items()]


def increment_at(model: type[TableItem], key: keys.Key, deltas: Mapping[str, Number]) -> Update | None:
    """An unsharded counter at its own key (one user's counts live in that user's partition)."""
    fields = model.get_attributes()
    changes = {field: value for field, value in deltas.items() if value and field in fields}
    return _add(model, key, changes) if changes else None


def _add(model: type[TableItem], key: keys.Key, changes: Mapping[str, Number]) -> Update:
    actions = [getattr(model, field).add(value) for field, value in sorted(changes.items())]
    actions.append(TableItem.kind.set(model))
    return Update(model(key.pk, key.sk), actions)


def read(
    model: type[TableItem],
    tenant_id: str,
    name: str,
    first_bucket: str,
    last_bucket: str,
    *,
    shards: int | None = None,
) -> dict[str, dict[str, Number]]:
    """Per bucket in [first, last] (sort order), each field summed over the shards."""
    lo, hi = keys.counter_sort(name, first_bucket), keys.counter_sort(name, last_bucket)
    return _sum(model, tenant_id, TableItem.sk.between(lo, hi), shards)


def read_prefix(
    model: type[TableItem], tenant_id: str, name: str, bucket_prefix: str, *, shards: int | None = None
) -> dict[str, dict[str, Number]]:
    """Per bucket starting with `bucket_prefix`, each field summed over the shards."""
    return _sum(model, tenant_id, TableItem.sk.startswith(keys.counter_sort(name, bucket_prefix)), shards)


def read_at(model: type[TableItem], partition: str, sort_prefix: str) -> dict[str, dict[str, Number]]:
    """Unsharded counters of one partition whose sort keys start with `sort_prefix`, by the rest of the sort key."""
    wanted = fields_of(model)
    return {
        item.sk[len(sort_prefix) :]: {field: getattr(item, field) for field in wanted if getattr(item, field)}
        for item in model.query(partition, TableItem.sk.startswith(sort_prefix))
    }


def _sum(model: type[TableItem], tenant_id: str, condition: Condition, shards: int | None) -> dict[str, dict[str, Number]]:
    totals: dict[str, dict[str, Number]] = defaultdict(lambda: defaultdict(int))
    wanted = fields_of(model)
    for shard in range(shard_count(shards)):
        for item in model.query(keys.counter_partition(tenant_id, shard), condition):
            bucket = item.sk.split("#", 1)[1]
            for field in wanted:
                value = getattr(item, field)
                if value:
                    totals[bucket][field] += value
    return {bucket: dict(values) for bucket, values in totals.items()}
