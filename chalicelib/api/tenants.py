"""Tenants, API keys and limits."""

from __future__ import annotations

from chalice import Blueprint

from ..core.schemas import ListQuery, Page
from ..tenancy import service
from ..tenancy.schemas import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyCreated,
    Limits,
    LimitsUpdate,
    Me,
    Role,
    Tenant,
    TenantCreate,
    TenantCreated,
)
from .http import Call, route

tenants = Blueprint(__name__)


@route(
    tenants,
    "POST",
    "/v1/tenants",
    role=Role.ROOT,
    body=TenantCreate,
    status=201,
    response=TenantCreated,
    summary="Create a tenant and its first admin key",
    tag="tenancy",
    statuses=(409,),
    secrets=("api_key.key",),
)
def create_tenant(call: Call[TenantCreate, None]) -> TenantCreated:
    return service.create_tenant(call.body)


@route(tenants, "GET", "/v1/tenants/me", role=Role.READ, response=Tenant, summary="The caller's tenant", tag="tenancy")
def get_my_tenant(call: Call[None, None]) -> Tenant:
    return service.get_tenant(call.tenant)


@route(
    tenants,
    "GET",
    "/v1/me",
    role=Role.READ,
    response=Me,
    summary="The calling key: its tenant, id, role and name",
    tag="tenancy",
)
def get_me(call: Call[None, None]) -> Me:
    assert call.caller is not None and call.caller.key_id is not None  # a tenant's key: role READ or above passed
    return service.describe_key(call.tenant, call.caller.key_id)


@route(
    tenants,
    "PUT",
    "/v1/tenants/me/limits",
    role=Role.ADMIN,
    body=LimitsUpdate,
    response=Limits,
    summary="Replace the tenant's limits (budget, requests per minute)",
    tag="tenancy",
)
def put_limits(call: Call[LimitsUpdate, None]) -> Limits:
    return service.set_limits(call.tenant, call.body)


@route(tenants, "GET", "/v1/tenants/me/limits", role=Role.READ, response=Limits, summary="The tenant's limits", tag="tenancy")
def get_limits(call: Call[None, None]) -> Limits:
    return service.get_limits(call.tenant)


@route(
    tenants,
    "POST",
    "/v1/api-keys",
    role=Role.ADMIN,
    body=ApiKeyCreate,
    status=201,
    response=ApiKeyCreated,
    summary="Mint an API key (its secret is shown only in this answer)",
    tag="tenancy",
    secrets=("key",),
)
def create_api_key(call: Call[ApiKeyCreate, None]) -> ApiKeyCreated:
    return service.create_api_key(call.tenant, call.body)


@route(
    tenants,
    "GET",
    "/v1/api-keys",
    role=Role.ADMIN,
    query=ListQuery,
    response=Page[ApiKey],
    summary="The tenant's active keys, without secrets",
    tag="tenancy",
)
def list_api_keys(call: Call[None, ListQuery]) -> Page[ApiKey]:
    return service.list_api_keys(call.tenant, call.query)


@route(
    tenants,
    "DELETE",
    "/v1/api-keys/{key_id}",
    role=Role.ADMIN,
    status=204,
    summary="Revoke a key: it answers 401 from then on",
    tag="tenancy",
    statuses=(404, 409),
)
def revoke_api_key(call: Call[None, None]) -> None:
    service.revoke_api_key(call.tenant, call.params["key_id"])
