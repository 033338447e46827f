"""Analytics: the summary, model roll-ups, export, the weekly report, users' preferences, rebuilds."""

from __future__ import annotations

from chalice import Blueprint

from ..analytics import service
from ..analytics.export import CONTENT_TYPES
from ..analytics.schemas import (
    ExportLink,
    ExportQuery,
    ModelPeriods,
    ModelsQuery,
    Preferences,
    PreferencesQuery,
    RebuildBody,
    RebuildResult,
    Summary,
    SummaryQuery,
    WeeklyReport,
)
from ..audit import service as audit
from ..tenancy.schemas import Role
from .http import Call, Reply, route

analytics = Blueprint(__name__)


@route(
    analytics,
    "GET",
    "/v1/analytics/summary",
    role=Role.READ,
    query=SummaryQuery,
    response=Summary,
    summary="Totals, rates, processing-time percentiles and each day of a window (?days=30, or ?from=&to= days or timestamps)",
    tag="analytics",
)
def get_summary(call: Call[None, SummaryQuery]) -> Summary:
    return service.get_summary(call.tenant, call.query)


@route(
    analytics,
    "GET",
    "/v1/analytics/models",
    role=Role.READ,
    query=ModelsQuery,
    response=ModelPeriods,
    summary="Each model's figures per task and period",  # seed 002's performance aggregates
    tag="analytics",
)
def get_model_periods(call: Call[None, ModelsQuery]) -> ModelPeriods:
    return service.model_periods(call.tenant, call.query)


@route(
    analytics,
    "GET",
    "/v1/analytics/export",
    role=Role.READ,
    query=ExportQuery,
    response=ExportLink,
    media=("text/csv", "application/x-ndjson"),
    summary="Sessions with their feedback as CSV or JSONL (raw for an admin key, personal data redacted for others); "
    "a large export answers a link to it in S3",
    tag="analytics",
)
def get_export(call: Call[None, ExportQuery]) -> Reply:
    assert call.caller is not None
    raw = call.caller.role is Role.ADMIN
    done = service.run_export(call.tenant, call.query, raw=raw)
    details = {
        "format": done.format,
        "from": done.first,
        "to": done.last,
        "sessions": done.sessions,
        "rows": done.rows,
        "redacted": not raw,
        "delivered": "link" if done.link is not None else "inline",
    }
    audit.record(call.caller, "export", f"sessions {done.first} to {done.last}", details)
    counts = {"X-Export-Sessions": str(done.sessions), "X-Export-Rows": str(done.rows)}
    if done.link is not None:
        link = ExportLink(
            **done.link,
            format=done.format,
            rows=done.rows,
            sessions=done.sessions,
            bytes=done.size,
            from_=done.first,
            to=done.last,
        )
        return Reply(link.model_dump(mode="json", by_alias=True), 200, {"Content-Type": "application/json", **counts})
    headers = {
        "Content-Type": CONTENT_TYPES[done.format],
        "Content-Disposition": f'attachment; filename="{done.name}"',
        **counts,
    }
    return Reply(done.body, 200, headers)


@route(
    analytics,
    "GET",
    "/v1/analytics/reports/latest",
    role=Role.READ,
    response=WeeklyReport,
    summary="The latest weekly performance report",
    tag="analytics",
    statuses=(404,),
)
def get_latest_report(call: Call[None, None]) -> WeeklyReport:
    return service.latest_report(call.tenant)


@route(
    analytics,
    "GET",
    "/v1/analytics/users/{user_id}/preferences",
    role=Role.READ,
    query=PreferencesQuery,
    response=Preferences,
    summary="One user's learned preference for each model per task",  # seed 002's user preferences
    tag="analytics",
)
def get_user_preferences(call: Call[None, PreferencesQuery]) -> Preferences:
    return service.user_preferences(call.tenant, call.params["user_id"], call.query)


@route(
    analytics,
    "POST",
    "/v1/analytics/rebuild",
    role=Role.ADMIN,
    body=RebuildBody,
    response=RebuildResult,
    summary="Recount a day range from the session and feedback items, report drift, rewrite its roll-ups",
    tag="analytics",
)
def post_rebuild(call: Call[RebuildBody, None]) -> RebuildResult:
    return service.rebuild(call.tenant, call.body)
