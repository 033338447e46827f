"""Webhook endpoints: made with a secret shown once, rotated with an overlap, disabled when they keep failing."""

from __future__ import annotations

from datetime import timedelta

from ..core import clock, keys, pagination, persist, storage
from ..core.errors import Conflict
from ..core.ids import new_id
from ..core.schemas import ListQuery, Page
from . import outbound, signing
from .schemas import Endpoint, EndpointCreate, EndpointPatch, SecretRotation
from .store import EndpointItem, endpoints_of

MAX_ENDPOINTS = 16


def create_endpoint(tenant_id: str, data: EndpointCreate) -> Endpoint:
    outbound.check_url(data.url)
    if len(all_endpoints(tenant_id)) >= MAX_ENDPOINTS:
        raise Conflict(f"a tenant has at most {MAX_ENDPOINTS} webhook endpoints; delete one first", code="too_many_endpoints")
    now = clock.iso(clock.now())
    eid = new_id("whe")
    key = keys.webhook_endpoint(tenant_id, eid)
    item = EndpointItem(
        key.pk,
        key.sk,
        id=eid,
        url=data.url,
        description=data.description,
        event_types=data.event_types,
        enabled=data.enabled,
        secret=signing.new_secret(),
        consecutive_failures=0,
        created_at=now,
        updated_at=now,
        version=1,
    )
    storage.commit([storage.Put(item, EndpointItem.pk.does_not_exist())])
    return view(item, with_secret=True)


def all_endpoints(tenant_id: str) -> list[EndpointItem]:
    return endpoints_of(tenant_id)


def subscribed(tenant_id: str, event_type: str) -> list[EndpointItem]:
    """The enabled endpoints that want this type."""
    return [e for e in all_endpoints(tenant_id) if e.enabled and ("*" in e.event_types or event_type in e.event_types)]


def list_endpoints(tenant_id: str, query: ListQuery) -> Page[Endpoint]:
    items = sorted(all_endpoints(tenant_id), key=lambda e: e.created_at)
    found, cursor = pagination.in_order(tenant_id, "webhook-endpoints", items, query.limit, query.cursor, lambda e: e.id)
    return Page[Endpoint](items=[view(e) for e in found], next_cursor=cursor)


def get_endpoint(tenant_id: str, endpoint_id: str) -> Endpoint:
    return view(load(tenant_id, endpoint_id))


def patch_endpoint(tenant_id: str, endpoint_id: str, data: EndpointPatch) -> Endpoint:
    if data.url is not None:
        outbound.check_url(data.url)

    def attempt() -> EndpointItem:
        item = load(tenant_id, endpoint_id)
        if data.url is not None:
            item.url = data.url
        if data.event_types is not None:
            item.event_types = data.event_types
        if "description" in data.model_fields_set:
            item.description = data.description
        if data.enabled is not None and data.enabled != item.enabled:
            item.enabled = data.enabled
            if data.enabled:  # a fresh start: the failures that disabled it are behind it
                item.disabled_reason = item.disabled_at = item.failing_since = None
                item.consecutive_failures = 0
            else:
                item.disabled_reason, item.disabled_at = "disabled by an administrator", clock.iso(clock.now())
        return _save(item)

    return view(persist.retrying(attempt, what="updating the webhook endpoint"))


def rotate_secret(tenant_id: str, endpoint_id: str, data: SecretRotation) -> Endpoint:
    """A new secret, shown once; the current one keeps signing beside it for `overlap_hours`."""

    def attempt() -> EndpointItem:
        item = load(tenant_id, endpoint_id)
        if data.overlap_hours > 0:
            item.previous_secret = item.secret
            item.previous_secret_expires_at = clock.iso(clock.now() + timedelta(hours=data.overlap_hours))
        else:
            item.previous_secret = item.previous_secret_expires_at = None
        item.secret = signing.new_secret()
        return _save(item)

    return view(persist.retrying(attempt, what="rotating the secret"), with_secret=True)


def delete_endpoint(tenant_id: str, endpoint_id: str) -> None:
    item = load(tenant_id, endpoint_id)
    storage.commit([storage.Delete(item, EndpointItem.pk.exists())])


def secrets_in_force(item: EndpointItem) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one during its overlap."""
    found = [item.secret]
    until = item.previous_secret_expires_at
    if item.previous_secret and until and clock.now() < clock.parse_iso(until):
        found.append(item.previous_secret)
    return found


def load(tenant_id: str, endpoint_id: str) -> EndpointItem:
    return persist.load(EndpointItem, keys.webhook_endpoint(tenant_id, endpoint_id), f"no webhook endpoint {endpoint_id}")


def _save(item: EndpointItem) -> EndpointItem:
    item.updated_at = clock.iso(clock.now())
    storage.commit([persist.bump(item)])
    return item


def view(item: EndpointItem, *, with_secret: bool = False) -> Endpoint:
    return Endpoint.of(
        item,
        endpoint_id=item.id,
        event_types=list(item.event_types or []),
        enabled=bool(item.enabled),
        status="enabled" if item.enabled else "disabled",
        secret=item.secret if with_secret else None,  # the item's secret only where the answer makes it
        secret_hint=item.secret[-4:],
        consecutive_failures=int(item.consecutive_failures or 0),
    )
