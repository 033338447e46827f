"""The persistence kit: the few shapes in which every capability's store reads and writes its items.

Each capability keeps its items in its own `store.py` (entities, queries); this module is what those stores and the
use cases above them share, so that none of it is written by hand again:

- `load`: an item by key, or the capability's 404 (`NotFound` with its message, or the error a factory makes).
- `bump` / `changed` / `replacing`: an optimistic write. The item's stored `version` (the `version` attribute of
  every item, `core/table.py`) must still be the one read, and the write adds one to it. `bump` puts the whole
  item back, `changed` SETs (or REMOVEs, for None) only the named attributes, `replacing` puts a new item over the
  one read (or creates it when none was). Each returns a `storage` op, so the write joins whatever transaction the
  use case commits (`storage.commit`), as every write of the domain does. `moved` is the version's ADD for a
  write that lands unconditionally, so that optimistic writers that read before it retry.
- `list_page`: one page of a query under the list's signed cursor (`core/pagination.py`): the items and the cursor
  of the next page, None at the end. The cursor's state is the position after the page's last item under `"k"`
  (or the position itself, `wrap=None`), exactly what the lists wrote before the kit, so cursors a client holds
  stay valid.
- `create`: put a new item on condition that its key is free, with the capability's 409 when it is not.
- `retrying`: an optimistic read-modify-write run until its conditions hold (`storage.retrying`, typed).

Why not PynamoDB's `VersionAttribute`: it bumps the version inside `save`/`update`/`TransactWrite` and adds its
own condition to every write of every subclass of the base item, including counter ADDs, spill items and the
idempotency guard, which must not be versioned; and it treats a missing version as "new", where stored items
hold 0. The ops here are explicit and keep the attribute (`version`) and its stored values as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from . import pagination, query, storage
from .errors import Conflict, LearnloopError, NotFound
from .keys import Key
from .table import TableItem

T = TypeVar("T", bound=TableItem)
R = TypeVar("R")

# The error of a missing item: a message (a NotFound is raised with it) or a factory of the error to raise.
Missing = str | Callable[[], LearnloopError]


def _error(missing: Missing, kind: type[LearnloopError] = NotFound) -> LearnloopError:
    return kind(missing) if isinstance(missing, str) else missing()


def find(model: type[T], key: Key, *, consistent: bool = True) -> T | None:
    """The item of `model` at `key`, or None."""
    return storage.get(model, key, consistent=consistent)


def load(
    model: type[T],
    key: Key,
    not_found: Missing,
    *,
    consistent: bool = True,
    where: Callable[[T], Any] | None = None,
) -> T:
    """The item of `model` at `key`; the `not_found` error when there is none, or when `where` says it does not count
    (a revoked key, an item of another kind under the same key)."""
    item = storage.get(model, key, consistent=consistent)
    if item is None or not isinstance(item, model) or (where is not None and not where(item)):
        raise _error(not_found)
    return item


def _and(first: Condition, second: Condition | None) -> Condition:
    return first if second is None else first & second


def bump(item: T, condition: Condition | None = None) -> storage.Put:
    """Put `item` back with its version one higher, on condition that the stored version is still the one read
    (and `condition`). The item in hand carries the new version afterwards."""
    expected = int(item.version)
    item.version = expected + 1
    return storage.Put(item, _and(type(item).version == expected, condition))


def changed(
    item: T,
    changes: Mapping[str, Any],
    *,
    actions: Iterable[Action] = (),
    condition: Condition | None = None,
) -> storage.Update:
    """SET each of `changes` (REMOVE where the value is None) and the version one higher, on condition that the
    stored version is still the one read (and `condition`); `actions` are added as they are. The item in hand is
    changed alike."""
    model = type(item)
    attributes = model.get_attributes()
    expected = int(item.version)
    sets: list[Action] = []
    for name, value in changes.items():
        setattr(item, name, value)
        sets.append(attributes[name].set(value) if value is not None else attributes[name].remove())
    item.version = expected + 1
    sets.append(model.version.set(item.version))
    sets.extend(actions)
    return storage.Update(model(item.pk, item.sk), sets, _and(model.version == expected, condition))


def moved(model: type[TableItem]) -> Action:
    """The version one higher without a condition on it, for a write that must land whatever was read (a health
    figure, a status the platform sets): the optimistic writers that read before it then retry."""
    return model.version.add(1)


def replacing(item: T, previous: TableItem | None, condition: Condition | None = None) -> storage.Put:
    """Put the new `item` over `previous` (as read; None when there was none): version one past it, on condition
    that nobody wrote it meanwhile (or that it still does not exist)."""
    model = type(item)
    if previous is None:
        item.version = 1
        return storage.Put(item, _and(model.pk.does_not_exist(), condition))
    expected = int(previous.version)
    item.version = expected + 1
    return storage.Put(item, _and(model.version == expected, condition))


def create(item: TableItem, conflict: Missing, *, extra: Iterable[storage.Op] = ()) -> None:
    """Commit the new `item` with `extra`, on condition that its key is still free: the `conflict` error (a
    `Conflict` with that message, or what the factory makes) when it is taken; another failed condition of
    `extra` is raised as it is."""
    try:
        storage.commit([storage.Put(item, type(item).pk.does_not_exist()), *extra])
    except storage.ConditionFailed as exc:
        if 0 in exc.failed:
            raise _error(conflict, Conflict) from exc
        raise


def list_page(
    model: type[T],
    hash_key: str,
    *,
    owner: str,
    listing: str,
    limit: int,
    cursor: str | None,
    wrap: str | None = "k",
    range_condition: Condition | None = None,
    filter_condition: Condition | None = None,
    index: str | None = None,
    forward: bool = True,
) -> tuple[list[T], str | None]:
    """Up to `limit` items of the query and the cursor of the next page (None when nothing follows). The cursor is
    signed for `owner` and `listing`; its state holds the position after the last item, under `wrap`."""
    after: Any = None
    if cursor:
        state = pagination.decode(owner, listing, cursor)
        after = state.get(wrap) if wrap else state
    found, last = query.page(
        model,
        hash_key,
        limit=limit,
        after=after or None,
        range_condition=range_condition,
        filter_condition=filter_condition,
        index=index,
        forward=forward,
    )
    if last is None:
        return found, None
    return found, pagination.encode(owner, listing, {wrap: last} if wrap else last)


def retrying(attempt: Callable[[], R], *, what: str) -> R:
    """Run an optimistic read-modify-write until its conditions hold (`storage.retrying`), with its own answer."""
    return storage.retrying(attempt, what=what)
