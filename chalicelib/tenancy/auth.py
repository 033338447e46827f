"""API keys: minted, stored only as SHA-256 digests, checked in constant time; callers and their roles.

A tenant key reads `ll.<tenant id>.<key id>.<secret>`: the ids locate the key's item
under the tenant's own partition (one read, no global index of secrets); only the
secret's digest is stored. Secrets are 256 random bits, so a fast digest is enough.
The root key comes from the environment (`LEARNLOOP_ROOT_KEY`, or only its digest).
A suspended tenant's keys answer 403 `tenant_suspended` (the key and tenant items are read on every request,
so a suspension holds from the next request on). Failed authentications are throttled per source IP (`throttle.py`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from ..core import keys, storage
from ..core.errors import Forbidden, Unauthorized
from ..core.settings import get_settings
from . import platform, throttle
from .schemas import Limits, Role
from .store import ApiKeyItem, TenantItem

TOKEN_PREFIX = "ll"


@dataclass(frozen=True)
class Caller:
    role: Role
    tenant_id: str | None = None
    key_id: str | None = None
    requests_per_minute: int | None = None
    limits: Limits | None = None
    company_id: str | None = None  # the company a scoped key is confined to

    def require(self, needed: Role) -> None:
        if needed is Role.ROOT:
            if self.role is not Role.ROOT:
                raise Forbidden("this needs the platform's root key")
            return
        if self.role is Role.ROOT:
            raise Forbidden("the root key belongs to no tenant; use one of the tenant's keys")
        if self.role.rank < needed.rank:
            raise Forbidden(f"this needs a key with role {needed.value} or higher; this key is {self.role.value}")

    @property
    def tenant(self) -> str:
        if self.tenant_id is None:
            raise Forbidden("the root key belongs to no tenant")
        return self.tenant_id


@dataclass(frozen=True)
class MintedKey:
    token: str
    secret_sha256: str
    prefix: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def mint(tenant_id: str, key_id: str) -> MintedKey:
    secret = secrets.token_urlsafe(32)
    token = f"{TOKEN_PREFIX}.{tenant_id}.{key_id}.{secret}"
    return MintedKey(token=token, secret_sha256=digest(secret), prefix=token[: len(token) - len(secret) + 4])


def authenticate(authorization: str | None, source: str | None = None) -> Caller:
    """The caller behind an `Authorization: Bearer <key>` header, or 401 (429 for a source that failed too often)."""
    throttle.check(source)
    try:
        return _authenticate(authorization)
    except Unauthorized:
        if authorization:  # a key was tried (a request without one reads nothing and guesses nothing)
            throttle.failed(source)
        raise


def _authenticate(authorization: str | None) -> Caller:
    if not authorization:
        raise Unauthorized("missing Authorization header: send 'Authorization: Bearer <api key>'")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("the Authorization header must read 'Bearer <api key>'")
    parts = token.split(".")
    if len(parts) == 4 and parts[0] == TOKEN_PREFIX:
        caller = _tenant_caller(parts[1], parts[2], parts[3])
        if caller is not None:
            return caller
    root = get_settings().root_key_digest()
    if root is not None and hmac.compare_digest(digest(token), root):
        return Caller(role=Role.ROOT)
    raise Unauthorized("unknown or revoked API key")


def _tenant_caller(tenant_id: str, key_id: str, secret: str) -> Caller | None:
    if not (tenant_id and key_id and secret) or len(tenant_id) > 64 or len(key_id) > 64:
        return None
    key_of_key, key_of_tenant = keys.api_key(tenant_id, key_id), keys.tenant(tenant_id)
    found = storage.get_many([key_of_key, key_of_tenant], consistent=False)
    item, tenant = found.get(key_of_key), found.get(key_of_tenant)
    if not isinstance(item, ApiKeyItem) or not isinstance(tenant, TenantItem) or item.revoked_at:
        return None
    if not hmac.compare_digest(digest(secret), item.secret_sha256):
        return None
    if tenant.suspended_at:
        raise Forbidden(
            "this tenant is suspended by the platform operator; only the operator can resume it", code="tenant_suspended"
        )
    rpm = platform.requests_per_minute(int(tenant.requests_per_minute) if tenant.requests_per_minute else None)
    limits = Limits(
        monthly_budget_usd=float(tenant.monthly_budget_usd) if tenant.monthly_budget_usd is not None else None,
        on_budget="downgrade" if tenant.on_budget == "downgrade" else "block",
        requests_per_minute=rpm,
    )
    return Caller(
        role=Role(item.role),
        tenant_id=tenant_id,
        key_id=key_id,
        requests_per_minute=rpm,
        limits=limits,
        company_id=item.company_id,
    )
