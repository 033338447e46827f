"""Delivering the queue: each due delivery is signed and POSTed; failures are retried with exponential backoff for a
day, every attempt is logged with its status code, and an endpoint that keeps failing is disabled.

Backoff: after the n-th failed attempt the next comes `webhook_retry_base_seconds x 2^(n-1)` later (1, 2, 4, ...
minutes by default), and the last at `give_up_at` (the event plus `webhook_retry_hours`, 24); a delivery still
failing then is `failed`. An endpoint whose attempts have all failed for `webhook_retry_hours` (and at least
DISABLE_AFTER_FAILURES times) is disabled, with the reason; `PATCH {enabled: true}` brings it back.
A receiver sees the same `Learnloop-Event-Id` (and event `id` in the body) on every attempt: that is what it dedupes on.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from ..core import clock, deadline, keys, persist, storage
from ..core.errors import Conflict, NotFound
from ..core.schemas import Page
from ..core.settings import get_settings
from ..events import service as events
from . import endpoints, outbound, queue, signing
from .schemas import Delivery, DeliveryAttempt, DeliveryQuery
from .store import DeliveryItem, EndpointItem, deliveries_page, due_deliveries

MAX_LOG = 30  # attempts kept on a delivery (a day of backoff makes about 12)
BATCH = 100  # deliveries attempted per run of the task; the next run (a minute later) takes the rest
DISABLE_AFTER_FAILURES = 5
USER_AGENT = "Learnloop-Webhooks/1"


def backoff(attempts: int) -> timedelta:
    """The pause after the `attempts`-th failed attempt."""
    return timedelta(seconds=get_settings().webhook_retry_base_seconds * 2 ** min(attempts - 1, 30))


def deliver_webhooks(tenant_id: str) -> dict[str, Any]:
    """The scheduled task: attempt every delivery of the tenant that is due, oldest first."""
    now = clock.iso(clock.now())
    counts: Counter[str] = Counter()
    due = due_deliveries(tenant_id, now, BATCH)
    known: dict[str, EndpointItem | None] = {}
    for ref in due:
        deadline.check("delivering webhooks")  # out of time: the run is recorded as timed out; the rest stay due
        item = persist.find(DeliveryItem, keys.Key(ref.pk, ref.sk))  # the index lags: the item itself says if still due
        if item is None or item.status != "pending":
            continue
        counts[attempt(tenant_id, item, known)] += 1
    return {"succeeded": 0, "retrying": 0, "failed": 0, **dict(counts)}


def attempt(tenant_id: str, item: DeliveryItem, known: dict[str, EndpointItem | None]) -> str:
    """One attempt of one delivery: succeeded, retrying or failed."""
    if item.endpoint_id not in known:
        known[item.endpoint_id] = persist.find(EndpointItem, keys.webhook_endpoint(tenant_id, item.endpoint_id))
    endpoint = known[item.endpoint_id]
    if endpoint is None or not endpoint.enabled:
        why = "the endpoint was deleted" if endpoint is None else f"the endpoint is disabled ({endpoint.disabled_reason})"
        _record(item, outbound.Outcome(None, why, 0.0), final=True)
        return "failed"
    try:
        event = events.view(tenant_id, events.load(tenant_id, item.event_id))
    except NotFound:
        _record(item, outbound.Outcome(None, "the event no longer exists", 0.0), final=True)
        return "failed"
    body = json.dumps(event.model_dump(mode="json"), separators=(",", ":"), sort_keys=True).encode()
    stamp = int(clock.wall().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.HEADER: signing.header(endpoints.secrets_in_force(endpoint), stamp, body),
        "Learnloop-Event-Id": event.id,
        "Learnloop-Event-Type": event.type,
        "Learnloop-Delivery-Id": item.id,
        "Learnloop-Delivery-Attempt": str(int(item.attempts or 0) + 1),
    }
    timeout, left = get_settings().webhook_timeout_seconds, deadline.left()
    timeout = timeout if left is None else max(0.5, min(timeout, left))
    outcome = outbound.post(endpoint.url, body, headers, timeout)
    status = _record(item, outcome, final=False)
    known[item.endpoint_id] = _endpoint_health(endpoint, outcome)
    return status


def _record(item: DeliveryItem, outcome: outbound.Outcome, *, final: bool) -> str:
    now = clock.now()
    stamp = clock.iso(now)
    entry = {"at": stamp, "status_code": outcome.status_code, "error": outcome.error, "duration_ms": outcome.duration_ms}
    item.attempts = int(item.attempts or 0) + (0 if final else 1)  # `final`: failed without a call
    item.log = [*(item.log or []), entry][-MAX_LOG:]
    item.last_status_code, item.last_error, item.updated_at = outcome.status_code, outcome.error, stamp
    if outcome.ok:
        status = "succeeded"
    elif final or now >= clock.parse_iso(item.give_up_at):
        status = "failed"
    else:
        status = "retrying"
    if status == "retrying":
        later = min(now + backoff(int(item.attempts)), clock.parse_iso(item.give_up_at))
        item.next_attempt_at = clock.iso(later)
        item.gsi3sk = keys.time_sort(item.next_attempt_at, item.id)
    else:
        item.status, item.finished_at, item.next_attempt_at = status, stamp, None
        item.gsi3pk = item.gsi3sk = None  # out of the queue
    try:
        storage.commit([persist.bump(item)])
    except storage.ConditionFailed:
        return "changed_meanwhile"
    return status


def _endpoint_health(endpoint: EndpointItem, outcome: outbound.Outcome) -> EndpointItem | None:
    """Count the attempt on its endpoint; disable an endpoint whose attempts have failed for a whole retry window."""
    now = clock.now()
    stamp = clock.iso(now)
    item = EndpointItem(endpoint.pk, endpoint.sk)
    if outcome.ok:
        actions: list[Action] = [
            EndpointItem.consecutive_failures.set(0),
            EndpointItem.failing_since.remove(),
            EndpointItem.last_success_at.set(stamp),
        ]
    else:
        actions = [
            EndpointItem.consecutive_failures.add(1),
            EndpointItem.failing_since.set(EndpointItem.failing_since | stamp),
            EndpointItem.last_failure_at.set(stamp),
        ]
    try:
        item.update(actions=actions, condition=EndpointItem.pk.exists(), add_version_condition=False)
    except UpdateError:
        return None  # deleted meanwhile
    if outcome.ok or not item.enabled or not item.failing_since:
        return item
    window = timedelta(hours=get_settings().webhook_retry_hours)
    failing_for = now - clock.parse_iso(item.failing_since)
    if failing_for >= window and int(item.consecutive_failures or 0) >= DISABLE_AFTER_FAILURES:
        _disable(item, now, failing_for)
    return item


def _disable(item: EndpointItem, now: datetime, failing_for: timedelta) -> None:
    hours = failing_for.total_seconds() / 3600
    reason = f"every attempt failed for {hours:.1f} hours ({int(item.consecutive_failures)} in a row)"
    try:
        item.update(
            actions=[
                EndpointItem.enabled.set(False),
                EndpointItem.disabled_reason.set(reason),
                EndpointItem.disabled_at.set(clock.iso(now)),
                persist.moved(EndpointItem),
            ],
            condition=EndpointItem.failing_since == item.failing_since,  # no success came in between
            add_version_condition=False,
        )
    except UpdateError:
        pass


def redeliver(tenant_id: str, delivery_id: str) -> Delivery:
    """Send a delivery's event to its endpoint again, as a new delivery due now (with its own day of retries)."""
    original = load(tenant_id, delivery_id)
    endpoint = endpoints.load(tenant_id, original.endpoint_id)
    if not endpoint.enabled:
        raise Conflict(f"webhook endpoint {endpoint.id} is disabled; enable it first", code="endpoint_disabled")
    events.load(tenant_id, original.event_id)
    item = queue.pending(tenant_id, endpoint, original.event_id, original.event_type, redelivery_of=original.id)
    storage.commit([storage.Put(item, DeliveryItem.pk.does_not_exist())])
    return view(item)


def list_deliveries(tenant_id: str, endpoint_id: str, query: DeliveryQuery) -> Page[Delivery]:
    endpoints.load(tenant_id, endpoint_id)
    found, cursor = deliveries_page(tenant_id, endpoint_id, query.status, query.limit, query.cursor)
    return Page[Delivery](items=[view(item) for item in found], next_cursor=cursor)


def get_delivery(tenant_id: str, delivery_id: str) -> Delivery:
    return view(load(tenant_id, delivery_id))


def load(tenant_id: str, delivery_id: str) -> DeliveryItem:
    return persist.load(DeliveryItem, keys.webhook_delivery(tenant_id, delivery_id), f"no webhook delivery {delivery_id}")


def view(item: DeliveryItem) -> Delivery:
    return Delivery.of(
        item,
        delivery_id=item.id,
        attempts=int(item.attempts or 0),
        log=[DeliveryAttempt(**entry) for entry in item.log or []],
        last_status_code=int(item.last_status_code) if item.last_status_code is not None else None,
    )
