"""What each capability contributes to the extension points of the others (the points: chalicelib/core/extensions.py).

This module sits above every capability: it is the one place that knows both the point and its contributors, so
no capability imports another to be told about it. Each point's contributions are listed in the order they run and
imported when the point is first used (a Lambda that serves a read never loads the counters of session writes).
Installed when `chalicelib` is imported.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from .core import extensions
from .core.extensions import TaskSpec


@cache
def session_counters() -> tuple[extensions.SessionCounter, ...]:
    """Counts on session events: every counter they move commits with the session, feedback or erasure."""
    # deferred: cold start (only session writes need the counters, and training's and routing's counters are heavy)
    from .analytics import counting as analytics
    from .assortment import service as assortment
    from .experiments import counting as experiments
    from .model_stats import counting as model_stats
    from .routing import learning as request_routing
    from .training import examples as training

    return (
        model_stats.session_counts,  # each model's all-time, day and hour rows, the user's preference
        experiments.session_counts,  # the variant's counters
        assortment.session_counts,  # the tenant's catalog items' usage
        analytics.session_counts,  # touched days, the variant's days, latency histograms
        training.session_counts,  # training examples from rated sessions
        request_routing.session_counts,  # request-level routing's statistics
    )


@cache
def tenant_seeders() -> tuple[extensions.TenantSeeder, ...]:
    """What a new tenant starts with, written in its creation transaction."""
    # deferred: cold start (only a tenant's creation needs the defaults)
    from .alerts import targets
    from .catalog import service as catalog
    from .prompts import service as prompts

    return (
        catalog.tenant_seed_ops,  # the default catalog: models, task categories, mappings
        prompts.tenant_seed_ops,  # the default prompt templates
        targets.tenant_seed_ops,  # seed 001's targets, switched off
    )


@cache
def user_erasers() -> tuple[extensions.UserEraser, ...]:
    """Erasing one end user: each capability erases its own items, in this order (privacy runs them)."""
    # deferred: cold start (only an erasure needs them)
    from .analytics import export
    from .audit import service as audit
    from .context import service as context
    from .customers import service as customers
    from .designs import erasure as designs
    from .experiments import assignment as experiments
    from .learning import feedback as learning
    from .model_stats import service as model_stats
    from .privacy import service as privacy
    from .sessions import erasure as sessions
    from .training import erasure as training

    return (
        designs.erase_user_data,  # their ratings of designs (each design's mean adjusted), then their designs
        sessions.erase_user_data,  # their sessions with their images, then the feedback they gave
        context.erase_user_data,  # their context windows
        model_stats.erase_user_data,  # their model preferences
        privacy.erase_replays,  # the stored answers of their Idempotency-Keys
        customers.erase_user_data,  # their customer records
        experiments.erase_user_data,  # their experiment assignments
        learning.erase_user_data,  # their feedback on predictions
        training.erase_user_data,  # their training examples; datasets rebuilt, local models rebuilt or retired
        export.erase_user_data,  # the stored exports holding their data
        audit.erase_user_data,  # last: audit entries naming their records pseudonymised
    )


@cache
def local_model_families() -> tuple[extensions.LocalModelFamily, ...]:
    """Offline model families beyond local:echo, swift and sage, loaded on the first name those do not answer."""
    # deferred: cold start (the fine-tuned family loads on the first `local:ft-...` asked for)
    from .training import local_model

    return (local_model.register,)  # local:ft-..., the training capability's fine-tuned models


@cache
def event_listeners() -> tuple[extensions.EventListener, ...]:
    """What every event raised commits with it."""
    from .webhooks import queue  # deferred: cold start (only a raised event needs the endpoints)

    return (queue.delivery_ops,)  # a pending delivery to each webhook endpoint subscribed to the event's type


@cache
def deployment_challenges() -> tuple[extensions.ChallengeLookup, ...]:
    """Who runs champion-challenger tests on deployments (monitoring tags each served prediction with its arm)."""
    from .learning import challengers  # deferred: cold start (only a prediction served by a deployment asks)

    return (challengers.running_challenge,)


@cache
def violation_followers() -> tuple[extensions.ViolationFollower, ...]:
    """What follows a governance violation opened."""
    from .learning import actions  # deferred: cold start (only an opened violation needs the policy's actions)

    return (actions.violation_opened,)  # the policy's rules.actions: retrain, roll back, notify


# --- scheduled tasks: the functions run per tenant (each imports its capability when the task runs) ---------------


def detect_drift(tenant_id: str) -> dict[str, Any]:
    from .monitoring.detection import detect_drift as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


def optimize_experiments(tenant_id: str) -> dict[str, Any]:
    from .experiments.optimization import optimize_experiments as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


def aggregate_metrics(tenant_id: str) -> dict[str, Any]:
    from .analytics.aggregate import aggregate_metrics as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


def performance_report(tenant_id: str) -> dict[str, Any]:
    from .analytics.report import performance_report as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


def poll_training_jobs(tenant_id: str) -> dict[str, Any]:
    from .training.tasks import poll_training_jobs as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


def model_retraining(tenant_id: str) -> dict[str, Any]:
    from .training.tasks import model_retraining as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


def run_scheduled_pipelines(tenant_id: str) -> dict[str, Any]:
    from .pipelines.schedules import run_scheduled_pipelines as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


def evaluate_targets(tenant_id: str) -> dict[str, Any]:
    from .alerts.evaluation import evaluate_targets as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


def detect_anomalies(tenant_id: str) -> dict[str, Any]:
    from .alerts.anomalies import detect_anomalies as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


def deliver_webhooks(tenant_id: str) -> dict[str, Any]:
    from .webhooks.delivery import deliver_webhooks as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


def process_feedback(tenant_id: str) -> dict[str, Any]:
    from .learning.feedback import process_pending as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


def probe_deployments(tenant_id: str) -> dict[str, Any]:
    from .learning.health import probe_deployments as run  # deferred: cold start (loads when the task runs)

    return run(tenant_id)


@cache
def tasks() -> tuple[TaskSpec, ...]:
    """The product's scheduled tasks (API.md's names, and ours beside them: run-scheduled-pipelines, evaluate-targets,
    detect-anomalies, deliver-webhooks, process-feedback, probe-deployments). Declaring them imports no capability."""
    return (
        TaskSpec(
            "detect-drift",
            1,
            "days",
            detect_drift,
            "Compare recent prediction inputs with each model version's baseline (KS, PSI, Wasserstein, "
            "chi-square, Jensen-Shannon), record drift reports and check drift and performance policies",
        ),
        TaskSpec(
            "optimize-experiments",
            1,
            "days",
            optimize_experiments,
            "Set the weights of every running auto_optimize experiment to its arms' Thompson probabilities of "
            "being best, floored at min_exploration (after burn-in), record each change, and stop on the "
            "always-valid p-value when auto_stop",
        ),
        TaskSpec(
            "aggregate-metrics",
            1,
            "hours",
            aggregate_metrics,
            "Roll the days touched since the last run into weekly, monthly and all-time model roll-ups (per "
            "task), materialise the mappings' figures and the changed users' preferences; idempotent",
        ),
        TaskSpec(
            "performance-report",
            7,
            "days",
            performance_report,
            "Compare the last complete week with the one before per model, experiment variant and task category "
            "(improving, declining or stable by a two-proportion test of the success rate) and keep the report",
        ),
        TaskSpec(
            "poll-training-jobs",
            5,
            "minutes",
            poll_training_jobs,
            "Advance every pending or running fine-tuning job once: read its status and events at the provider "
            "(or train a local job), register the model of a job that succeeded and start the experiment it asked "
            "for",
        ),
        TaskSpec(
            "model-retraining",
            30,
            "days",
            model_retraining,
            "Retrain on the last 30 days (examples rated 4 stars or better): dataset, analysis of high- against "
            "low-rated sessions, a fine-tuning job when there are enough examples, new prompt variants in running "
            "experiments",
            enabled_by_default=False,
        ),
        TaskSpec(
            "run-scheduled-pipelines",
            5,
            "minutes",
            run_scheduled_pipelines,
            "Run each data pipeline whose cron schedule (UTC) has come, once per occurrence; a paused pipeline's "
            "occurrences pass without a run",
        ),
        TaskSpec(
            "evaluate-targets",
            1,
            "hours",
            evaluate_targets,
            "Evaluate every enabled target on its window (met, at risk, missed), keep the evaluation in its "
            "history, and emit target.missed or target.recovered when the state crosses",
        ),
        TaskSpec(
            "detect-anomalies",
            1,
            "hours",
            detect_anomalies,
            "Hold the last complete day's sessions, cost, error rate and feedback rate (and the last hour's "
            "sessions) against their seasonal median and MAD; emit anomaly.detected once per metric and day "
            "(hour) far outside them",
        ),
        TaskSpec(
            "deliver-webhooks",
            1,
            "minutes",
            deliver_webhooks,
            "Attempt every due webhook delivery (signed; retried with exponential backoff for a day), log each "
            "attempt's status code, and disable an endpoint whose attempts keep failing",
        ),
        TaskSpec(
            "process-feedback",
            5,
            "minutes",
            process_feedback,
            "Process every pending feedback on predictions once, as the behavior configuration says: corrections "
            "become ground truth where there is none, ratings and flags the version's quality series (manual: "
            "nothing)",
        ),
        TaskSpec(
            "probe-deployments",
            1,
            "hours",
            probe_deployments,
            "Check each active deployment's error rate, latency and volume against its expectations, keep the "
            "result, and promote or reject the challengers that decide themselves (auto_promote) once their "
            "always-valid p-value allows",
        ),
    )


CONTRIBUTIONS = extensions.Contributions(
    session_counters=session_counters,
    tenant_seeders=tenant_seeders,
    user_erasers=user_erasers,
    local_model_families=local_model_families,
    tasks=tasks,
    event_listeners=event_listeners,
    deployment_challenges=deployment_challenges,
    violation_followers=violation_followers,
)
extensions.install(CONTRIBUTIONS)
