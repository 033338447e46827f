"""Idempotency-Key: one execution per key, the first response replayed, another body refused.

A request with a key first claims a record (`PLATFORM#…` or `TENANT#<id>#IDEMPOTENCY#<hash>`)
with a conditional put. While it runs, every transaction it commits also updates that record
on condition that the claim is still its own (`storage.commit` adds the guard), so two
requests can never both write for one key, even if the first outlives its claim. The answer
is stored on the record and replayed for 48 hours (TTL), except secrets: a minted API key
is never stored, so a replay answers it as null. A failed request that wrote nothing releases
the key; one whose answer is an error after it wrote (a 502 with its session recorded) stores
that error, replayed as it was.

Work that must not happen twice (a paid provider call) keeps its result on the record with
`keep` before anything else is written; if the request then fails, the record stays, unlocked,
and the retry with the same key takes it over and reads the result back with `checkpoint`
instead of doing the work again.

We use our own records rather than Powertools' idempotency utility because Powertools keeps
its records under one static partition, and ours must live under the tenant's partition.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from . import clock, retries
from .errors import Conflict, ValidationFailed
from .keys import Key, idempotency_of_user, user_items
from .keys import idempotency as idempotency_key
from .settings import get_settings
from .table import TableItem

MAX_KEY_LENGTH = 128
HEADER = "Idempotency-Key"


class IdempotencyRecord(TableItem, discriminator="idempotency"):
    fingerprint = UnicodeAttribute()
    state = UnicodeAttribute()  # in_progress | completed
    lock_token = UnicodeAttribute()
    lock_until = NumberAttribute()
    committed = BooleanAttribute(default=False)
    status_code = NumberAttribute(null=True)
    response = UnicodeAttribute(null=True)
    checkpoint = UnicodeAttribute(null=True)  # JSON: results of steps that must not run twice, by step
    created_at = UnicodeAttribute()


@dataclass
class StoredResponse:
    status: int
    body: Any
    headers: dict[str, Any] = field(default_factory=dict)
    # What a replay answers when `body` holds a secret that must not be stored (a minted API key).
    replay_body: Any = None


@dataclass(eq=False)
class Guard:
    key: Key
    token: str
    wrote: bool = False  # a transaction committed under the key (storage.commit sets it)
    checkpoint: dict[str, Any] | None = None  # what `keep` stored, this time or on an earlier try

    def item(self) -> IdempotencyRecord:
        return IdempotencyRecord(self.key.pk, self.key.sk)

    def actions(self) -> list[Action]:
        return [IdempotencyRecord.committed.set(True)]

    def condition(self) -> Condition:
        return IdempotencyRecord.lock_token == self.token


_current: ContextVar[Guard | None] = ContextVar("idempotency_guard", default=None)


def current_guard() -> Guard | None:
    return _current.get()


@contextmanager
def unguarded() -> Iterator[None]:
    """Commit writes that are idempotent by themselves without the key's guard.

    A conditional put that a retry finds and reuses (a user's sticky experiment assignment) is not the request's
    answer: under the guard it would mark the request as written, and if the request then failed (a 503 on its own
    transaction) every retry with the same key would be refused 409 `idempotency_response_lost` for a write that
    never happened. Outside the guard the retry runs again and finds the assignment where the first try left it."""
    marker = _current.set(None)
    try:
        yield
    finally:
        _current.reset(marker)


def wrote() -> bool:
    """Whether the current request already committed a write under its Idempotency-Key."""
    guard = _current.get()
    return guard is not None and guard.wrote


def checkpoint(step: str) -> Any:
    """What an earlier try under this request's Idempotency-Key kept for `step` with `keep`, else None."""
    guard = _current.get()
    return None if guard is None or guard.checkpoint is None else guard.checkpoint.get(step)


def keep(step: str, value: Any) -> None:
    """Store `value` (JSON) for `step` on the key's record, so that a retry of a failed request reads it back.

    Without an Idempotency-Key it does nothing. The write is retried (`retries.MUST_LAND`) beyond the SDK's own
    retries: it follows work already paid for.
    """
    guard = _current.get()
    if guard is None:
        return
    kept = {**(guard.checkpoint or {}), step: value}
    text = json.dumps(kept, separators=(",", ":"))
    _must_land(
        lambda: IdempotencyRecord(guard.key.pk, guard.key.sk).update(
            actions=[IdempotencyRecord.checkpoint.set(text)],
            condition=IdempotencyRecord.lock_token == guard.token,
            add_version_condition=False,
        )
    )
    guard.checkpoint = kept


def validate_key(client_key: str) -> str:
    if not 1 <= len(client_key) <= MAX_KEY_LENGTH:
        raise ValidationFailed.field(f"header.{HEADER}", f"must be 1 to {MAX_KEY_LENGTH} characters", "string_length")
    return client_key


def execute(
    scope: str | None,
    client_key: str,
    fingerprint: str,
    run: Callable[[], StoredResponse],
    user_id: str | None = None,
) -> tuple[StoredResponse, bool]:
    """Run `run` once for this key; return its response and whether it was a replay.

    `user_id`: the end user the request names; the record is then indexed under them, so that their erasure
    deletes the stored answer (which may hold their text) with the rest of their data."""
    key = idempotency_key(scope, validate_key(client_key))
    token = secrets.token_hex(16)
    settings = get_settings()
    deadline = time.monotonic() + settings.idempotency_wait_seconds
    pause = 0.02
    guard = Guard(key, token)
    owner = user_items(scope, user_id) if scope is not None and user_id else None
    while not _claim(key, fingerprint, token, owner):
        record = _load(key)
        if record is None:
            continue
        if record.fingerprint != fingerprint:
            raise Conflict(
                f"{HEADER} was already used with a different request",
                code="idempotency_key_reused",
            )
        if record.state == "completed":
            return _stored(record), True
        unlocked = record.lock_until < clock.now().timestamp()
        if unlocked and record.committed:
            raise Conflict(
                f"the first request with this {HEADER} was written but its answer was lost; read the resource",
                code="idempotency_response_lost",
            )
        if unlocked and record.checkpoint and _take_over(key, record, token):
            guard.checkpoint = json.loads(record.checkpoint)
            break
        if time.monotonic() >= deadline:
            raise Conflict(f"a request with this {HEADER} is still in progress", code="idempotency_in_progress")
        time.sleep(pause)
        pause = min(pause * 1.5, 0.25)

    marker = _current.set(guard)
    try:
        response = run()
    except BaseException:
        if guard.wrote or guard.checkpoint:
            _unlock(guard)
        else:
            _release(key, token)
        raise
    finally:
        _current.reset(marker)
    if 200 <= response.status < 300 or guard.wrote:
        _complete(key, token, response)
    elif guard.checkpoint:
        _unlock(guard)
    else:
        _release(key, token)
    return response, False


def _claim(key: Key, fingerprint: str, token: str, owner: str | None = None) -> bool:
    settings = get_settings()
    now = clock.now()
    record = IdempotencyRecord(
        key.pk,
        key.sk,
        gsi2pk=owner,
        gsi2sk=idempotency_of_user(clock.iso(now)) if owner else None,
        fingerprint=fingerprint,
        state="in_progress",
        lock_token=token,
        lock_until=int(now.timestamp()) + settings.idempotency_lock_seconds,
        committed=False,
        created_at=clock.iso(now),
        expires_at=now + timedelta(hours=settings.idempotency_ttl_hours),
    )
    free = (
        IdempotencyRecord.pk.does_not_exist()
        | (IdempotencyRecord.expires_at < now)
        | (
            (IdempotencyRecord.state == "in_progress")
            & (IdempotencyRecord.committed == False)  # noqa: E712 (a DynamoDB condition, not a comparison)
            & (IdempotencyRecord.lock_until < int(now.timestamp()))
            & (IdempotencyRecord.fingerprint == fingerprint)
            & IdempotencyRecord.checkpoint.does_not_exist()  # kept results are taken over, not overwritten
        )
    )
    try:
        record.save(condition=free)
        return True
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def _load(key: Key) -> IdempotencyRecord | None:
    try:
        record = IdempotencyRecord.get(key.pk, key.sk, consistent_read=True)
    except IdempotencyRecord.DoesNotExist:
        return None
    if record.expires_at is not None and record.expires_at < clock.now():
        return None
    return record


def _stored(record: IdempotencyRecord) -> StoredResponse:
    payload = json.loads(record.response or "{}")
    return StoredResponse(status=int(record.status_code or 200), body=payload.get("body"), headers=payload.get("headers", {}))


def _take_over(key: Key, record: IdempotencyRecord, token: str) -> bool:
    """Lock a record an earlier, failed try left unlocked with its checkpoint; False when another retry was first."""
    now = int(clock.now().timestamp())
    try:
        IdempotencyRecord(key.pk, key.sk).update(
            actions=[
                IdempotencyRecord.lock_token.set(token),
                IdempotencyRecord.lock_until.set(now + get_settings().idempotency_lock_seconds),
            ],
            condition=(IdempotencyRecord.lock_token == record.lock_token)
            & (IdempotencyRecord.lock_until < now)
            & (IdempotencyRecord.committed == False),  # noqa: E712 (a DynamoDB condition, not a comparison)
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _complete(key: Key, token: str, response: StoredResponse) -> None:
    record = IdempotencyRecord(key.pk, key.sk)
    stored = response.replay_body if response.replay_body is not None else response.body
    text = json.dumps({"body": stored, "headers": response.headers}, separators=(",", ":"))
    _must_land(
        lambda: record.update(
            actions=[
                IdempotencyRecord.state.set("completed"),
                IdempotencyRecord.status_code.set(response.status),
                IdempotencyRecord.response.set(text),
                IdempotencyRecord.checkpoint.remove(),
            ],
            condition=IdempotencyRecord.lock_token == token,
            add_version_condition=False,
        )
    )


def _unlock(guard: Guard) -> None:
    """End a failed try that wrote or kept something: the record stays, and a retry may act on it at once."""
    try:
        IdempotencyRecord(guard.key.pk, guard.key.sk).update(
            actions=[IdempotencyRecord.lock_until.set(0)],
            condition=IdempotencyRecord.lock_token == guard.token,
            add_version_condition=False,
        )
    except Exception:  # noqa: BLE001 - the lock then ends when its time is up
        pass


def _must_land(write: Callable[[], Any]) -> None:
    """A single-item write retried past throttling (`retries.MUST_LAND`); a failed condition is the lock lost."""
    for attempt in range(retries.MUST_LAND.attempts):
        try:
            write()
            return
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict(
                    f"another request took over this {HEADER}; retry with the same key", code="idempotency_lock_lost"
                ) from exc
            if exc.cause_response_code not in retries.THROTTLED or attempt + 1 == retries.MUST_LAND.attempts:
                raise
            retries.MUST_LAND.pause(attempt)


def _release(key: Key, token: str) -> None:
    """Free the key after a failure, unless something was already written under it."""
    record = IdempotencyRecord(key.pk, key.sk)
    try:
        record.delete(
            condition=(IdempotencyRecord.lock_token == token) & (IdempotencyRecord.committed == False),  # noqa: E712
            add_version_condition=False,
        )
    except Exception:  # noqa: BLE001 - the key then frees itself when its claim expires
        pass
