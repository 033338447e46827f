"""The delivery queue: one delivery item per (event, endpoint), pending in GSI3 by its next attempt's time.

The queue lives in the table, so it is written in the event's own transaction (an event is never without its
deliveries, nor delivered twice by being queued twice). The `deliver-webhooks` task drains it per tenant: on AWS its
schedule fans out one SQS message per tenant (scheduler/fanout.py) to the worker Lambda; under `make run` the local
scheduler runs it inline.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from ..core import clock, keys, storage
from ..core.settings import get_settings
from .endpoints import subscribed
from .store import DeliveryItem, EndpointItem


def delivery_id(event_id: str, endpoint_id: str, redelivery: str = "") -> str:
    return "dlv_" + hashlib.sha256(f"{event_id}\x1f{endpoint_id}\x1f{redelivery}".encode()).hexdigest()[:26]


def delivery_ops(tenant_id: str, event_id: str, event_type: str) -> list[storage.Op]:
    """A pending delivery of the event for each endpoint subscribed to its type."""
    return [storage.Put(pending(tenant_id, endpoint, event_id, event_type)) for endpoint in subscribed(tenant_id, event_type)]


def pending(
    tenant_id: str, endpoint: EndpointItem, event_id: str, event_type: str, redelivery_of: str | None = None
) -> DeliveryItem:
    now = clock.now()
    stamp = clock.iso(now)
    did = delivery_id(event_id, endpoint.id, stamp if redelivery_of else "")
    key = keys.webhook_delivery(tenant_id, did)
    return DeliveryItem(
        key.pk,
        key.sk,
        id=did,
        endpoint_id=endpoint.id,
        event_id=event_id,
        event_type=event_type,
        status="pending",
        attempts=0,
        log=[],
        next_attempt_at=stamp,
        give_up_at=clock.iso(now + timedelta(hours=get_settings().webhook_retry_hours)),
        redelivery_of=redelivery_of,
        created_at=stamp,
        updated_at=stamp,
        version=1,
        gsi1pk=keys.webhook_deliveries(tenant_id, endpoint.id),
        gsi1sk=keys.time_sort(stamp, did),
        gsi3pk=keys.webhook_due(tenant_id),
        gsi3sk=keys.time_sort(stamp, did),
    )
