"""Writes to the table as all-or-nothing transactions, and storage failures translated once.

Every multi-item write of the domain goes through `commit`: it measures each item it puts against
DynamoDB's item limit (`itemsize.check`, 413 naming the largest attribute), runs a TransactWriteItems,
adds the idempotency guard of the current request (so a write can never happen twice for
one Idempotency-Key), and turns DynamoDB's cancellation reasons into `ConditionFailed`
(a condition did not hold: retry or report) or, for a transaction cancelled because another one
met it on an item (`TransactionConflict`) or because it was throttled, sends it again with
jittered backoff (`retries.TRANSACTION`) and answers `StorageBusy` (503) only past those attempts.
When the transaction met another one on a counter shard, the retry sets its counter ADDs aside in one new item
of their own (core/spill.py: a busy tenant's writes never wait on its counters; a fold adds them later, exactly
once); a fold's own retries move its ADDs to other shards instead (`Update.moved`), since the shard it met is
likely still held. A conflict therefore never reaches the domain as a failed condition.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from . import idempotency, itemsize, retries
from .errors import Conflict, StorageBusy
from .keys import Key
from .settings import get_settings
from .spill import CounterAdd, spill_item
from .table import TableItem, connection

T = TypeVar("T", bound=TableItem)
R = TypeVar("R")

_THROTTLED = retries.THROTTLED


@dataclass
class Put:
    item: TableItem
    condition: Condition | None = None


@dataclass
class Update:
    item: TableItem
    actions: list[Action]
    condition: Condition | None = None
    # A counter shard's ADD (counters.increment): `moved(turn)` is the same counter on another shard, where a retry of a
    # conflicted transaction sends it (a shard another transaction holds is then not met again in step).
    moved: Callable[[int], TableItem] | None = None
    # What a counter ADD adds, shard aside (counters.increment): a conflicted transaction spills it (core/spill.py).
    counter: CounterAdd | None = None


@dataclass
class Delete:
    item: TableItem
    condition: Condition | None = None


@dataclass
class Check:
    model: type[TableItem]
    key: Key
    condition: Condition


Op = Put | Update | Delete | Check


@dataclass
class ConditionFailed(Exception):
    """A condition of the transaction did not hold; `failed` holds the indexes of the ops that failed."""

    failed: list[int] = field(default_factory=list)
    conflict: bool = False  # kept for callers that test it: commit retries conflicts itself, so never True

    def __str__(self) -> str:
        return f"condition failed for ops {self.failed}" if not self.conflict else "transaction conflict"


def commit(ops: Sequence[Op], *, spill: bool = True) -> None:
    """Write `ops` atomically (with the request's idempotency guard, when there is one). With `spill`, a retry after
    a conflict on a counter shard sets the counter ADDs aside (core/spill.py) rather than meeting the shards again."""
    for op in ops:  # 413 naming the attribute, before anything is written, rather than DynamoDB's refusal (a 500)
        if isinstance(op, Put):
            itemsize.check(op.item)
    guard = idempotency.current_guard()
    all_ops: list[Op] = list(ops)
    origin = list(range(len(ops)))  # the index in `ops` of each op sent (a spill moves them), _GUARD, _SPILL
    if guard is not None:
        all_ops.append(Update(guard.item(), guard.actions(), guard.condition()))
        origin.append(_GUARD)
    busy: TransactWriteError | None = None
    spilled: str | None = None
    for attempt in range(retries.TRANSACTION.attempts):
        if attempt:
            retries.TRANSACTION.pause(attempt - 1)
            turn = random.randrange(1 << 30)
            all_ops = [replace(op, item=op.moved(turn)) if isinstance(op, Update) and op.moved else op for op in all_ops]
        try:
            _transact(all_ops)
        except TransactWriteError as exc:
            reasons = [reason.code if reason else None for reason in (exc.cancellation_reasons or [])]
            failing = [origin[i] for i, code in enumerate(reasons[: len(all_ops)]) if code == "ConditionalCheckFailed"]
            if _GUARD in failing:
                raise Conflict(
                    "another request took over this Idempotency-Key; retry with the same key",
                    code="idempotency_lock_lost",
                ) from exc
            failed = sorted(i for i in failing if i >= 0)
            if failed:
                raise ConditionFailed(failed=failed) from exc
            if not _cancelled_for_now(exc, reasons):
                raise
            busy = exc  # nothing was written: the same transaction again, after a pause
            if spill and spilled is None and _met_on_a_counter(all_ops, reasons):
                all_ops, origin, spilled = _spilled(all_ops, origin)
            continue
        if guard is not None:
            guard.wrote = True
        if spilled is not None:
            _fold_soon(spilled)
        return
    raise StorageBusy(retry_after=retries.RETRY_AFTER_SECONDS) from busy


_GUARD, _SPILL = -1, -2


def _met_on_a_counter(all_ops: Sequence[Op], reasons: list[str | None]) -> bool:
    return any(
        code not in (None, "None") and isinstance(op, Update) and op.counter is not None
        for op, code in zip(all_ops, reasons, strict=False)
    )


def _spilled(all_ops: Sequence[Op], origin: Sequence[int]) -> tuple[list[Op], list[int], str]:
    """`all_ops` with every counter ADD replaced by one new spill item holding them (before the guard, which stays
    last), their origins, and the tenant whose counters they are."""
    adds = [op.counter for op in all_ops if isinstance(op, Update) and op.counter is not None]
    kept = [(op, at) for op, at in zip(all_ops, origin, strict=True) if not (isinstance(op, Update) and op.counter)]
    spill_at = len(kept) - 1 if kept and kept[-1][1] == _GUARD else len(kept)
    kept.insert(spill_at, (Put(spill_item(adds), condition=TableItem.pk.does_not_exist()), _SPILL))
    return [op for op, _ in kept], [at for _, at in kept], adds[0].tenant_id


def _fold_soon(tenant_id: str) -> None:
    """Add what was just spilled to the counters: in the request itself (`inline`, the local stack and the tests), or
    by the table's stream consumer (`stream`, deployed). A fold that meets busy shards leaves the items to the next."""
    if get_settings().counter_folding != "inline":
        return
    from . import counters  # deferred: counters builds its ops on this module

    counters.fold_quietly(tenant_id)


def _transact(all_ops: Sequence[Op]) -> None:
    with TransactWrite(connection=connection().connection) as tx:
        for op in all_ops:
            if isinstance(op, Put):
                tx.save(op.item, condition=op.condition)
            elif isinstance(op, Update):
                tx.update(op.item, actions=op.actions, condition=op.condition, add_version_condition=False)
            elif isinstance(op, Delete):
                tx.delete(op.item, condition=op.condition, add_version_condition=False)
            else:
                tx.condition_check(op.model, op.key.pk, op.key.sk, condition=op.condition)


def _cancelled_for_now(exc: TransactWriteError, reasons: list[str | None]) -> bool:
    """A transaction another one met on an item (TransactionConflict) or that was throttled: worth sending again."""
    return (
        "TransactionConflict" in reasons
        or any(code in _THROTTLED for code in reasons if code)
        or exc.cause_response_code in _THROTTLED
        or exc.cause_response_code == "TransactionInProgressException"
    )


def get(model: type[T], key: Key, *, consistent: bool = True) -> T | None:
    try:
        return model.get(key.pk, key.sk, consistent_read=consistent)
    except model.DoesNotExist:
        return None


def get_many(keys: Iterable[Key], *, consistent: bool = True) -> dict[Key, TableItem]:
    """BatchGetItem of several items of any kind, by key."""
    wanted = list(dict.fromkeys(keys))
    found: dict[Key, TableItem] = {}
    for item in TableItem.batch_get([(k.pk, k.sk) for k in wanted], consistent_read=consistent):
        found[Key(item.pk, item.sk)] = item
    return found


def retrying(attempt: Callable[[], R], *, what: str) -> R:
    """Run an optimistic read-modify-write until its conditions hold, with jittered backoff."""
    backoff = retries.optimistic()
    for n in range(backoff.attempts):
        try:
            return attempt()
        except ConditionFailed:
            backoff.pause(n)
    raise StorageBusy(f"{what}: too many concurrent writes, retry shortly", retry_after=retries.RETRY_AFTER_SECONDS)


def is_throttled(exc: BaseException) -> bool:
    return isinstance(exc, PynamoDBException) and exc.cause_response_code in _THROTTLED
