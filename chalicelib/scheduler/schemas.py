"""What the scheduler routes take and give."""

from __future__ import annotations

from typing import Any

from ..core.schemas import RequestBody, View


class TaskUpdate(RequestBody):
    enabled: bool


class ScheduledTask(View):
    name: str
    schedule: str
    description: str
    enabled: bool
    enabled_by_default: bool
    last_run_at: str | None = None
    last_finished_at: str | None = None
    last_status: str | None = None
    last_trigger: str | None = None
    last_result: dict[str, Any] | None = None
    last_error: str | None = None
    last_duration_ms: float | None = None
    runs: int = 0
    failures: int = 0
    timeouts: int = 0  # runs that ran out of time (stopped at their deadline, or killed and found by the next run)
    last_timed_out_at: str | None = None
    skipped_while_running: int = 0


class TaskRun(View):
    name: str
    tenant_id: str
    trigger: str
    status: str  # succeeded | failed
    started_at: str
    finished_at: str
    duration_ms: float
    result: dict[str, Any] | None = None
    error: str | None = None
