"""Tenant, domain-claim, API-key and rate-window items; the platform settings and the failed-authentication windows."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from ..core import keys, persist
from ..core.table import TableItem


class TenantItem(TableItem, discriminator="tenant"):
    id = UnicodeAttribute()
    name = UnicodeAttribute()
    domain = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    monthly_budget_usd = NumberAttribute(null=True)
    on_budget = UnicodeAttribute(default="block")
    requests_per_minute = NumberAttribute(null=True)
    # Active admin keys, so that the last one cannot be revoked (the tenant would be locked out).
    admin_keys = NumberAttribute(default=0)
    # Set by the platform operator: every key of the tenant answers 403 `tenant_suspended` meanwhile.
    suspended_at = UnicodeAttribute(null=True)
    suspended_reason = UnicodeAttribute(null=True)


class DomainClaim(TableItem, discriminator="domain_claim"):
    tenant_id = UnicodeAttribute()


class ApiKeyItem(TableItem, discriminator="api_key"):
    id = UnicodeAttribute()
    tenant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    secret_sha256 = UnicodeAttribute()
    prefix = UnicodeAttribute()
    created_at = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)
    company_id = UnicodeAttribute(null=True)  # a key scoped to one company (chalicelib/companies/scope.py)


class RateWindow(TableItem, discriminator="rate_window"):
    requests = NumberAttribute(default=0)


class AuthFailureWindow(TableItem, discriminator="auth_failure_window"):
    """Failed authentications of one source in one minute (expires with the TTL)."""

    failures = NumberAttribute(default=0)


class PlatformSettingsItem(TableItem, discriminator="platform_settings"):
    settings = JSONAttribute()  # the validated PlatformSettingsPut fields
    updated_at = UnicodeAttribute()


def iter_tenant_ids() -> Iterator[str]:
    """Every tenant, oldest first (GSI1 `PLATFORM#TENANTS`)."""
    for item in TenantItem.gsi1.query(keys.tenant_index_partition()):
        if isinstance(item, TenantItem):
            yield item.id


def keys_page(tenant_id: str, limit: int, cursor: str | None) -> tuple[list[ApiKeyItem], str | None]:
    """A page of the tenant's API keys that are not revoked (the cursor's state is the bare position)."""
    return persist.list_page(
        ApiKeyItem,
        keys.tenant(tenant_id).pk,
        owner=tenant_id,
        listing="api-keys",
        limit=limit,
        cursor=cursor,
        wrap=None,
        range_condition=ApiKeyItem.sk.startswith(keys.api_key_prefix()),
        filter_condition=ApiKeyItem.revoked_at.does_not_exist(),
    )


def live_keys(tenant_id: str) -> list[ApiKeyItem]:
    """Every API key of the tenant that is not revoked."""
    found = ApiKeyItem.query(
        keys.tenant(tenant_id).pk,
        ApiKeyItem.sk.startswith(keys.api_key_prefix()),
        filter_condition=ApiKeyItem.revoked_at.does_not_exist(),
        consistent_read=True,
    )
    return [item for item in found if isinstance(item, ApiKeyItem)]
