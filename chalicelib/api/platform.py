"""The platform operator's routes (root key): platform settings, suspending and resuming a tenant, a recovery key."""

from __future__ import annotations

from chalice import Blueprint

from ..tenancy import platform as settings
from ..tenancy import service
from ..tenancy.schemas import (
    PlatformSettings,
    PlatformSettingsPut,
    RecoveryKeyCreate,
    RecoveryKeyCreated,
    Role,
    TenantStatus,
    TenantSuspend,
)
from .http import Call, route

platform = Blueprint(__name__)


@route(
    platform,
    "GET",
    "/v1/platform/settings",
    role=Role.ROOT,
    response=PlatformSettings,
    summary="The platform settings: requests per minute, providers and prices on the platform's keys",
    tag="platform",
)
def get_platform_settings(call: Call[None, None]) -> PlatformSettings:
    settings.forget()  # the operator reads what is stored, not this Lambda's copy
    return settings.current()


@route(
    platform,
    "PUT",
    "/v1/platform/settings",
    role=Role.ROOT,
    body=PlatformSettingsPut,
    response=PlatformSettings,
    summary="Replace the platform settings (every Lambda follows within 10 seconds)",
    tag="platform",
)
def put_platform_settings(call: Call[PlatformSettingsPut, None]) -> PlatformSettings:
    return settings.put(call.body)


@route(
    platform,
    "GET",
    "/v1/tenants/{tenant_id}/status",
    role=Role.ROOT,
    response=TenantStatus,
    summary="Whether a tenant is active or suspended",
    tag="platform",
    statuses=(404,),
)
def get_tenant_status(call: Call[None, None]) -> TenantStatus:
    return service.tenant_status(call.params["tenant_id"])


@route(
    platform,
    "POST",
    "/v1/tenants/{tenant_id}/suspend",
    role=Role.ROOT,
    body=TenantSuspend,
    response=TenantStatus,
    summary="Suspend a tenant: every key of it answers 403 tenant_suspended until it is resumed",
    tag="platform",
    statuses=(404,),
)
def suspend_tenant(call: Call[TenantSuspend, None]) -> TenantStatus:
    return service.suspend_tenant(call.params["tenant_id"], call.body)


@route(
    platform,
    "POST",
    "/v1/tenants/{tenant_id}/resume",
    role=Role.ROOT,
    response=TenantStatus,
    summary="Resume a suspended tenant",
    tag="platform",
    statuses=(404,),
)
def resume_tenant(call: Call[None, None]) -> TenantStatus:
    return service.resume_tenant(call.params["tenant_id"])


@route(
    platform,
    "POST",
    "/v1/tenants/{tenant_id}/recovery-key",
    role=Role.ROOT,
    body=RecoveryKeyCreate,
    status=201,
    response=RecoveryKeyCreated,
    summary="Mint an admin key for a tenant (shown only in this answer) and revoke its other keys",
    tag="platform",
    statuses=(404,),
    secrets=("api_key.key",),
)
def create_recovery_key(call: Call[RecoveryKeyCreate, None]) -> RecoveryKeyCreated:
    return service.create_recovery_key(call.params["tenant_id"], call.body)
