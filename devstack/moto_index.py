"""Queries that cost what their page costs, and the items each write touched (for the incremental save).

moto answers every Query by sorting every item of the table (`Table.all_items()`), then keeping the
partition (or, on an index, the items whose index key matches); a page of 20 sessions cost O(table
log table) under the backend's lock, so the whole stack slowed as its data grew. Here each table keeps,
per partition of the table and of each global secondary index, its items' sort keys in order; a Query
picks by bisection the items of its page (its key condition, its ExclusiveStartKey, its Limit plus one so
that moto still sets LastEvaluatedKey) and moto's own query runs on those alone, so filters, projections,
sizes and the answer's shape stay moto's. Queries the index does not cover (a hash-only index,
multi-attribute keys, key types other than S and N) fall back to moto's query, unchanged.

Every write moto serves touches items through `Table.put_item`, `Table.delete_item`, the backend's
`update_item` (in place), or the transaction's rollback (devstack/moto_fixes.py); each reports the key it
touched to `touched`, which re-indexes it and tells the observers (the incremental save of devstack/aws.py).
All of it runs under moto_fixes.LOCK, as every backend call does.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable
from typing import Any

_ATTR = "_learnloop_index"
_observers: list[Callable[[Any, Any, Any], None]] = []
_state = {"installed": False}
_COMPARISONS = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}
ENABLED = [True]  # the tests compare against moto's own query with this off
SERVED = {"indexed": 0, "moto": 0, "candidates": 0}  # queries answered each way, items handed to moto's query


class _Top:
    """Greater than any key value: `(v, TOP)` sorts after every entry whose first value is v."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return other is self

    def __hash__(self) -> int:
        return 0


TOP = _Top()


def observe(callback: Callable[[Any, Any, Any], None]) -> None:
    """`callback(table, hash_value, range_value)` after every write that touched that item (under the lock)."""
    _observers.append(callback)


def touched(table: Any, hash_value: Any, range_value: Any) -> None:
    index = table.__dict__.get(_ATTR)
    if index is not None:
        index.reindex(hash_value, range_value)
    for callback in _observers:
        callback(table, hash_value, range_value)


def _plain(value: Any) -> Any:
    """The value keys are ordered by (moto's own `cast_value`), or None for types the index does not order."""
    if value is None or value.type not in ("S", "N"):
        return None
    return value.cast_value


class TableIndex:
    """One table's partitions in sort-key order: the table's own, and each (hash, range) global secondary index's."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self.gsis = {}
        for gsi in table.global_indexes or []:
            hashes = [k["AttributeName"] for k in gsi.schema if k["KeyType"] == "HASH"]
            ranges = [k["AttributeName"] for k in gsi.schema if k["KeyType"] == "RANGE"]
            if len(hashes) == 1 and len(ranges) == 1:
                self.gsis[gsi.name] = (hashes[0], ranges[0])
        self.names = tuple(sorted(gsi.name for gsi in table.global_indexes or []))
        self.base: dict[Any, list[tuple[Any, ...]]] = {}  # table hash -> [(range,)]
        self.by_gsi: dict[str, dict[Any, list[tuple[Any, ...]]]] = {name: {} for name in self.gsis}
        self.items: dict[tuple[Any, Any], Any] = {}  # (hash, range) -> Item
        self.entries: dict[tuple[Any, Any], list[tuple[str, Any, tuple[Any, ...]]]] = {}
        for by_range in table.items.values():
            for item in by_range.values() if table.range_key_attr else [by_range]:
                self._add(item)

    def _add(self, item: Any) -> None:
        h, r = _plain(item.hash_key), _plain(item.range_key) if self.table.range_key_attr else ""
        if h is None or r is None:
            return
        key = (h, r)
        self.items[key] = item
        entries: list[tuple[str, Any, tuple[Any, ...]]] = []
        bisect.insort(self.base.setdefault(h, []), (r,))
        entries.append(("", h, (r,)))
        for name, (hash_attr, range_attr) in self.gsis.items():
            gh, gr = item.attrs.get(hash_attr), item.attrs.get(range_attr)
            if gh is None or gr is None:
                continue
            gh_plain, gr_plain = _plain(gh), _plain(gr)
            if gh_plain is None or gr_plain is None:
                continue
            entry = (gr_plain, h, r)
            bisect.insort(self.by_gsi[name].setdefault(gh_plain, []), entry)
            entries.append((name, gh_plain, entry))
        self.entries[key] = entries

    def _remove(self, key: tuple[Any, Any]) -> None:
        self.items.pop(key, None)
        for name, h, entry in self.entries.pop(key, []):
            partitions = self.base if name == "" else self.by_gsi[name]
            found = partitions.get(h)
            if found is None:
                continue
            at = bisect.bisect_left(found, entry)
            if at < len(found) and found[at] == entry:
                del found[at]
            if not found:
                del partitions[h]

    def reindex(self, hash_value: Any, range_value: Any) -> None:
        h, r = _plain(hash_value), _plain(range_value) if self.table.range_key_attr else ""
        if h is None or r is None:
            return
        self._remove((h, r))
        by_range = self.table.items.get(hash_value)
        if by_range is None:
            return
        item = by_range.get(range_value) if self.table.range_key_attr else by_range
        if item is not None:
            self._add(item)

    def page(
        self,
        index_name: str | None,
        hash_value: Any,
        comparison: str | None,
        values: list[Any],
        limit: int | None,
        start: dict[str, Any] | None,
        forward: bool,
    ) -> list[Any] | None:
        """The items a Query reads for its page, in sort-key order; None when the index cannot answer it."""
        from moto.dynamodb.models.dynamo_type import DynamoType

        h = _plain(hash_value)
        if h is None:
            return None
        if index_name:
            if index_name not in self.gsis:
                return None
            range_attr = self.gsis[index_name][1]
            entries = self.by_gsi[index_name].get(h, [])
        else:
            range_attr = self.table.range_key_attr
            entries = self.base.get(h, [])
        lo, hi = 0, len(entries)
        if comparison:
            bounds = [_plain(v) for v in values]
            if any(b is None for b in bounds) or range_attr is None:
                return None
            op = _COMPARISONS.get(comparison, comparison.upper())
            first = bounds[0]
            if op == "EQ":
                lo, hi = bisect.bisect_left(entries, (first,)), bisect.bisect_left(entries, (first, TOP))
            elif op == "LT":
                hi = bisect.bisect_left(entries, (first,))
            elif op == "LE":
                hi = bisect.bisect_left(entries, (first, TOP))
            elif op == "GT":
                lo = bisect.bisect_left(entries, (first, TOP))
            elif op == "GE":
                lo = bisect.bisect_left(entries, (first,))
            elif op == "BETWEEN" and len(bounds) == 2:
                lo, hi = bisect.bisect_left(entries, (first,)), bisect.bisect_left(entries, (bounds[1], TOP))
            elif op == "BEGINS_WITH" and isinstance(first, str) and first and ord(first[-1]) < 0x10FFFF:
                after = first[:-1] + chr(ord(first[-1]) + 1)
                lo, hi = bisect.bisect_left(entries, (first,)), bisect.bisect_left(entries, (after,))
            else:
                return None
        if start:
            try:
                mark: tuple[Any, ...] = (_plain(DynamoType(start[self.table.range_key_attr])),) if not index_name else (
                    _plain(DynamoType(start[range_attr])),
                    _plain(DynamoType(start[self.table.hash_key_attr])),
                    _plain(DynamoType(start[self.table.range_key_attr])),
                )  # fmt: skip
            except (KeyError, TypeError):
                return None
            if any(part is None for part in mark):
                return None
            if forward:
                lo = max(lo, bisect.bisect_right(entries, mark))
            else:
                hi = min(hi, bisect.bisect_left(entries, mark))
        if limit is not None and hi - lo > limit + 1:
            lo, hi = (lo, lo + limit + 1) if forward else (hi - limit - 1, hi)
        if index_name:
            return [self.items[(entry[1], entry[2])] for entry in entries[lo:hi]]
        return [self.items[(h, entry[0])] for entry in entries[lo:hi]]


class _Narrowed:
    """The table as moto's query sees it: `all_items()` is the page's items only; everything else is the table's."""

    def __init__(self, table: Any, items: list[Any]) -> None:
        self._table = table
        self._items = items

    def all_items(self) -> list[Any]:
        return list(self._items)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


def index_of(table: Any) -> TableIndex:
    index = table.__dict__.get(_ATTR)
    names = tuple(sorted(gsi.name for gsi in table.global_indexes or []))
    if index is None or index.names != names:
        index = TableIndex(table)
        table.__dict__[_ATTR] = index
    return index


def install() -> None:
    """Patch moto's Table and backend (once): indexed queries, and every touched item reported."""
    if _state["installed"]:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    moto_query = Table.query

    @functools.wraps(moto_query)
    def query(
        self: Any,
        hash_key: Any,
        range_comparison: Any,
        range_objs: Any,
        limit: Any,
        exclusive_start_key: Any,
        scan_index_forward: Any,
        projection_expressions: Any,
        index_name: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        hash_conditions = kwargs.get("hash_key_conditions") or []
        range_conditions = kwargs.get("range_key_conditions") or []
        if ENABLED[0] and len(hash_conditions) <= 1 and len(range_conditions) <= 1:
            hash_value = hash_conditions[0][1] if hash_conditions else hash_key
            extra = set(kwargs) - {"hash_key_conditions", "range_key_conditions", "filter_expression", "consistent_read"}
            if not extra:  # a legacy QueryFilter (filter_kwargs) keeps moto's path
                found = index_of(self).page(
                    index_name,
                    hash_value,
                    range_comparison,
                    list(range_objs or []),
                    limit,
                    exclusive_start_key,
                    scan_index_forward is not False,
                )
                if found is not None:
                    SERVED["indexed"] += 1
                    SERVED["candidates"] += len(found)
                    narrowed = _Narrowed(self, found)
                    # a Table narrowed to its candidates
                    return moto_query(narrowed, hash_key, range_comparison, range_objs, limit, None, scan_index_forward,  # type: ignore[arg-type]
                                      projection_expressions, index_name, *args, **kwargs)  # fmt: skip
        SERVED["moto"] += 1
        return moto_query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward,
                          projection_expressions, index_name, *args, **kwargs)  # fmt: skip

    moto_put, moto_delete, moto_update = Table.put_item, Table.delete_item, DynamoDBBackend.update_item

    @functools.wraps(moto_put)
    def put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        item = moto_put(self, item_attrs, *args, **kwargs)
        touched(self, item.hash_key, item.range_key)
        return item

    @functools.wraps(moto_delete)
    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        try:
            return moto_delete(self, hash_key, range_key)
        finally:
            touched(self, hash_key, range_key)

    @functools.wraps(moto_update)
    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return moto_update(self, table_name, key, *args, **kwargs)
        finally:
            table = self.tables.get(table_name)
            if table is not None and table.hash_key_attr in key:
                range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
                touched(table, DynamoType(key[table.hash_key_attr]), range_value)

    Table.query = query  # type: ignore[method-assign]
    Table.put_item = put_item  # type: ignore[method-assign]
    Table.delete_item = delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    _state["installed"] = True
