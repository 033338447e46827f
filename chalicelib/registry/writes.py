"""Writes that retry a transaction cancelled by a concurrent one (DynamoDB's TransactionConflict) and report
a failed existence condition as the 409 it means."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from ..core import storage
from ..core.errors import Conflict

_BATCH = 90  # operations per transaction (DynamoDB allows 100, the idempotency guard takes one)


def create(ops: Sequence[storage.Op], exists: Conflict, *, what: str) -> None:
    """Commit `ops`, whose conditions say that what they create does not exist yet; 409 `exists` when it does."""

    def attempt() -> None:
        try:
            storage.commit(ops)
        except storage.ConditionFailed as exc:
            if exc.failed:
                raise exists from exc
            raise

    storage.retrying(attempt, what=what)


def commit(ops: Sequence[storage.Op], *, what: str) -> None:
    """Commit unconditional (or always-true) ops in transactions of at most 90, each retried on conflict."""
    for start in range(0, len(ops), _BATCH):
        chunk = list(ops[start : start + _BATCH])
        storage.retrying(functools.partial(storage.commit, chunk), what=what)
