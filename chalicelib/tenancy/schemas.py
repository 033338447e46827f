"""What tenancy takes and gives."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints

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
    requests_per_minute: int | None = None


class LimitsUpdate(RequestBody):
    """PUT replaces the limits: a limit left out is lifted."""

    monthly_budget_usd: float | None = Field(default=None, ge=0)
    on_budget: Literal["block", "downgrade"] = "block"
    requests_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)


class Tenant(View):
    id: str
    tenant_id: str
    name: str
    domain: str
    created_at: str
    limits: Limits


class ApiKeyCreate(RequestBody):
    name: Name
    role: Literal["admin", "app", "read"]


class ApiKey(View):
    """A key as listed: never its secret."""

    id: str
    api_key_id: str
    name: str
    role: str
    prefix: str
    created_at: str


class ApiKeyCreated(ApiKey):
    """The one answer that shows the secret."""

    key: str


class TenantCreated(View):
    tenant: Tenant
    api_key: ApiKeyCreated
