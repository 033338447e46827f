"""Paged queries: collect up to `limit` matching items and remember exactly where the page ended."""

from __future__ import annotations

from typing import Any, TypeVar

from pynamodb.expressions.condition import Condition

from .table import TableItem

T = TypeVar("T", bound=TableItem)

_INDEX_KEYS = {None: (), "gsi1": ("gsi1pk", "gsi1sk"), "gsi2": ("gsi2pk", "gsi2sk"), "gsi3": ("gsi3pk", "gsi3sk")}


def position(item: TableItem, index: str | None) -> dict[str, str]:
    """The key that resumes a query right after `item` (table keys plus the index keys)."""
    names = ("pk", "sk", *_INDEX_KEYS[index])
    return {name: getattr(item, name) for name in names}


def page(
    model: type[T],
    hash_key: str,
    *,
    limit: int,
    after: dict[str, str] | None = None,
    range_condition: Condition | None = None,
    filter_condition: Condition | None = None,
    index: str | None = None,
    forward: bool = True,
) -> tuple[list[T], dict[str, str] | None]:
    """Up to `limit` items and the position after the last one (None when the partition is exhausted)."""
    source: Any = getattr(model, index) if index else model
    start = {name: {"S": value} for name, value in after.items()} if after else None
    results = source.query(
        hash_key,
        range_key_condition=range_condition,
        filter_condition=filter_condition,
        scan_index_forward=forward,
        last_evaluated_key=start,
        page_size=max(limit, 25),
    )
    items: list[T] = []
    for item in results:
        items.append(item)
        if len(items) == limit:
            # More may follow; the next page starts after this item.
            return items, position(item, index)
    return items, None


def all_items(model: type[T], hash_key: str, range_condition: Condition | None = None) -> list[T]:
    return list(model.query(hash_key, range_key_condition=range_condition))
