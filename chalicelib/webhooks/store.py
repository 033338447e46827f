"""Webhook endpoint and delivery items."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

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
