"""Evaluating targets: the figure over the target's window, read through the analytics package's own functions, its
state, the evaluation kept in the history, and `target.missed` / `target.recovered` when the state crosses.

Figures (docs/analytics.md defines each; nothing is recomputed another way):

- tenant-wide: the analytics summary of the last `window_days` days (today included): `feedback_rate`,
  `success_rate` (also `high_rating_share`: API.md's success is a high rating, 4+ stars, or thumbs up, like,
  helpful), `average_rating`, `processing_time_ms.p95`, `total_cost_usd / window_days`,
  `corrections_per_session`; `error_rate` is the model roll-ups' errors over calls, summed over every model;
- per task category and/or model: the same figures of the model roll-ups (`figures.model_figures`) of the
  window's days, summed over the matching (category, model) rows;
- `experiment_confidence`: the best comparison's confidence (1 - p) in the experiment's results; without an
  experiment, the lowest such figure among the running experiments (every running test must reach it).

State: `met` while the figure is beyond the threshold by more than `at_risk_margin x |threshold|`, `at_risk`
when beyond it by less, `missed` when it is not beyond it ("above 0.7" is missed at exactly 0.7), `no_data`
when there is no figure. Entering `missed` emits `target.missed`; leaving it for met or at risk emits
`target.recovered`; each in the transaction that records the new state, named by the target's count of
moves, so a run again (or a racing one) never emits twice.
"""

from __future__ import annotations

from typing import Any

from ..analytics import rollups, summary
from ..analytics.windows import Window
from ..core import clock, keys, storage
from ..core.logging import get_logger
from ..events import service as events
from ..experiments.results import get_results
from ..experiments.service import experiments_of
from ..model_stats import figures
from . import targets
from .schemas import TargetEvaluation
from .store import TargetEvaluationItem, TargetItem

SUMMARY_FIELDS = {
    "feedback_rate": "feedback_rate",
    "success_rate": "success_rate",
    "high_rating_share": "success_rate",
    "average_rating": "average_rating",
    "corrections_per_session": "corrections_per_session",
}
MODEL_FIELDS = {
    "feedback_rate": "feedback_rate",
    "success_rate": "success_rate",
    "high_rating_share": "success_rate",
    "average_rating": "average_rating",
    "error_rate": "error_rate",
    "corrections_per_session": "corrections_per_session",
}


def evaluate_targets(tenant_id: str) -> dict[str, Any]:
    """The scheduled task (hourly): every enabled target of the tenant."""
    counts = {"targets": 0, "met": 0, "at_risk": 0, "missed": 0, "no_data": 0, "events": 0, "failed": 0}
    for item in targets.all_targets(tenant_id):
        if not item.enabled:
            continue
        counts["targets"] += 1
        try:
            result, emitted = evaluate(tenant_id, item.id)
        except Exception:  # noqa: BLE001 - one target's trouble must not stop the others; logged and counted
            get_logger().exception("evaluating a target failed", extra={"target_id": item.id})
            counts["failed"] += 1
            continue
        counts[result.state] += 1
        counts["events"] += emitted
    return counts


def evaluate(tenant_id: str, target_id: str) -> tuple[TargetEvaluation, int]:
    """Evaluate one target now (enabled or not); the evaluation and the number of events it emitted."""
    return storage.retrying(lambda: _evaluate(tenant_id, target_id), what="evaluating the target")


def _evaluate(tenant_id: str, target_id: str) -> tuple[TargetEvaluation, int]:
    item = targets.load(tenant_id, target_id)
    window = Window.of(None, None, int(item.window_days), int(item.window_days))
    value, details = figure(tenant_id, item, window)
    state = state_of(value, float(item.threshold), item.direction, float(item.at_risk_margin))
    now = clock.now()
    stamp = clock.iso(now)
    was_missed = int(item.moves or 0) % 2 == 1
    extra: list[storage.Op] = []
    move = None
    if state == "missed" and not was_missed:
        move = "target.missed"
    elif state in ("met", "at_risk") and was_missed:
        move = "target.recovered"
    first, last = window.echo()
    if move is not None:
        item.moves = int(item.moves or 0) + 1
        payload = {
            "target_id": item.id,
            "name": item.name,
            "metric": item.metric,
            "direction": item.direction,
            "threshold": float(item.threshold),
            "value": value,
            "state": state,
            "previous_state": item.state,
            "window_days": int(item.window_days),
            "window_from": first,
            "window_to": last,
            "category_key": item.category_key,
            "model_id": item.model_id,
            "experiment_id": item.experiment_id,
        }
        extra += events.ops(tenant_id, move, f"{item.id}#{item.moves}", f"target:{item.id}", payload)
    if state != item.state:
        item.state_since = stamp
    item.state, item.value, item.evaluated_at = state, value, stamp
    hour = stamp[:13]
    key = keys.target_history(tenant_id, item.id, hour)
    record = TargetEvaluationItem(
        key.pk,
        key.sk,
        id=f"{item.id}/{hour}",
        target_id=item.id,
        hour=hour,
        evaluated_at=stamp,
        state=state,
        value=value,
        threshold=float(item.threshold),
        direction=item.direction,
        window_from=first,
        window_to=last,
        details=details,
    )
    targets.save(item, [storage.Put(record), *extra])
    return targets.evaluation_view(record), int(move is not None)


def state_of(value: float | None, threshold: float, direction: str, margin: float) -> str:
    if value is None:
        return "no_data"
    gap = value - threshold if direction == "above" else threshold - value
    if gap <= 0:
        return "missed"
    return "at_risk" if gap <= margin * abs(threshold) else "met"


def figure(tenant_id: str, item: TargetItem, window: Window) -> tuple[float | None, dict[str, Any]]:
    """The target's figure over the window, and what it was computed from."""
    metric = item.metric
    if metric == "experiment_confidence":
        return _experiment_confidence(tenant_id, item.experiment_id)
    days = int(item.window_days)
    if item.category_key is None and item.model_id is None and metric != "error_rate":
        s = summary.summary(tenant_id, window)
        details = {"sessions": s["total_sessions"], "rated_sessions": s["rated_sessions"]}
        if metric == "p95_processing_ms":
            return s["processing_time_ms"]["p95"], {**details, "timed_sessions": s["processing_time_ms"]["count"]}
        if metric == "cost_per_day":
            return round(s["total_cost_usd"] / days, 10), {**details, "total_cost_usd": s["total_cost_usd"]}
        return s[SUMMARY_FIELDS[metric]], details
    rows = rollups.rows_for(tenant_id, "daily", window, item.category_key)
    counts = figures.total(row.counts for row in rows if item.model_id is None or row.model_id == item.model_id)
    f = figures.model_figures(counts)
    details = {"sessions": f["total_requests"], "rated_feedback": f["rated_feedback"], "calls": f["calls"]}
    if metric == "cost_per_day":
        return round(f["total_cost_usd"] / days, 10), {**details, "total_cost_usd": f["total_cost_usd"]}
    return f[MODEL_FIELDS[metric]], details


def _experiment_confidence(tenant_id: str, experiment_id: str | None) -> tuple[float | None, dict[str, Any]]:
    ids = [experiment_id] if experiment_id else [e.id for e in experiments_of(tenant_id, status="running")]
    best: dict[str, float | None] = {}
    for eid in ids:
        results = get_results(tenant_id, eid)
        found = [c.confidence for c in results.comparisons if c.confidence is not None]
        best[eid] = max(found) if found else None
    known = [v for v in best.values() if v is not None]
    if not known:
        return None, {"experiments": best}
    return min(known), {"experiments": best}
