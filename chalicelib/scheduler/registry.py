"""Declared tasks: a name, a rate and the domain function that runs it for one tenant.

A task's function is named by its import path so that declaring the schedules (at cold
start) imports nothing of the capability; it is imported when the task first runs. The
function takes the tenant id and returns a JSON-able result that becomes `last_result`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from ..core.errors import NotFound

# The queue of the fan-out's messages, the name Chalice's `on_sqs_message` needs (declared with the tasks: the
# worker is wired at import); infra/template.yaml points the worker at the stack's own queue instead.
TASK_QUEUE_NAME = "learnloop-scheduled-tasks"

Unit = Literal["minutes", "hours", "days"]
TaskFunction = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    every: int
    unit: Unit
    target: str  # "package.module:function"
    description: str
    enabled_by_default: bool = True

    @property
    def schedule(self) -> str:
        """The rate as an EventBridge expression: rate(1 day)."""
        unit = self.unit[:-1] if self.every == 1 else self.unit
        return f"rate({self.every} {unit})"

    @property
    def period(self) -> timedelta:
        return timedelta(**{self.unit: self.every})

    def function(self) -> TaskFunction:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


_TASKS: dict[str, TaskSpec] = {}


def register(spec: TaskSpec) -> TaskSpec:
    existing = _TASKS.get(spec.name)
    if existing is not None and existing != spec:
        raise ValueError(f"task {spec.name} is already registered differently")
    _TASKS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    _TASKS.pop(name, None)


def all_tasks() -> list[TaskSpec]:
    _load_catalog()
    return sorted(_TASKS.values(), key=lambda spec: spec.name)


def get_task(name: str) -> TaskSpec:
    _load_catalog()
    try:
        return _TASKS[name]
    except KeyError:
        raise NotFound(f"no scheduled task {name}; known tasks: {', '.join(sorted(_TASKS)) or 'none'}") from None


def _load_catalog() -> None:
    from . import catalog  # noqa: F401 - registers the product's tasks on import
