"""Events: written exactly once, listed as the in-app feed, and handed to the event listeners (the webhook deliveries).

An event's id is derived from its type and what happened (`dedupe`: the violation, the drift test and day, the
job and its outcome...), and the event is put on condition that it does not exist, in the same transaction as its
deliveries: a detector that runs again, a task retried by SQS, two checks racing, all write it once. Receivers
dedupe on the id too (the same id on every retry of a delivery). `ops` lets a capability put the event in the
transaction of the change it reports (a job's status, a violation opened), so the two cannot part;
`commit_with_events` does so for detectors that store many findings at once (drift reports, data-quality figures).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

from ..core import clock, extensions, keys, persist, storage
from ..core.logging import get_logger
from ..core.schemas import Page
from .schemas import EVENT_TYPES, Event, EventQuery
from .store import EventItem, events_page

BATCH = 90  # operations per transaction (DynamoDB allows 100; the request's idempotency guard may take one)


def event_id(event_type: str, dedupe: str) -> str:
    """The same happening always gets the same id."""
    return "evt_" + hashlib.sha256(f"{event_type}\x1f{dedupe}".encode()).hexdigest()[:26]


def ops(tenant_id: str, event_type: str, dedupe: str, subject: str, data: dict[str, Any]) -> list[storage.Op]:
    """The event's put (the first op; its condition fails when the event exists) and its listeners' ops (the puts of
    its webhook deliveries)."""

    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    eid = event_id(event_type, dedupe)
    now = clock.iso(clock.now())
    key = keys.alert_event(tenant_id, eid)
    sort = keys.time_sort(now, eid)
    item = EventItem(
        key.pk,
        key.sk,
        id=eid,
        type=event_type,
        subject=subject,
        data=_json_safe(data),
        created_at=now,
        gsi1pk=keys.alert_events(tenant_id),
        gsi1sk=sort,
        gsi3pk=keys.alert_events_of_type(tenant_id, event_type),
        gsi3sk=sort,
    )
    listened = [op for listener in extensions.installed().event_listeners() for op in listener(tenant_id, item.id, item.type)]
    return [storage.Put(item, EventItem.pk.does_not_exist()), *listened]


def emit(tenant_id: str, event_type: str, dedupe: str, subject: str, data: dict[str, Any]) -> str | None:
    """Write the event and queue its deliveries, once: its id when written now, None when it already existed."""

    def attempt() -> str | None:
        written = ops(tenant_id, event_type, dedupe, subject, data)
        try:
            storage.commit(written)
        except storage.ConditionFailed as exc:
            if 0 in exc.failed:
                return None  # written before (a run again, a retry): still exactly one
            raise
        return str(written[0].item.id)  # type: ignore[union-attr]

    found: str | None = storage.retrying(attempt, what="recording an event")
    if found is not None:
        get_logger().info("event", extra={"event_id": found, "type": event_type, "tenant_id": tenant_id})
    return found


def commit_with_events(groups: Sequence[tuple[Sequence[storage.Op], Sequence[storage.Op]]]) -> int:
    """Commit each (writes, event ops) group, the event in the same transaction as the writes that detected it: a
    failure loses both (the detector, run again, finds the condition again) or neither. Transactions hold at most BATCH
    ops and never split a group; an event that exists already (a detector run again) is left out of its transaction
    and the writes are committed without it. Answers the number of events written now."""
    chunks: list[list[tuple[list[storage.Op], list[storage.Op]]]] = []
    size = BATCH
    for writes, event in groups:
        if size + len(writes) + len(event) > BATCH:
            chunks.append([])
            size = 0
        chunks[-1].append((list(writes), list(event)))
        size += len(writes) + len(event)
    return sum(_commit_chunk(chunk) for chunk in chunks)


def _commit_chunk(chunk: list[tuple[list[storage.Op], list[storage.Op]]]) -> int:
    pending = [event for _, event in chunk]
    while True:
        ops: list[storage.Op] = []
        event_at: dict[int, int] = {}  # index of an event's put in `ops` -> its group
        for n, (writes, _) in enumerate(chunk):
            ops += writes
            if pending[n]:
                event_at[len(ops)] = n
                ops += pending[n]
        try:
            storage.commit(ops)
        except storage.ConditionFailed as exc:
            written_before = [event_at[i] for i in exc.failed if i in event_at]
            if not written_before or len(written_before) < len(exc.failed):
                raise
            for n in written_before:  # exists: still exactly one; the writes go on without it
                pending[n] = []
            continue
        for event in pending:
            if event:
                get_logger().info("event", extra={"event_id": event[0].item.id, "type": event[0].item.type})  # type: ignore[union-attr]
        return sum(1 for event in pending if event)


def list_events(tenant_id: str, query: EventQuery) -> Page[Event]:
    found, cursor = events_page(tenant_id, query.type, query.limit, query.cursor)
    return Page[Event](items=[view(tenant_id, item) for item in found], next_cursor=cursor)


def load(tenant_id: str, eid: str) -> EventItem:
    return persist.load(EventItem, keys.alert_event(tenant_id, eid), f"no event {eid}")


def get_event(tenant_id: str, eid: str) -> Event:
    return view(tenant_id, load(tenant_id, eid))


def view(tenant_id: str, item: EventItem) -> Event:
    return Event.of(item, event_id=item.id, tenant_id=tenant_id, data=item.data or {})


def _json_safe(value: Any) -> Any:
    """JSON without NaN or infinities (a figure that is not a number is null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
