"""Each registered task gets an `app.schedule` on its rate; each only calls the scheduler's domain functions.

Declaring them imports only the task declarations: the fan-out (storage, settings, every task's tenants) is imported
when a schedule first fires or a queued task first runs, so a cold Lambda serving a request never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from chalice import Blueprint, Rate

from ..scheduler.registry import TASK_QUEUE_NAME, all_tasks

jobs = Blueprint(__name__)

_UNITS = {"minutes": Rate.MINUTES, "hours": Rate.HOURS, "days": Rate.DAYS}


def remaining_seconds(event: Any) -> float | None:
    """The Lambda's remaining time: the deadline of what the event runs (None outside Lambda)."""
    context = getattr(event, "context", None)
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        return None
    return float(context.get_remaining_time_in_millis()) / 1000


def _fanout() -> ModuleType:
    from ..scheduler import fanout  # deferred: cold start - the fan-out imports storage and every task's service

    return fanout


def _fire(name: str) -> Callable[[Any], dict[str, Any]]:
    def fire(event: Any) -> dict[str, Any]:
        return _fanout().fire(name, seconds=remaining_seconds(event))

    fire.__name__ = f"task_{name.replace('-', '_')}"
    return fire


for _spec in all_tasks():
    jobs.schedule(Rate(_spec.every, unit=_UNITS[_spec.unit]), name=f"task-{_spec.name}")(_fire(_spec.name))


@jobs.on_sqs_message(queue=TASK_QUEUE_NAME, batch_size=1, name="scheduled-task-worker")
def run_queued_task(event: Any) -> None:
    # A run that times out raises (after it is recorded): SQS delivers the message again, to the dead letters at last.
    for record in event:
        _fanout().handle_message(record.body, seconds=remaining_seconds(event))
