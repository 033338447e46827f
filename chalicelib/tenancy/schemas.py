"""What tenancy takes and gives."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints, model_validator

from ..companies.schemas import CompanyId
from ..core.schemas import Name, RequestBody, View

Domain = Annotated[
    str,
    BeforeValidator(lambda value: value.strip().lower() if isinstance(value, str) else value),
    StringConstraints(
        min_length=1,
        max_length=253,
        pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    ),
]


class Role(StrEnum):
    READ = "read"
    APP = "app"
    ADMIN = "admin"
    ROOT = "root"

    @property
    def rank(self) -> int:
        return {"read": 1, "app": 2, "admin": 3, "root": 4}[self.value]


class TenantCreate(RequestBody):
    name: Name
    domain: Domain


class Limits(View):
    monthly_budget_usd: float | None = None
    on_budget: Literal["block", "downgrade"] = "block"
    requests_per_minute: int | None = Field(
        default=None,
        description="The limit in force: the tenant's own, else the platform's default, and never above the platform's "
        "ceiling (null: unlimited).",
    )


class LimitsUpdate(RequestBody):
    """PUT replaces the limits: a limit left out is lifted."""

    monthly_budget_usd: float | None = Field(default=None, ge=0)
    on_budget: Literal["block", "downgrade"] = "block"
    requests_per_minute: int | None = Field(
        default=None, ge=1, le=1_000_000, description="At most the platform's ceiling; left out: the platform's default."
    )


class Tenant(View):
    id: str
    tenant_id: str
    name: str
    domain: str
    created_at: str
    limits: Limits
    suspended_at: str | None = Field(default=None, description="Set while the platform operator suspends the tenant.")


class ApiKeyCreate(RequestBody):
    name: Name
    role: Literal["admin", "app", "read"]
    company_id: CompanyId | None = Field(
        default=None, description="Scope the key to one company: it then sees that company's registry data alone."
    )


class ApiKey(View):
    """A key as listed: never its secret."""

    id: str
    api_key_id: str
    name: str
    role: str
    prefix: str
    created_at: str
    company_id: str | None = None


class ApiKeyCreated(ApiKey):
    """The one answer that shows the secret."""

    key: str | None = Field(description="The secret, shown only here; a replay of its Idempotency-Key answers null.")


class Me(View):
    """The calling key itself: its tenant, id, role and name (what a console shows and gates its buttons on)."""

    tenant_id: str
    key_id: str
    role: str
    name: str
    company_id: str | None = None


class TenantCreated(View):
    tenant: Tenant
    api_key: ApiKeyCreated


# --- the platform operator's settings and actions ------------------------------------------------------

Provider = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_\-]{0,39}$")]
ModelId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_\-]{0,39}:[A-Za-z0-9][A-Za-z0-9_\-.:/@]{0,199}$")]
Rpm = Annotated[int, Field(ge=1, le=1_000_000)]


class ModelPrice(RequestBody):
    """The platform's price of a model run on its provider keys: a tenant's catalog may not price it lower."""

    cost_per_1k_input: float = Field(default=0.0, ge=0, le=1_000)
    cost_per_1k_output: float = Field(default=0.0, ge=0, le=1_000)
    cost_per_request: float = Field(default=0.0, ge=0, le=1_000)
    cost_per_1k_training: float = Field(default=0.0, ge=0, le=1_000)


class PlatformSettingsPut(RequestBody):
    """PUT replaces the settings: a setting left out returns to its default."""

    default_requests_per_minute: Rpm | None = Field(
        default=None, description="The limit of a tenant that sets none (null: such tenants are unlimited)."
    )
    max_requests_per_minute: Rpm | None = Field(
        default=None, description="The ceiling of every tenant's requests per minute (null: none)."
    )
    allowed_providers: list[Provider] | None = Field(
        default=None,
        max_length=50,
        description="The providers tenants may use on the platform's keys (null: every provider configured with a key). "
        "The offline `local` provider needs no key and is always allowed.",
    )
    prices: dict[ModelId, ModelPrice] = Field(
        default_factory=dict, max_length=1000, description="The platform's price list, by model id (`openai:gpt-4o-mini`)."
    )
    auth_failures_per_minute: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=60, description="Failed authentications one source IP may make in a minute before it is answered 429."
    )

    @model_validator(mode="after")
    def _default_under_ceiling(self) -> PlatformSettingsPut:
        ceiling, default = self.max_requests_per_minute, self.default_requests_per_minute
        if ceiling is not None and default is not None and default > ceiling:
            raise ValueError("default_requests_per_minute is above max_requests_per_minute")
        return self


class PlatformSettings(View):
    default_requests_per_minute: int | None = None
    max_requests_per_minute: int | None = None
    allowed_providers: list[str] | None = None
    prices: dict[str, ModelPrice] = Field(default_factory=dict)
    auth_failures_per_minute: int = 60
    updated_at: str | None = None


class TenantSuspend(RequestBody):
    reason: str | None = Field(default=None, max_length=500)


class TenantStatus(View):
    tenant_id: str
    status: Literal["active", "suspended"]
    suspended_at: str | None = None
    suspended_reason: str | None = None


class RecoveryKeyCreate(RequestBody):
    name: Name = "recovery admin key"
    revoke_other_keys: bool = Field(
        default=True, description="Revoke every other key of the tenant (a leaked one among them) in the same call."
    )


class RecoveryKeyCreated(View):
    """The one answer that shows the recovery key's secret."""

    api_key: ApiKeyCreated
    revoked_key_ids: list[str]
