"""The scheduled tasks: those the capabilities contribute (chalicelib/contributions.py) and any added at run time.

A task (`core.extensions.TaskSpec`) is a name, a rate and the function that runs it for one tenant; declaring the
schedules (at cold start) imports nothing of the capability, whose module loads when the task first runs. The
function takes the tenant id and returns a JSON-able result that becomes `last_result`.
"""

from __future__ import annotations

from ..core import extensions
from ..core.errors import NotFound
from ..core.extensions import TaskFunction, TaskSpec, Unit

__all__ = ["TASK_QUEUE_NAME", "TaskFunction", "TaskSpec", "Unit", "all_tasks", "get_task", "register", "unregister"]

# The queue of the fan-out's messages, the name Chalice's `on_sqs_message` needs (declared with the tasks: the
# worker is wired at import); infra/template.yaml points the worker at the stack's own queue instead.
TASK_QUEUE_NAME = "learnloop-scheduled-tasks"

_TASKS: dict[str, TaskSpec] = {}


def register(spec: TaskSpec) -> TaskSpec:
    """Add a task at run time (tests)."""
    existing = _TASKS.get(spec.name)
    if existing is not None and existing != spec:
        raise ValueError(f"task {spec.name} is already registered differently")
    _TASKS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    _TASKS.pop(name, None)


def _known() -> dict[str, TaskSpec]:
    return {spec.name: spec for spec in extensions.installed().tasks()} | _TASKS


def all_tasks() -> list[TaskSpec]:
    return sorted(_known().values(), key=lambda spec: spec.name)


def get_task(name: str) -> TaskSpec:
    known = _known()
    try:
        return known[name]
    except KeyError:
        raise NotFound(f"no scheduled task {name}; known tasks: {', '.join(sorted(known)) or 'none'}") from None
