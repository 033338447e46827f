"""Run scheduled tasks: per tenant, never two runs of one task at once, every outcome recorded.

A run holds a lock on the task's state for the Lambda's timeout plus a margin (core/deadline.lock_seconds),
so a run the platform killed leaves a stale lock by the time SQS redelivers its message (the queue's
visibility timeout is longer): the redelivered run takes the lock, records the killed run as timed out,
and runs. A run's deadline is its Lambda's remaining time; a task that runs out of it (`DeadlineExceeded`,
from `deadline.check()` or a provider call) is recorded as a failed, timed-out run, and the queue worker
raises so that SQS delivers the message again.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Any

from pynamodb.exceptions import UpdateError

from ..core import clock, deadline, keys, pagination, persist
from ..core.errors import Conflict, DeadlineExceeded, described
from ..core.logging import get_logger
from ..core.schemas import ListQuery, Page
from ..core.settings import get_settings
from ..tenancy.service import tenant_ids as all_tenant_ids
from .registry import TaskSpec, all_tasks, get_task
from .schemas import ScheduledTask, TaskRun
from .store import TaskStateItem, task_states


class TaskTimedOut(Exception):
    """A queued run ran out of time; raised to the queue worker so that SQS delivers the message again."""


def list_tasks(tenant_id: str, query: ListQuery) -> Page[ScheduledTask]:
    """The registered tasks by name, each with this tenant's state."""
    specs, cursor = pagination.in_order(tenant_id, "scheduler-tasks", all_tasks(), query.limit, query.cursor, lambda s: s.name)
    states = {item.sk.removeprefix(keys.task_state_prefix()): item for item in task_states(tenant_id)}
    return Page[ScheduledTask](items=[_view(spec, states.get(spec.name)) for spec in specs], next_cursor=cursor)


def set_enabled(tenant_id: str, name: str, enabled: bool) -> ScheduledTask:
    spec = get_task(name)
    key = keys.task_state(tenant_id, name)
    item = TaskStateItem(key.pk, key.sk)
    item.update(
        actions=[TaskStateItem.enabled.set(enabled), TaskStateItem.name.set(name), TaskStateItem.kind.set(TaskStateItem)],
        add_version_condition=False,
    )
    return _view(spec, item)


def is_enabled(spec: TaskSpec, state: TaskStateItem | None) -> bool:
    if state is None or state.enabled is None:
        return spec.enabled_by_default
    return bool(state.enabled)


def run_task(tenant_id: str, name: str, *, trigger: str = "manual", seconds: float | None = None) -> TaskRun:
    """Run `name` for one tenant now, within `seconds` (the Lambda's remaining time), and record the outcome;
    409 while another run holds it."""
    spec = get_task(name)
    key = keys.task_state(tenant_id, name)
    token = secrets.token_hex(8)
    started = clock.now()
    _lock(key, name, token, started)
    began = time.perf_counter()
    result: dict[str, Any] | None = None
    error: str | None = None
    timed_out = False
    try:
        with deadline.within(seconds if seconds is not None else get_settings().lambda_timeout_seconds):
            result = spec.run(tenant_id)
        status = "succeeded"
    except DeadlineExceeded as exc:
        status, error, timed_out = "failed", f"timed out: {exc.message}", True
        get_logger().warning("scheduled task ran out of time", extra={"task": name, "tenant_id": tenant_id})
    except Exception as exc:  # noqa: BLE001 - a failed task is recorded, never lost
        status, error = "failed", described(exc, "the task stopped on an internal error (logged for the operator)")
        get_logger().exception("scheduled task failed", extra={"task": name, "tenant_id": tenant_id})
    finished = clock.now()
    duration_ms = round((time.perf_counter() - began) * 1000, 3)
    state = TaskStateItem(key.pk, key.sk)
    state.update(
        actions=[
            TaskStateItem.last_run_at.set(clock.iso(started)),
            TaskStateItem.last_finished_at.set(clock.iso(finished)),
            TaskStateItem.last_status.set(status),
            TaskStateItem.last_trigger.set(trigger),
            TaskStateItem.last_result.set(result) if result is not None else TaskStateItem.last_result.remove(),
            TaskStateItem.last_error.set(error) if error else TaskStateItem.last_error.remove(),
            TaskStateItem.last_duration_ms.set(duration_ms),
            TaskStateItem.runs.add(1),
            TaskStateItem.failures.add(1 if error else 0),
            TaskStateItem.timeouts.add(1 if timed_out else 0),
            *([TaskStateItem.last_timed_out_at.set(clock.iso(finished))] if timed_out else []),
            TaskStateItem.lock_token.remove(),
            TaskStateItem.lock_until.remove(),
            TaskStateItem.lock_started_at.remove(),
        ],
        condition=TaskStateItem.lock_token == token,
        add_version_condition=False,
    )
    return TaskRun(
        name=name,
        tenant_id=tenant_id,
        trigger=trigger,
        status=status,
        started_at=clock.iso(started),
        finished_at=clock.iso(finished),
        duration_ms=duration_ms,
        result=result,
        error=error,
    )


def run_for_all_tenants(name: str, *, seconds: float | None = None) -> dict[str, int]:
    """The scheduled trigger without a queue: run the task for every tenant that has it enabled, all within `seconds`."""
    spec = get_task(name)
    counts = {"tenants": 0, "succeeded": 0, "failed": 0, "skipped": 0}
    with deadline.within(seconds if seconds is not None else get_settings().lambda_timeout_seconds):
        for tenant_id in all_tenant_ids():
            counts["tenants"] += 1
            outcome = run_if_enabled(spec, tenant_id, seconds=deadline.left())
            counts[outcome] += 1
    return counts


def run_queued(spec: TaskSpec, tenant_id: str, *, seconds: float | None = None) -> str:
    """One queued (task, tenant) message: run it; a run that timed out raises TaskTimedOut so that SQS retries it."""
    if seconds is not None and seconds <= get_settings().deadline_margin_seconds:
        raise TaskTimedOut(f"{spec.name} for {tenant_id}: the Lambda has no time left to run it")
    outcome = run_if_enabled(spec, tenant_id, seconds=seconds, raise_on_timeout=True)
    return outcome


def run_if_enabled(
    spec: TaskSpec,
    tenant_id: str,
    *,
    only_if_due: bool = False,
    seconds: float | None = None,
    raise_on_timeout: bool = False,
) -> str:
    """succeeded, failed or skipped (disabled, not yet due, or already running: counted on the task's state)."""
    state = persist.find(TaskStateItem, keys.task_state(tenant_id, spec.name), consistent=False)
    if not is_enabled(spec, state):
        return "skipped"
    if only_if_due and state is not None and state.last_run_at:
        if (clock.now() - clock.parse_iso(state.last_run_at)) < spec.period:
            return "skipped"
    try:
        run = run_task(tenant_id, spec.name, trigger="schedule", seconds=seconds)
    except Conflict:
        get_logger().warning("scheduled run skipped: another run holds the task", extra={"task": spec.name})
        key = keys.task_state(tenant_id, spec.name)
        TaskStateItem(key.pk, key.sk).update(actions=[TaskStateItem.skipped_while_running.add(1)], add_version_condition=False)
        return "skipped"
    if raise_on_timeout and run.error and run.error.startswith("timed out"):
        raise TaskTimedOut(f"{spec.name} for {tenant_id}: {run.error}")
    return run.status


def run_due(tenant_ids: list[str] | None = None) -> dict[str, int]:
    """The local runner's tick: every enabled task whose period has passed since its last run."""
    counts = {"succeeded": 0, "failed": 0, "skipped": 0}
    tenants = tenant_ids if tenant_ids is not None else list(all_tenant_ids())
    for spec in all_tasks():
        for tenant_id in tenants:
            counts[run_if_enabled(spec, tenant_id, only_if_due=True)] += 1
    return counts


def _lock(key: keys.Key, name: str, token: str, started: datetime) -> None:
    """Take the task for this tenant; a stale lock (a run killed with its Lambda) is taken over and that run recorded
    as a failed, timed-out one."""
    now = int(started.timestamp())
    previous = persist.find(TaskStateItem, key)
    item = TaskStateItem(key.pk, key.sk)
    try:
        item.update(
            actions=[
                TaskStateItem.lock_token.set(token),
                TaskStateItem.lock_until.set(now + deadline.lock_seconds()),
                TaskStateItem.lock_started_at.set(clock.iso(started)),
                TaskStateItem.name.set(name),
                TaskStateItem.kind.set(TaskStateItem),
            ],
            condition=TaskStateItem.lock_until.does_not_exist() | (TaskStateItem.lock_until < now),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict(f"task {name} is already running for this tenant", code="task_running") from exc
        raise
    if previous is None or previous.lock_token is None:
        return
    begun = previous.lock_started_at or "an unknown moment"
    get_logger().warning("a scheduled run was killed; its stale lock is taken over", extra={"task": name, "begun": begun})
    item.update(
        actions=[
            TaskStateItem.runs.add(1),
            TaskStateItem.failures.add(1),
            TaskStateItem.timeouts.add(1),
            TaskStateItem.last_timed_out_at.set(clock.iso(started)),
            TaskStateItem.last_run_at.set(begun) if previous.lock_started_at else TaskStateItem.last_run_at.remove(),
            TaskStateItem.last_status.set("failed"),
            TaskStateItem.last_error.set(f"timed out: the run begun at {begun} never finished (its Lambda was stopped)"),
        ],
        condition=TaskStateItem.lock_token == token,
        add_version_condition=False,
    )


def _view(spec: TaskSpec, state: TaskStateItem | None) -> ScheduledTask:
    return ScheduledTask(
        name=spec.name,
        schedule=spec.schedule,
        description=spec.description,
        enabled=is_enabled(spec, state),
        enabled_by_default=spec.enabled_by_default,
        last_run_at=state.last_run_at if state else None,
        last_finished_at=state.last_finished_at if state else None,
        last_status=state.last_status if state else None,
        last_trigger=state.last_trigger if state else None,
        last_result=state.last_result if state else None,
        last_error=state.last_error if state else None,
        last_duration_ms=state.last_duration_ms if state else None,
        runs=int(state.runs or 0) if state else 0,
        failures=int(state.failures or 0) if state else 0,
        timeouts=int(state.timeouts or 0) if state else 0,
        last_timed_out_at=state.last_timed_out_at if state else None,
        skipped_while_running=int(state.skipped_while_running or 0) if state else 0,
    )
