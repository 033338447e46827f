"""Webhook endpoint and delivery items."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.table import TableItem


class EndpointItem(TableItem, discriminator="webhook_endpoint"):
    """Where a tenant wants events sent. The secret is kept (it signs every delivery) but never shown after it is made."""

    id = UnicodeAttribute()
    url = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    event_types = JSONAttribute()  # the types it wants, or ["*"]
    enabled = BooleanAttribute()
    secret = UnicodeAttribute()
    # After a rotation the previous secret also signs, until it expires (receivers switch over meanwhile).
    previous_secret = UnicodeAttribute(null=True)
    previous_secret_expires_at = UnicodeAttribute(null=True)
    disabled_reason = UnicodeAttribute(null=True)
    disabled_at = UnicodeAttribute(null=True)
    # Attempts that failed since the last success, and when that run of failures began.
    consecutive_failures = NumberAttribute(default=0)
    failing_since = UnicodeAttribute(null=True)
    last_success_at = UnicodeAttribute(null=True)
    last_failure_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class DeliveryItem(TableItem, discriminator="webhook_delivery"):
    """One event for one endpoint: pending (in the due queue, GSI3) until it succeeds or its day of retries runs out."""

    id = UnicodeAttribute()
    endpoint_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    status = UnicodeAttribute()  # pending, succeeded, failed
    attempts = NumberAttribute(default=0)
    log = JSONAttribute(null=True)  # [{at, status_code, error, duration_ms}], the latest MAX_LOG attempts
    next_attempt_at = UnicodeAttribute(null=True)
    give_up_at = UnicodeAttribute()
    last_status_code = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    redelivery_of = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)


def endpoints_of(tenant_id: str) -> list[EndpointItem]:
    """Every webhook endpoint of the tenant."""
    found = EndpointItem.query(keys.alerts_partition(tenant_id), TableItem.sk.startswith(keys.webhook_endpoint_prefix()))
    return list(found)


def due_deliveries(tenant_id: str, now: str, limit: int) -> list[DeliveryItem]:
    """Up to `limit` deliveries due by `now`, oldest first (gsi3; the index lags, so each is read again before use)."""
    found = DeliveryItem.gsi3.query(keys.webhook_due(tenant_id), DeliveryItem.gsi3sk <= f"{now}#~", limit=limit)
    return [item for item in found if isinstance(item, DeliveryItem)]


def deliveries_page(
    tenant_id: str, endpoint_id: str, status: str | None, limit: int, cursor: str | None
) -> tuple[list[DeliveryItem], str | None]:
    """A page of an endpoint's deliveries, newest first (gsi1), of one status when given."""
    return persist.list_page(
        DeliveryItem,
        keys.webhook_deliveries(tenant_id, endpoint_id),
        owner=tenant_id,
        listing=f"deliveries:{endpoint_id}:{status or ''}",
        limit=limit,
        cursor=cursor,
        index="gsi1",
        filter_condition=(DeliveryItem.status == status) if status else None,
        forward=False,
    )
