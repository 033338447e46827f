"""The events other capabilities emit, each built here so that their hooks stay one line.

Each is emitted where the condition is already detected, in the transaction of the write that records it where there
is one: drift reports (monitoring/detection.py) and a pipeline run's failing data quality (pipelines/runs.py),
both through `events.commit_with_events`, a violation opened (governance/violations.py),
an experiment's results at the optimiser's daily run (experiments/optimization.py), the month's spend as a call is
settled (billing/service.py), a fine-tuning job's last status (training/jobs.py, in its own transaction). Every
event id is derived from what happened, so a detector run again never emits twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core import keys, storage
from . import service as events

BUDGET_LEVELS = ((0.8, "budget.threshold_80"), (1.0, "budget.threshold_100"))


def drift_detected(tenant_id: str, report: Any) -> list[storage.Op]:
    """The ops of `drift.detected` for a report that drifted (none otherwise), for the transaction that stores the
    report (events.commit_with_events): one event per (model version, drift type, feature, test) and day."""
    r = report
    if r.status != "detected":
        return []
    day = r.checked_at[:10]
    data = {
        "model_id": r.model_id,
        "model_name": r.model_name,
        "model_version": r.model_version,
        "feature_name": r.feature_name,
        "drift_type": r.drift_type,
        "metric": r.metric,
        "drift_score": r.drift_score,
        "threshold": r.threshold,
        "p_value": r.p_value,
        "report_id": r.id,
        "window_start": r.window_start,
        "window_end": r.window_end,
        "day": day,
    }
    dedupe = f"{r.model_id}#{r.drift_type}#{r.feature_name}#{r.metric}#{day}"
    return events.ops(tenant_id, "drift.detected", dedupe, f"model:{r.model_name}:{r.model_version}", data)


def data_quality_failed(tenant_id: str, pipeline_name: str, run_id: str, figures: Iterable[Any]) -> list[storage.Op]:
    """The ops of `data_quality.failed` for a pipeline run that measured a failing figure (none otherwise), listing
    them, for the transaction that stores the first failing figure (events.commit_with_events): one per run."""
    failures = [
        {
            "table_name": f.table_name,
            "column_name": f.column_name,
            "quality_metric": f.quality_metric,
            "metric_value": f.metric_value,
            "threshold": f.threshold,
            "records": f.records,
            "issues": list(f.issues)[:5],
        }
        for f in figures
        if f.status == "fail"
    ]
    if not failures:
        return []
    data = {"pipeline_name": pipeline_name, "run_id": run_id, "failures": failures}
    return events.ops(tenant_id, "data_quality.failed", run_id, f"pipeline:{pipeline_name}", data)


def violation_opened(tenant_id: str, violation: Any) -> list[storage.Op]:
    """The ops of `governance.violation_opened`, for the transaction that opens the violation."""
    data = {
        "violation_id": violation.id,
        "policy_id": violation.policy_id,
        "policy_name": violation.policy_name,
        "violation_type": violation.violation_type,
        "severity": violation.severity,
        "description": violation.description,
        "metric": violation.metric,
        "value": violation.value,
        "threshold": violation.threshold,
        "window": violation.window,
        "model_id": violation.model_id,
        "subject": violation.subject,
    }
    return events.ops(tenant_id, "governance.violation_opened", violation.id, f"violation:{violation.id}", data)


def experiment_results(tenant_id: str, experiment_id: str, results: Any) -> int:
    """`experiment.significant` once per compared variant whose always-valid p-value (valid however often it is looked
    at) falls to alpha; `experiment.srm_detected` once per experiment and weights period with a sample-ratio mismatch.
    `results` are the experiment's results as the experiments capability computes them (`experiments.results`)."""
    emitted = 0
    subject = f"experiment:{experiment_id}"
    for c in results.comparisons:
        if c.always_valid_p_value <= results.alpha:
            data: dict[str, Any] = {
                "experiment_id": experiment_id,
                "variant_id": c.variant_id,
                "control_id": c.control_id,
                "metric": c.metric,
                "lift": c.lift,
                "difference": c.difference,
                "p_value": c.p_value,
                "always_valid_p_value": c.always_valid_p_value,
                "confidence": c.confidence,
                "chance_to_beat_control": c.chance_to_beat_control,
            }
            dedupe = f"{experiment_id}#{c.variant_id}"
            emitted += int(events.emit(tenant_id, "experiment.significant", dedupe, subject, data) is not None)
    if not results.srm.ok:
        data = {
            "experiment_id": experiment_id,
            "p_value": results.srm.p_value,
            "observed": dict(results.srm.observed),
            "expected": dict(results.srm.expected),
            "periods": results.srm.periods,
        }
        dedupe = f"{experiment_id}#{results.srm.periods}"
        emitted += int(events.emit(tenant_id, "experiment.srm_detected", dedupe, subject, data) is not None)
    return emitted


def budget_spent(tenant_id: str, month: str, spent: float, budget: float, *, refused: bool = False) -> int:
    """`budget.threshold_80` and `budget.threshold_100` once per month, when the month's spend reaches each share; a call
    refused because the rest of the budget no longer covers it is the budget at 100% too (`refused`)."""
    reached = [(share, t) for share, t in BUDGET_LEVELS if budget > 0 and (spent >= share * budget or (refused and share == 1.0))]
    known = storage.get_many(keys.alert_event(tenant_id, events.event_id(t, month)) for _, t in reached)
    emitted = 0
    for share, event_type in reached:
        if keys.alert_event(tenant_id, events.event_id(event_type, month)) not in known:  # a read, not a failed write
            data = {"month": month, "spent_usd": round(spent, 10), "monthly_budget_usd": budget, "threshold": share}
            data["reason"] = "spent" if spent >= share * budget else "a call no longer fits the rest of the budget"
            emitted += int(events.emit(tenant_id, event_type, month, f"budget:{month}", data) is not None)
    return emitted


def training_job_finished(tenant_id: str, job: Any, status: str) -> list[storage.Op]:
    """The ops of `training_job.succeeded` / `training_job.failed`, for the transaction that records the status."""
    if status not in ("succeeded", "failed"):
        return []
    data = {
        "job_id": job.id,
        "status": status,
        "base_model": job.base_model,
        "dataset_id": job.dataset_id,
        "model_id": job.model_id,
        "fine_tuned_model": job.fine_tuned_model,
        "error": job.error,
        "provider": job.provider,
    }
    return events.ops(tenant_id, f"training_job.{status}", job.id, f"training_job:{job.id}", data)
