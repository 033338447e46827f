"""`requests_per_minute`: a fixed one-minute window per tenant, counted with an atomic ADD."""

from __future__ import annotations

from datetime import timedelta

from ..core import clock, keys
from ..core.errors import RateLimited
from .auth import Caller
from .store import RateWindow


def admit(caller: Caller) -> None:
    """Count this request against the tenant's minute; 429 with Retry-After past the limit."""
    limit = caller.requests_per_minute
    if not limit or caller.tenant_id is None:
        return
    now = clock.now()
    key = keys.rate_window(caller.tenant_id, now.strftime("%Y-%m-%dT%H:%M"))
    window = RateWindow(key.pk, key.sk)
    window.update(
        actions=[
            RateWindow.requests.add(1),
            RateWindow.kind.set(RateWindow),
            RateWindow.expires_at.set(now + timedelta(minutes=10)),
        ],
        add_version_condition=False,
    )
    if window.requests > limit:
        raise RateLimited(
            f"this tenant is limited to {limit} requests per minute",
            retry_after=60 - now.second,
        )
