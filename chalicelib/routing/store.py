"""Request-level routing's state: each model's statistics on a category, as sharded counter chunks of their own.

A model's statistics on a category are `request_model.slot_count()` numbers (860), kept in chunks of
`SLOTS` (128) number attributes. Each feedback's transaction ADDs its deltas to the chunks it
touches in one shard (chosen from the session id, `counters.shard_for`), so writes spread over
`counter_shards` partitions; a read sums the shards. The shards of a category are partitions of
their own under the tenant (`keys.request_model_partition`: `TENANT#<id>#REQROUTE#<category>#<shard>`),
so a route reads exactly its category's statistics: one Query per shard, at most 7 items per model.
Only integers (`request_model.X_SCALE`, `REWARD_GRID`): no text, no user id.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

from pynamodb.attributes import NumberAttribute

from ..core import counters, keys, storage
from ..core.table import TableItem

SLOTS = 128


def _slots(namespace: dict[str, Any]) -> None:
    namespace["__doc__"] = (
        "A chunk of one model's request-level routing statistics on a category (`request_model`'s slot layout): "
        "number attributes s0 .. s127, slot i of chunk c is statistic c * 128 + i; ADDed like every counter."
    )
    namespace["__module__"] = __name__
    namespace.update({f"s{i}": NumberAttribute(null=True) for i in range(SLOTS)})


RequestModelCounter: type[TableItem] = types.new_class(
    "RequestModelCounter", (TableItem,), {"discriminator": "counter_request_model"}, _slots
)


def add_ops(tenant_id: str, category_key: str, model_id: str, slot_deltas: Mapping[int, int], *, seed: str) -> list[storage.Op]:
    """The ADDs of a model's statistics (slot -> delta) on a category, one op per chunk touched, in `seed`'s shard."""
    chunks: dict[int, dict[str, int]] = {}
    for slot, value in slot_deltas.items():
        if value:
            chunks.setdefault(slot // SLOTS, {})[f"s{slot % SLOTS}"] = value
    shard = counters.shard_for(seed)
    ops = [
        counters.increment_at(
            RequestModelCounter, keys.request_model_chunk(tenant_id, category_key, shard, model_id, chunk), deltas
        )
        for chunk, deltas in sorted(chunks.items())
    ]
    return [op for op in ops if op is not None]


def read(tenant_id: str, category_key: str) -> dict[str, dict[int, int]]:
    """Per model, its statistics on the category (slot -> value, zeros left out), shards summed; models with none are
    absent."""
    out: dict[str, dict[int, int]] = {}
    for shard in range(counters.shard_count()):
        for item in RequestModelCounter.query(keys.request_model_partition(tenant_id, category_key, shard)):
            model_id, chunk = item.sk.rsplit("#", 1)
            slots = out.setdefault(model_id, {})
            base = int(chunk) * SLOTS
            for i in range(SLOTS):
                value = getattr(item, f"s{i}")
                if value:
                    slots[base + i] = slots.get(base + i, 0) + int(value)
    # Sums that came back to 0 (a feedback erased or replaced by an unrated one) are as if never written.
    return {model_id: kept for model_id, slots in out.items() if (kept := {k: v for k, v in slots.items() if v})}
