"""Tenancy use cases: create a tenant, mint and revoke keys, set limits; the operator's suspension and recovery."""

from __future__ import annotations

from collections.abc import Iterator

from ..core import clock, extensions, keys, persist, storage
from ..core.errors import Conflict, NotFound
from ..core.ids import new_id
from ..core.schemas import ListQuery, Page
from . import platform
from .auth import mint
from .schemas import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyCreated,
    Limits,
    LimitsUpdate,
    Me,
    RecoveryKeyCreate,
    RecoveryKeyCreated,
    Role,
    Tenant,
    TenantCreate,
    TenantCreated,
    TenantStatus,
    TenantSuspend,
)
from .store import ApiKeyItem, DomainClaim, TenantItem, iter_tenant_ids, keys_page, live_keys


def _seed_ops(tenant_id: str, now: str) -> list[storage.Op]:
    """What every new tenant starts with (the tenant seeders of chalicelib/contributions.py: the default catalog, the
    default prompts, seed 001's targets switched off), written in the tenant's creation transaction."""
    ops: list[storage.Op] = []
    for seeder in extensions.installed().tenant_seeders():
        ops += seeder(tenant_id, now)
    return ops


def create_tenant(data: TenantCreate) -> TenantCreated:
    now = clock.iso(clock.now())
    tenant_id = new_id("ten")
    tenant_key, claim_key = keys.tenant(tenant_id), keys.domain_claim(data.domain)
    index = keys.tenant_index(now, tenant_id)
    tenant = TenantItem(
        tenant_key.pk,
        tenant_key.sk,
        id=tenant_id,
        name=data.name,
        domain=data.domain,
        created_at=now,
        updated_at=now,
        admin_keys=1,
        gsi1pk=index.pk,
        gsi1sk=index.sk,
    )
    claim = DomainClaim(claim_key.pk, claim_key.sk, tenant_id=tenant_id)
    key_item, token = _new_key_item(tenant_id, "default admin key", Role.ADMIN, now)
    try:
        storage.commit(
            [
                storage.Put(tenant, TenantItem.pk.does_not_exist()),
                storage.Put(claim, DomainClaim.pk.does_not_exist()),
                storage.Put(key_item, ApiKeyItem.pk.does_not_exist()),
                *_seed_ops(tenant_id, now),
            ]
        )
    except storage.ConditionFailed as exc:
        if 1 in exc.failed:
            raise Conflict(f"the domain {data.domain} already belongs to a tenant", code="domain_taken") from exc
        raise
    return TenantCreated(tenant=_tenant_view(tenant), api_key=_created_view(key_item, token))


def get_tenant(tenant_id: str) -> Tenant:
    return _tenant_view(_load_tenant(tenant_id))


def set_limits(tenant_id: str, data: LimitsUpdate) -> Limits:
    platform.check_requests_per_minute(data.requests_per_minute)
    tenant = _load_tenant(tenant_id)
    tenant.update(
        actions=[
            TenantItem.monthly_budget_usd.set(data.monthly_budget_usd)
            if data.monthly_budget_usd is not None
            else TenantItem.monthly_budget_usd.remove(),
            TenantItem.on_budget.set(data.on_budget),
            TenantItem.requests_per_minute.set(data.requests_per_minute)
            if data.requests_per_minute is not None
            else TenantItem.requests_per_minute.remove(),
            TenantItem.updated_at.set(clock.iso(clock.now())),
        ],
        condition=TenantItem.pk.exists(),
        add_version_condition=False,
    )
    return _limits_view(tenant)


def get_limits(tenant_id: str) -> Limits:
    return _limits_view(_load_tenant(tenant_id))


def create_api_key(tenant_id: str, data: ApiKeyCreate) -> ApiKeyCreated:
    now = clock.iso(clock.now())
    item, token = _new_key_item(tenant_id, data.name, Role(data.role), now)
    item.company_id = data.company_id
    ops: list[storage.Op] = [storage.Put(item, ApiKeyItem.pk.does_not_exist())]
    if item.role == Role.ADMIN:
        tenant_key = keys.tenant(tenant_id)
        ops.append(
            storage.Update(TenantItem(tenant_key.pk, tenant_key.sk), [TenantItem.admin_keys.add(1)], TenantItem.pk.exists())
        )
    storage.commit(ops)
    return _created_view(item, token)


def list_api_keys(tenant_id: str, query: ListQuery) -> Page[ApiKey]:
    items, cursor = keys_page(tenant_id, query.limit, query.cursor)
    return Page[ApiKey](items=[_key_view(item) for item in items], next_cursor=cursor)


def describe_key(tenant_id: str, key_id: str) -> Me:
    """The calling key's own record (it authenticated a moment ago, so it exists and is not revoked)."""
    item = persist.load(ApiKeyItem, keys.api_key(tenant_id, key_id), f"no API key {key_id}", where=_live)
    return Me(tenant_id=tenant_id, key_id=item.id, role=item.role, name=item.name, company_id=item.company_id)


def revoke_api_key(tenant_id: str, key_id: str) -> None:
    key = keys.api_key(tenant_id, key_id)
    item = persist.load(ApiKeyItem, key, f"no API key {key_id}", where=_live)
    ops: list[storage.Op] = [
        storage.Update(
            ApiKeyItem(key.pk, key.sk),
            [ApiKeyItem.revoked_at.set(clock.iso(clock.now()))],
            ApiKeyItem.revoked_at.does_not_exist() & ApiKeyItem.pk.exists(),
        )
    ]
    if item.role == Role.ADMIN:
        tenant_key = keys.tenant(tenant_id)
        ops.append(
            storage.Update(TenantItem(tenant_key.pk, tenant_key.sk), [TenantItem.admin_keys.add(-1)], TenantItem.admin_keys > 1)
        )
    try:
        storage.commit(ops)
    except storage.ConditionFailed as exc:
        if 1 in exc.failed:
            raise Conflict("this is the tenant's last admin key; create another admin key first", code="last_admin_key") from exc
        raise NotFound(f"no API key {key_id}") from exc


# --- the platform operator's actions --------------------------------------------------------------


def suspend_tenant(tenant_id: str, data: TenantSuspend) -> TenantStatus:
    """Every key of the tenant answers 403 `tenant_suspended` from the next request on, until `resume_tenant`."""
    tenant = _load_tenant(tenant_id)
    if not tenant.suspended_at:
        now = clock.iso(clock.now())
        tenant.update(
            actions=[
                TenantItem.suspended_at.set(now),
                TenantItem.suspended_reason.set(data.reason) if data.reason else TenantItem.suspended_reason.remove(),
                TenantItem.updated_at.set(now),
            ],
            condition=TenantItem.pk.exists(),
            add_version_condition=False,
        )
    return _status_view(tenant)


def resume_tenant(tenant_id: str) -> TenantStatus:
    tenant = _load_tenant(tenant_id)
    tenant.update(
        actions=[
            TenantItem.suspended_at.remove(),
            TenantItem.suspended_reason.remove(),
            TenantItem.updated_at.set(clock.iso(clock.now())),
        ],
        condition=TenantItem.pk.exists(),
        add_version_condition=False,
    )
    return _status_view(tenant)


def tenant_status(tenant_id: str) -> TenantStatus:
    return _status_view(_load_tenant(tenant_id))


def create_recovery_key(tenant_id: str, data: RecoveryKeyCreate) -> RecoveryKeyCreated:
    """A new admin key minted by the operator, and (by default) every other key of the tenant revoked.

    The new key is written first, with the admin count, so that the tenant is never without an admin key; each
    other key is then revoked in its own transaction with the count, as `revoke_api_key` does.
    """
    _load_tenant(tenant_id)
    created = create_api_key(tenant_id, ApiKeyCreate(name=data.name, role="admin"))
    revoked: list[str] = []
    if data.revoke_other_keys:
        now = clock.iso(clock.now())
        for item in live_keys(tenant_id):
            if item.id == created.id:
                continue
            ops: list[storage.Op] = [
                storage.Update(
                    ApiKeyItem(item.pk, item.sk), [ApiKeyItem.revoked_at.set(now)], ApiKeyItem.revoked_at.does_not_exist()
                )
            ]
            if item.role == Role.ADMIN:
                tenant_key = keys.tenant(tenant_id)
                ops.append(storage.Update(TenantItem(tenant_key.pk, tenant_key.sk), [TenantItem.admin_keys.add(-1)]))
            try:
                storage.commit(ops)
            except storage.ConditionFailed:
                continue  # revoked meanwhile
            revoked.append(item.id)
    return RecoveryKeyCreated(api_key=created, revoked_key_ids=revoked)


def _status_view(item: TenantItem) -> TenantStatus:
    return TenantStatus(
        tenant_id=item.id,
        status="suspended" if item.suspended_at else "active",
        suspended_at=item.suspended_at,
        suspended_reason=item.suspended_reason,
    )


def _new_key_item(tenant_id: str, name: str, role: Role, now: str) -> tuple[ApiKeyItem, str]:
    key_id = new_id("key")
    minted = mint(tenant_id, key_id)
    key = keys.api_key(tenant_id, key_id)
    item = ApiKeyItem(
        key.pk,
        key.sk,
        id=key_id,
        tenant_id=tenant_id,
        name=name,
        role=role.value,
        secret_sha256=minted.secret_sha256,
        prefix=minted.prefix,
        created_at=now,
    )
    return item, minted.token


def _load_tenant(tenant_id: str) -> TenantItem:
    tenant = persist.load(TenantItem, keys.tenant(tenant_id), "no such tenant")
    return tenant


def _limits_view(item: TenantItem) -> Limits:
    return Limits(
        monthly_budget_usd=float(item.monthly_budget_usd) if item.monthly_budget_usd is not None else None,
        on_budget="downgrade" if item.on_budget == "downgrade" else "block",
        requests_per_minute=platform.requests_per_minute(
            int(item.requests_per_minute) if item.requests_per_minute is not None else None
        ),
    )


def _tenant_view(item: TenantItem) -> Tenant:
    return Tenant.of(item, tenant_id=item.id, limits=_limits_view(item))


def _key_view(item: ApiKeyItem) -> ApiKey:
    return ApiKey.of(item, api_key_id=item.id)


def _live(item: ApiKeyItem) -> bool:
    return not item.revoked_at


def _created_view(item: ApiKeyItem, token: str) -> ApiKeyCreated:
    return ApiKeyCreated(**_key_view(item).model_dump(), key=token)


def tenant_ids() -> Iterator[str]:
    """Every tenant's id, oldest first: what the scheduler runs its tasks for."""
    return iter_tenant_ids()
