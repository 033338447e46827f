"""The product's scheduled tasks. Each capability declares its task here; the function lives in the capability.

Task names of API.md: aggregate-metrics, optimize-experiments, performance-report,
poll-training-jobs, model-retraining (disabled by default), detect-drift.
"""

from __future__ import annotations

from .registry import TaskSpec, register

TASKS: list[TaskSpec] = []

TASKS.append(
    TaskSpec(
        "detect-drift",
        1,
        "days",
        "chalicelib.registry.monitoring:detect_drift",
        "Compare recent prediction inputs with each model version's baseline (KS, PSI, Wasserstein, chi-square, "
        "Jensen-Shannon), record drift reports and check drift and performance policies",
    )
)

TASKS.append(
    TaskSpec(
        "optimize-experiments",
        1,
        "days",
        "chalicelib.experiments.optimization:optimize_experiments",
        "Set the weights of every running auto_optimize experiment to its arms' Thompson probabilities of being best, "
        "floored at min_exploration (after burn-in), record each change, and stop on the always-valid p-value when auto_stop",
    )
)

TASKS.append(
    TaskSpec(
        "aggregate-metrics",
        1,
        "hours",
        "chalicelib.analytics.aggregate:aggregate_metrics",
        "Roll the days touched since the last run into weekly, monthly and all-time model roll-ups (per task), "
        "materialise the mappings' figures and the changed users' preferences; idempotent",
    )
)

TASKS.append(
    TaskSpec(
        "performance-report",
        7,
        "days",
        "chalicelib.analytics.report:performance_report",
        "Compare the last complete week with the one before per model, experiment variant and task category "
        "(improving, declining or stable by a two-proportion test of the success rate) and keep the report",
    )
)

for _spec in TASKS:
    register(_spec)
