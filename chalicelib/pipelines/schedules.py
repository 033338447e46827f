"""The `run-scheduled-pipelines` task: pipelines run at the occurrences of their cron schedules (UTC).

A pipeline with a `schedule` keeps `next_run_at`, its next occurrence (`cron.py` computes them). Every 5 minutes the
task, per tenant, claims each pipeline whose `next_run_at` has come with a conditional write that moves it to the
next occurrence after now, and runs the pipeline only when that claim won: a retried or doubled task never
runs one occurrence twice, and occurrences missed while nothing fired become one run, not a burst. A paused
pipeline's occurrences pass without a run (resuming it does not catch up); one in `error` runs, so that a
completed run can recover it.
"""

from __future__ import annotations

from typing import Any

from ..companies import scope
from ..core import clock, storage
from ..core.errors import LearnloopError
from . import cron, definitions, runs
from .store import PipelineItem


def run_scheduled_pipelines(tenant_id: str) -> dict[str, Any]:
    """The scheduled task: run every pipeline of the tenant whose next occurrence has come, once."""
    now = clock.now()
    result: dict[str, Any] = {"scheduled_pipelines": 0, "due": 0, "runs": [], "passed_paused": [], "unreadable_schedules": []}
    for pipeline in definitions.iter_pipelines(tenant_id):
        if not pipeline.schedule:
            continue
        result["scheduled_pipelines"] += 1
        stored = pipeline.next_run_at
        try:  # a schedule stored before schedules were checked may not be cron: say so, run the others
            at = cron.occurrence(
                pipeline.schedule, clock.parse_iso(stored) if stored else None, clock.parse_iso(pipeline.created_at), now
            )
        except ValueError:
            result["unreadable_schedules"].append(pipeline.pipeline_name)
            continue
        due = stored or clock.iso(at.due)
        if not at.has_come or not _claim(pipeline, due, clock.iso(at.following)):
            continue
        result["due"] += 1
        if pipeline.status == "paused":
            result["passed_paused"].append(pipeline.pipeline_name)
            continue
        try:
            with scope.bound(pipeline.company_id):  # its company's pipeline of that name
                run = runs.run_pipeline(tenant_id, pipeline.pipeline_name, trigger="schedule", scheduled_for=due)
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
