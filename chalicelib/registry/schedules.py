"""Pipeline schedules: cron expressions (UTC) that the `run-scheduled-pipelines` task turns into runs.

A pipeline with a `schedule` keeps `next_run_at`, its next occurrence. Every 5 minutes the task, per
tenant, claims each pipeline whose `next_run_at` has come with a conditional write that moves it to the
next occurrence after now, and runs the pipeline only when that claim won: a retried or doubled task never
runs one occurrence twice, and occurrences missed while nothing fired become one run, not a burst. A paused
pipeline's occurrences pass without a run (resuming it does not catch up); one in `error` runs, so that a
completed run can recover it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..companies import scope
from ..core import clock, storage
from ..core.errors import LearnloopError
from .store import PipelineItem

# The nicknames cron users write, as the five fields cronsim reads.
ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def check(expression: str) -> str:
    """The expression, stripped, when cron can read it; ValueError saying why otherwise."""
    from cronsim import CronSim, CronSimError

    text = " ".join(expression.split())
    try:
        CronSim(ALIASES.get(text.lower(), text), clock.now())
    except CronSimError as exc:
        raise ValueError(
            f"{expression!r} is not a cron expression ({exc}): five fields, minute hour day-of-month month "
            "day-of-week, in UTC (for example '0 2 * * *'), or @hourly, @daily, @weekly, @monthly, @yearly"
        ) from None
    return text


def next_after(expression: str, moment: datetime) -> datetime:
    """The first occurrence strictly after `moment` (ValueError for what cron cannot read)."""
    from cronsim import CronSim, CronSimError

    try:
        return next(CronSim(ALIASES.get(expression.lower(), expression), moment.replace(second=0, microsecond=0)))
    except CronSimError as exc:
        raise ValueError(f"{expression!r} is not a cron expression ({exc})") from None


def first_run_at(expression: str | None, created: datetime) -> str | None:
    return clock.iso(next_after(expression, created)) if expression else None


def run_scheduled_pipelines(tenant_id: str) -> dict[str, Any]:
    """The scheduled task: run every pipeline of the tenant whose next occurrence has come, once."""
    from . import pipeline_runs, pipelines

    now = clock.now()
    now_iso = clock.iso(now)
    result: dict[str, Any] = {"scheduled_pipelines": 0, "due": 0, "runs": [], "passed_paused": [], "unreadable_schedules": []}
    for pipeline in pipelines.iter_pipelines(tenant_id):
        if not pipeline.schedule:
            continue
        result["scheduled_pipelines"] += 1
        try:  # a schedule stored before schedules were checked may not be cron: say so, run the others
            due = pipeline.next_run_at or first_run_at(pipeline.schedule, clock.parse_iso(pipeline.created_at))
            following = clock.iso(next_after(pipeline.schedule, now))
        except ValueError:
            result["unreadable_schedules"].append(pipeline.pipeline_name)
            continue
        if due is None or due > now_iso or not _claim(pipeline, due, following):
            continue
        result["due"] += 1
        if pipeline.status == "paused":
            result["passed_paused"].append(pipeline.pipeline_name)
            continue
        try:
            with scope.bound(pipeline.company_id):  # its company's pipeline of that name
                run = pipeline_runs.run_pipeline(tenant_id, pipeline.pipeline_name, trigger="schedule", scheduled_for=due)
        except LearnloopError as exc:  # paused since it was read, or its run could not be recorded
            result["runs"].append({"pipeline_name": pipeline.pipeline_name, "scheduled_for": due, "skipped": exc.message})
            continue
        result["runs"].append(
            {"pipeline_name": pipeline.pipeline_name, "scheduled_for": due, "run_id": run.run_id, "status": run.status}
        )
    return result


def _claim(pipeline: PipelineItem, due: str, following: str) -> bool:
    """Move `next_run_at` from `due` to `following`; False when another run of the task already did."""
    stored = PipelineItem.next_run_at == due if pipeline.next_run_at else PipelineItem.next_run_at.does_not_exist()
    try:
        storage.commit(
            [
                storage.Update(
                    PipelineItem(pipeline.pk, pipeline.sk),
                    [PipelineItem.next_run_at.set(following)],
                    PipelineItem.pk.exists() & stored,
                )
            ]
        )
    except storage.ConditionFailed:
        return False
    return True
