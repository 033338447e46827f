"""The company a request is confined to, and the checks every registry read and write makes against it.

An accounting platform's tenant serves many companies (seed 003's `companyId`). Registry items carry an optional
`company_id`; an API key may be scoped to one company. While such a key's request is served (`http.serve` binds
it here), every registry load answers 404 for an item of another company (or of none: tenant-wide items belong to
no company), every list is filtered to the key's company, and every new item is stamped with it. A key without a
company sees the whole tenant and may filter any list with `?company_id=`. Scheduled tasks run tenant-wide.

Company-scoped keys reach only the routes named in `COMPANY_ROUTES` (the registry's company data); every other
route (sessions, analytics, governance policies, key management...) answers them 403, since that data has no
company to confine it to.

Names (model versions, registry experiments, pipelines) are unique per company: each company's items live under
keys of its own (core/keys.py `of_company`), so a company never learns that another uses a name. A key scoped to a
company names its company's items; a key of no company names the tenant-wide item, else the one company item of
that name (`one_of`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..core.errors import Conflict, Forbidden, ValidationFailed

_company: ContextVar[str | None] = ContextVar("learnloop_company", default=None)

# The operations (handler names, the OpenAPI operation ids) a company-scoped key may call.
COMPANY_ROUTES = frozenset(
    {
        # model versions, runs, predictions, performance, importance, drift (chalicelib/api/registry.py)
        "register_model",
        "list_registry_models",
        "get_registry_model",
        "patch_registry_model",
        "start_training_run",
        "list_training_runs",
        "get_training_run",
        "patch_training_run",
        "record_model_prediction",
        "get_model_prediction",
        "record_model_ground_truth",
        "get_model_performance",
        "put_feature_importance",
        "list_feature_importance",
        "set_drift_baseline",
        "get_model_drift",
        # experiments, pipelines, data quality, deployments (chalicelib/api/registry_operations.py)
        "create_registry_experiment",
        "list_registry_experiments",
        "patch_registry_experiment",
        "create_data_pipeline",
        "list_data_pipelines",
        "patch_data_pipeline",
        "run_data_pipeline",
        "list_data_pipeline_runs",
        "list_data_quality",
        "deploy_model",
        "list_model_deployments",
        "get_model_deployment",
        "rollback_deployment",
        # the learning half (chalicelib/api/learning.py)
        "give_prediction_feedback",
        "list_prediction_feedback",
        "list_model_feedback",
        "get_model_feedback_quality",
        "get_prediction_feedback",
        "process_prediction_feedback",
        "set_deployment_challenger",
        "get_deployment_challenger",
        "assign_deployment_version",
        "decide_deployment_challenger",
        "get_deployment_health",
        "list_registry_actions",
        "get_company_performance",
    }
)


@contextmanager
def bound(company_id: str | None) -> Iterator[None]:
    """Serve what runs inside as `company_id`'s (None: the whole tenant)."""
    token = _company.set(company_id)
    try:
        yield
    finally:
        _company.reset(token)


def current() -> str | None:
    """The company the request is confined to, or None."""
    return _company.get()


def admit(operation: str, company_id: str | None) -> None:
    """403 for a company-scoped key on a route that is not company data."""
    if company_id is not None and operation not in COMPANY_ROUTES:
        raise Forbidden(
            f"this key is scoped to company {company_id}; it reaches only the registry's company data",
            code="company_scoped_key",
        )


def one_of(found: list[Any], what: str) -> Any | None:
    """The company item a name means to a key of no company, when no tenant-wide item has the name: the only one, or
    409 `ambiguous_name` when several companies use it (a key scoped to the company names it unambiguously)."""
    if len(found) > 1:
        companies = ", ".join(sorted(str(item.company_id) for item in found))
        raise Conflict(
            f"{what} is a name of several companies ({companies}): use a key scoped to one of them", code="ambiguous_name"
        )
    return found[0] if found else None


def visible(company_id: str | None) -> bool:
    confined = _company.get()
    return confined is None or company_id == confined


def stamp(requested: str | None, field: str = "body.company_id") -> str | None:
    """The company of a new item: the one asked for, which a company-scoped key may only ask to be its own."""
    confined = _company.get()
    if confined is None:
        return requested
    if requested is not None and requested != confined:
        raise ValidationFailed.field(field, f"this key is scoped to company {confined}; it writes only that company's data")
    return confined


def wanted(requested: str | None) -> str | None:
    """The company a list is filtered to: the key's (a query for another one matches nothing), else the query's."""
    confined = _company.get()
    if confined is None:
        return requested
    return confined if requested in (None, confined) else "\x00none"


def condition(attribute: Any, requested: str | None, other: Any = None) -> Any:
    """`other` AND `attribute == company` when the list is filtered to a company."""
    company = wanted(requested)
    if company is None:
        return other
    match = attribute == company
    return match if other is None else other & match
