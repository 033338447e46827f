"""The product's scheduled tasks. Each capability declares its task here; the function lives in the capability.

Task names of API.md: aggregate-metrics, optimize-experiments, performance-report,
poll-training-jobs, model-retraining (disabled by default), detect-drift.
"""

from __future__ import annotations

from .registry import TaskSpec, register

TASKS: list[TaskSpec] = []

for _spec in TASKS:
    register(_spec)
