"""The product's scheduled tasks. Each capability declares its task here; the function lives in the capability.

Task names of API.md: aggregate-metrics, optimize-experiments, performance-report,
poll-training-jobs, model-retraining (disabled by default), detect-drift; and ours beside them:
run-scheduled-pipelines (the registry's data pipelines on their cron schedules), evaluate-targets,
detect-anomalies and deliver-webhooks (alerts and webhooks, docs/alerts.md), process-feedback and probe-deployments
(the registry's learning half, docs/registry.md).
"""

from __future__ import annotations

from .registry import TaskSpec, register

TASKS: list[TaskSpec] = []

TASKS.append(
    TaskSpec(
        "detect-drift",
        1,
        "days",
        "chalicelib.monitoring.detection:detect_drift",
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

TASKS.append(
    TaskSpec(
        "poll-training-jobs",
        5,
        "minutes",
        "chalicelib.training.tasks:poll_training_jobs",
        "Advance every pending or running fine-tuning job once: read its status and events at the provider (or train "
        "a local job), register the model of a job that succeeded and start the experiment it asked for",
    )
)

TASKS.append(
    TaskSpec(
        "model-retraining",
        30,
        "days",
        "chalicelib.training.tasks:model_retraining",
        "Retrain on the last 30 days (examples rated 4 stars or better): dataset, analysis of high- against low-rated "
        "sessions, a fine-tuning job when there are enough examples, new prompt variants in running experiments",
        enabled_by_default=False,
    )
)

TASKS.append(
    TaskSpec(
        "run-scheduled-pipelines",
        5,
        "minutes",
        "chalicelib.pipelines.schedules:run_scheduled_pipelines",
        "Run each data pipeline whose cron schedule (UTC) has come, once per occurrence; a paused pipeline's "
        "occurrences pass without a run",
    )
)

TASKS.append(
    TaskSpec(
        "evaluate-targets",
        1,
        "hours",
        "chalicelib.alerts.evaluation:evaluate_targets",
        "Evaluate every enabled target on its window (met, at risk, missed), keep the evaluation in its history, and emit "
        "target.missed or target.recovered when the state crosses",
    )
)

TASKS.append(
    TaskSpec(
        "detect-anomalies",
        1,
        "hours",
        "chalicelib.alerts.anomalies:detect_anomalies",
        "Hold the last complete day's sessions, cost, error rate and feedback rate (and the last hour's sessions) against "
        "their seasonal median and MAD; emit anomaly.detected once per metric and day (hour) far outside them",
    )
)

TASKS.append(
    TaskSpec(
        "deliver-webhooks",
        1,
        "minutes",
        "chalicelib.webhooks.delivery:deliver_webhooks",
        "Attempt every due webhook delivery (signed; retried with exponential backoff for a day), log each attempt's "
        "status code, and disable an endpoint whose attempts keep failing",
    )
)

TASKS.append(
    TaskSpec(
        "process-feedback",
        5,
        "minutes",
        "chalicelib.learning.feedback:process_pending",
        "Process every pending feedback on predictions once, as the behavior configuration says: corrections become "
        "ground truth where there is none, ratings and flags the version's quality series (manual: nothing)",
    )
)

TASKS.append(
    TaskSpec(
        "probe-deployments",
        1,
        "hours",
        "chalicelib.learning.health:probe_deployments",
        "Check each active deployment's error rate, latency and volume against its expectations, keep the result, and "
        "promote or reject the challengers that decide themselves (auto_promote) once their always-valid p-value allows",
    )
)

for _spec in TASKS:
    register(_spec)
