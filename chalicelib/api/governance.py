"""AI governance: policies, and the violations that checks of drift, performance and data quality open."""

from __future__ import annotations

from chalice import Blueprint

from ..core.schemas import ListQuery, Page
from ..governance import policies, violations
from ..governance.schemas import Policy, PolicyCreate, PolicyPatch, Violation, ViolationPatch, ViolationQuery
from ..tenancy.schemas import Role
from .http import Call, route

governance = Blueprint(__name__)
TAG = "governance"


@route(
    governance,
    "POST",
    "/v1/governance/policies",
    role=Role.ADMIN,
    body=PolicyCreate,
    status=201,
    response=Policy,
    summary="Create a governance policy with its thresholds",
    tag=TAG,
    statuses=(409,),
)
def create_governance_policy(call: Call[PolicyCreate, None]) -> Policy:
    return policies.create_policy(call.tenant, call.body)


@route(
    governance,
    "GET",
    "/v1/governance/policies",
    role=Role.READ,
    query=ListQuery,
    response=Page[Policy],
    summary="Policies",
    tag=TAG,
)
def list_governance_policies(call: Call[None, ListQuery]) -> Page[Policy]:
    return policies.list_policies(call.tenant, call.query)


@route(
    governance,
    "GET",
    "/v1/governance/policies/{policy_id}",
    role=Role.READ,
    response=Policy,
    summary="A policy",
    tag=TAG,
    statuses=(404,),
)
def get_governance_policy(call: Call[None, None]) -> Policy:
    return policies.get_policy(call.tenant, call.params["policy_id"])


@route(
    governance,
    "PATCH",
    "/v1/governance/policies/{policy_id}",
    role=Role.ADMIN,
    body=PolicyPatch,
    response=Policy,
    summary="Activate, deactivate or change a policy",
    tag=TAG,
    statuses=(404,),
)
def patch_governance_policy(call: Call[PolicyPatch, None]) -> Policy:
    return policies.patch_policy(call.tenant, call.params["policy_id"], call.body)


@route(
    governance,
    "GET",
    "/v1/governance/violations",
    role=Role.READ,
    query=ViolationQuery,
    response=Page[Violation],
    summary="Violations, newest first, by status",
    tag=TAG,
)
def list_governance_violations(call: Call[None, ViolationQuery]) -> Page[Violation]:
    return violations.list_violations(call.tenant, call.query)


@route(
    governance,
    "GET",
    "/v1/governance/violations/{violation_id}",
    role=Role.READ,
    response=Violation,
    summary="A violation",
    tag=TAG,
    statuses=(404,),
)
def get_governance_violation(call: Call[None, None]) -> Violation:
    return violations.get_violation(call.tenant, call.params["violation_id"])


@route(
    governance,
    "PATCH",
    "/v1/governance/violations/{violation_id}",
    role=Role.ADMIN,
    body=ViolationPatch,
    response=Violation,
    summary="Move a violation: open, investigating, resolved, false_positive (an illegal move is 409)",
    tag=TAG,
    statuses=(404, 409),
)
def patch_governance_violation(call: Call[ViolationPatch, None]) -> Violation:
    by = call.caller.key_id if call.caller is not None else None
    return violations.patch_violation(call.tenant, call.params["violation_id"], call.body, by)
