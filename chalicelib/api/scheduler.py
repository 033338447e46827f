"""Scheduled tasks: state, switches and manual runs, per tenant."""

from __future__ import annotations

from chalice import Blueprint

from ..core.schemas import ListQuery, Page
from ..scheduler import service
from ..scheduler.schemas import ScheduledTask, TaskRun, TaskUpdate
from ..tenancy.schemas import Role
from .http import Call, route

scheduler = Blueprint(__name__)


@route(
    scheduler,
    "GET",
    "/v1/scheduler/tasks",
    role=Role.ADMIN,
    query=ListQuery,
    response=Page[ScheduledTask],
    summary="Every task with its schedule and this tenant's state",
    tag="scheduler",
)
def list_tasks(call: Call[None, ListQuery]) -> Page[ScheduledTask]:
    return service.list_tasks(call.tenant, call.query)


@route(
    scheduler,
    "PUT",
    "/v1/scheduler/tasks/{name}",
    role=Role.ADMIN,
    body=TaskUpdate,
    response=ScheduledTask,
    summary="Enable or disable a task for this tenant",
    tag="scheduler",
    statuses=(404,),
)
def put_task(call: Call[TaskUpdate, None]) -> ScheduledTask:
    return service.set_enabled(call.tenant, call.params["name"], call.body.enabled)


@route(
    scheduler,
    "POST",
    "/v1/scheduler/tasks/{name}/run",
    role=Role.ADMIN,
    response=TaskRun,
    summary="Run a task now for this tenant",
    tag="scheduler",
    statuses=(404, 409),
)
def run_task(call: Call[None, None]) -> TaskRun:
    return service.run_task(call.tenant, call.params["name"], trigger="manual")
