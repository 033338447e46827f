"""Request-level routing's state: each model's statistics on a category, as sharded counter chunks.

A model's statistics on a category are `request_model.slot_count()` numbers (560), kept in chunks of
`SLOTS` (128) number attributes, each chunk a counter (`core.counters`: ADDed by each feedback's
transaction, sharded, summed on read) under the tenant's counter partitions, bucket
`<category>#<model id>#<chunk>` (`keys.request_model_bucket`). Only integers (fixed point,
`request_model.SCALE`): no text, no user id.
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
    """The ADDs of a model's statistics (slot -> delta) on a category, one op per chunk touched."""
    chunks: dict[int, dict[str, int]] = {}
    for slot, value in slot_deltas.items():
        if value:
            chunks.setdefault(slot // SLOTS, {})[f"s{slot % SLOTS}"] = value
    name = keys.request_model_counter_name()
    ops = [
        counters.increment(
            RequestModelCounter, tenant_id, name, keys.request_model_bucket(category_key, model_id, chunk), deltas, seed=seed
        )
        for chunk, deltas in sorted(chunks.items())
    ]
    return [op for op in ops if op is not None]


def read(tenant_id: str, category_key: str) -> dict[str, dict[int, int]]:
    """Per model, its statistics on the category (slot -> value), shards summed; models never rated are absent."""
    prefix = keys.request_model_prefix(category_key)
    out: dict[str, dict[int, int]] = {}
    found = counters.read_prefix(RequestModelCounter, tenant_id, keys.request_model_counter_name(), prefix)
    for bucket, values in found.items():
        model_id, chunk = bucket[len(prefix) :].rsplit("#", 1)
        slots = out.setdefault(model_id, {})
        for field, value in values.items():
            slots[int(chunk) * SLOTS + int(field[1:])] = int(value)
    return out
