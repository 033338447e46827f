"""Writes to the table as all-or-nothing transactions, and storage failures translated once.

Every multi-item write of the domain goes through `commit`: it measures each item it puts against
DynamoDB's item limit (`itemsize.check`, 413 naming the largest attribute), runs a TransactWriteItems,
adds the idempotency guard of the current request (so a write can never happen twice for
one Idempotency-Key), and turns DynamoDB's cancellation reasons into `ConditionFailed`
(a condition did not hold: retry or report) or, for a transaction cancelled because another one
met it on an item (`TransactionConflict`) or because it was throttled, sends it again with
jittered backoff (`retries.TRANSACTION`) and answers `StorageBusy` (503) only past those attempts; a
retry moves the counter ADDs to other shards (`Update.moved`), since the shard it met is likely still held.
A conflict therefore never reaches the domain as a failed condition.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from . import idempotency, itemsize, retries
from .errors import Conflict, StorageBusy
from .keys import Key
from .table import TableItem, connection

T = TypeVar("T", bound=TableItem)

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


def commit(ops: Sequence[Op]) -> None:
    """Write `ops` atomically (with the request's idempotency guard, when there is one)."""
    for op in ops:  # 413 naming the attribute, before anything is written, rather than DynamoDB's refusal (a 500)
        if isinstance(op, Put):
            itemsize.check(op.item)
    guard = idempotency.current_guard()
    all_ops: list[Op] = list(ops)
    if guard is not None:
        all_ops.append(Update(guard.item(), guard.actions(), guard.condition()))
    busy: TransactWriteError | None = None
    for attempt in range(retries.TRANSACTION.attempts):
        if attempt:
            retries.TRANSACTION.pause(attempt - 1)
            turn = random.randrange(1 << 30)
            all_ops = [replace(op, item=op.moved(turn)) if isinstance(op, Update) and op.moved else op for op in all_ops]
        try:
            _transact(all_ops)
        except TransactWriteError as exc:
            reasons = [reason.code if reason else None for reason in (exc.cancellation_reasons or [])]
            if guard is not None and len(reasons) == len(all_ops) and reasons[-1] == "ConditionalCheckFailed":
                raise Conflict(
                    "another request took over this Idempotency-Key; retry with the same key",
                    code="idempotency_lock_lost",
                ) from exc
            failed = [i for i, code in enumerate(reasons[: len(ops)]) if code == "ConditionalCheckFailed"]
            if failed:
                raise ConditionFailed(failed=failed) from exc
            if not _cancelled_for_now(exc, reasons):
                raise
            busy = exc  # nothing was written: the same transaction again, after a pause
            continue
        if guard is not None:
            guard.wrote = True
        return
    raise StorageBusy(retry_after=retries.RETRY_AFTER_SECONDS) from busy


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


def retrying(attempt: Callable[[], Any], *, what: str) -> Any:
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
