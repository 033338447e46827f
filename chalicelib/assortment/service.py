"""Assortment use cases: the tenant's items of any kind, their usage counts, the default style templates (seed 000).

A session (or generation) that lists catalog items in `features.catalog` ({kind: [ids]}) adds
one use to each, in its own transaction (a sessions subscriber), so usage counts are exact;
a reference to an item the tenant does not have is refused (422) before anything is written.
"""

from __future__ import annotations

from pydantic import TypeAdapter, ValidationError

from ..core import clock, counters, keys, pagination, persist, storage
from ..core.errors import NotFound, ValidationFailed
from ..core.extensions import SessionFacts
from ..core.schemas import ListQuery, Page
from .defaults import TEMPLATES
from .schemas import CatalogItem, CatalogItemPut, Installed, ItemId, Kind
from .store import USAGE, DomainItem, UsageCounter, items_of_kind


def put_item(tenant_id: str, kind: str, item_id: str, body: CatalogItemPut) -> tuple[CatalogItem, bool]:
    _check(kind, item_id)
    key = keys.domain_item(tenant_id, kind, item_id)
    existing = persist.find(DomainItem, key)
    now = clock.iso(clock.now())
    item = DomainItem(
        key.pk,
        key.sk,
        item_id=item_id,
        item_kind=kind,
        name=body.name,
        attributes=body.attributes or None,
        is_active=body.is_active,
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )
    storage.commit([storage.Put(item)])
    return _view(item, _uses(tenant_id, kind).get(item_id, 0)), existing is None


def list_items(tenant_id: str, kind: str, query: ListQuery) -> Page[CatalogItem]:
    """The items of a kind, most used first: the order counts give, so the page is cut in memory."""
    found, cursor = pagination.in_order(
        tenant_id, f"catalog:{kind}", _all_items(tenant_id, kind), query.limit, query.cursor, lambda i: i.id
    )
    return Page[CatalogItem](items=found, next_cursor=cursor)


def _all_items(tenant_id: str, kind: str) -> list[CatalogItem]:
    _check(kind)
    uses = _uses(tenant_id, kind)
    items = [_view(item, uses.get(item.item_id, 0)) for item in items_of_kind(tenant_id, kind)]
    return sorted(items, key=lambda i: (-i.usage_count, i.name.lower(), i.id))


def get_item(tenant_id: str, kind: str, item_id: str) -> CatalogItem:
    _check(kind, item_id)
    item = persist.load(DomainItem, keys.domain_item(tenant_id, kind, item_id), f"no {kind} item {item_id}")
    return _view(item, _uses(tenant_id, kind).get(item_id, 0))


def templates(tenant_id: str, kind: str, query: ListQuery) -> Page[CatalogItem]:
    """The defaults a tenant may install (seed 000's five style templates for `styles`)."""
    _check(kind)
    epoch = "2024-06-22T00:00:00.000Z"
    items = [
        CatalogItem(
            id=t["id"],
            kind=kind,
            name=t["name"],
            attributes=t["attributes"],
            is_active=True,
            usage_count=0,
            created_at=epoch,
            updated_at=epoch,
        )
        for t in TEMPLATES.get(kind, [])
    ]
    found, cursor = pagination.in_order(tenant_id, f"catalog-templates:{kind}", items, query.limit, query.cursor, lambda i: i.id)
    return Page[CatalogItem](items=found, next_cursor=cursor)


def install_templates(tenant_id: str, kind: str) -> Installed:
    """Add the defaults of `kind` the tenant does not have yet (items it already has are left as they are)."""
    _check(kind)
    if kind not in TEMPLATES:
        raise NotFound(f"no templates for {kind}; there are templates for {', '.join(sorted(TEMPLATES))}")
    now = clock.iso(clock.now())
    installed = 0
    for template in TEMPLATES[kind]:
        key = keys.domain_item(tenant_id, kind, template["id"])
        item = DomainItem(
            key.pk,
            key.sk,
            item_id=template["id"],
            item_kind=kind,
            name=template["name"],
            attributes=template["attributes"],
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        try:
            storage.commit([storage.Put(item, DomainItem.pk.does_not_exist())])
            installed += 1
        except storage.ConditionFailed:
            pass
    return Installed(kind=kind, installed=installed, items=_all_items(tenant_id, kind))


def session_counts(facts: SessionFacts, deltas: dict[str, float]) -> list[storage.Op]:
    """A sessions subscriber: a new session that references catalog items adds a use to each."""
    if deltas.get("sessions", 0) <= 0 or not facts.catalog_refs:
        return []
    wanted = [keys.domain_item(facts.tenant_id, kind, item_id) for kind, item_id in facts.catalog_refs]
    found = storage.get_many(wanted, consistent=False)
    missing = [ref for ref, key in zip(facts.catalog_refs, wanted, strict=True) if key not in found]
    if missing:
        raise ValidationFailed(
            "features.catalog names items this tenant's catalog does not have",
            details=[
                {"field": f"body.features.catalog.{kind}", "message": f"no {kind} item {item_id}", "type": "unknown"}
                for kind, item_id in missing
            ],
        )
    ops = [
        counters.increment(UsageCounter, facts.tenant_id, USAGE, f"{kind}#{item_id}", {"uses": 1}, seed=facts.session_id)
        for kind, item_id in facts.catalog_refs
    ]
    return [op for op in ops if op is not None]


def _uses(tenant_id: str, kind: str) -> dict[str, int]:
    return {
        bucket.split("#", 1)[1]: int(values.get("uses", 0))
        for bucket, values in counters.read_prefix(UsageCounter, tenant_id, USAGE, f"{kind}#").items()
    }


def _check(kind: str, item_id: str | None = None) -> None:
    try:
        TypeAdapter(Kind).validate_python(kind)
    except ValidationError:
        raise ValidationFailed.field(
            "path.kind", "must be lower-case letters, digits and _ (flowers, styles, ...)", "pattern"
        ) from None
    if item_id is not None:
        try:
            TypeAdapter(ItemId).validate_python(item_id)
        except ValidationError:
            raise ValidationFailed.field("path.id", "must be letters, digits, _ - . (1 to 128)", "pattern") from None


def _view(item: DomainItem, uses: int) -> CatalogItem:
    return CatalogItem.of(
        item,
        id=item.item_id,
        kind=item.item_kind,
        attributes=item.attributes or {},
        is_active=bool(item.is_active),
        usage_count=uses,
    )
