"""Sharded counters: writers ADD to one shard, readers sum every shard.

A counter is a PynamoDB model whose number attributes are the counted fields. Each
(tenant, name, bucket) has `counter_shards` items on distinct partitions, so a hot counter
(a tenant's day, a popular variant) spreads its writes; a writer picks the shard from a
stable seed (a session id), so one session's updates always land on the same shard.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Mapping

from pynamodb.attributes import NumberAttribute

from . import keys
from .settings import get_settings
from .storage import Update
from .table import TableItem

Number = int | float


def shard_for(seed: str) -> int:
    return zlib.crc32(seed.encode()) % get_settings().counter_shards


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
) -> Update | None:
    """The update op that adds `deltas` to one shard; None when every delta is zero."""
    changes = {field: value for field, value in deltas.items() if value}
    if not changes:
        return None
    key = keys.counter(tenant_id, shard_for(seed), name, bucket)
    item = model(key.pk, key.sk)
    actions = [getattr(model, field).add(value) for field, value in sorted(changes.items())]
    actions.append(TableItem.kind.set(model))
    return Update(item, actions)


def read(
    model: type[TableItem],
    tenant_id: str,
    name: str,
    first_bucket: str,
    last_bucket: str,
) -> dict[str, dict[str, Number]]:
    """Per bucket in [first, last] (sort order), each field summed over the shards."""
    totals: dict[str, dict[str, Number]] = defaultdict(lambda: defaultdict(int))
    wanted = fields_of(model)
    lo, hi = keys.counter_sort(name, first_bucket), keys.counter_sort(name, last_bucket)
    for shard in range(get_settings().counter_shards):
        for item in model.query(keys.counter_partition(tenant_id, shard), TableItem.sk.between(lo, hi)):
            bucket = item.sk.split("#", 1)[1]
            for field in wanted:
                value = getattr(item, field)
                if value:
                    totals[bucket][field] += value
    return {bucket: dict(values) for bucket, values in totals.items()}
