"""Deployments that report: a scheduled health probe of each active deployment, and its performance figures.

The `probe-deployments` task (hourly) reads, for every active deployment, its version's counters (never its
predictions): the last 7 days' predictions (volume), their mean latency (`latency_ms` given with the
predictions) and the error rate of those with ground truth (1 - accuracy; a regression's MAE is reported, its
error rate is not), and holds them against the deployment's `config.health` expectations (defaults below). A
failed error-rate check makes the deployment `unhealthy`, a failed latency or volume check `degraded`; with no
figure at all it is `unknown`. The latest check and the 48 before it are kept on the deployment; the same probe
looks at the running challengers that promote themselves (chalicelib/learning/challengers.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..core import clock, keys, storage
from ..monitoring import metrics, performance
from ..registry import deployments, models
from ..registry.schemas import MlDeployment
from . import challengers
from .schemas import DeploymentFigures, DeploymentHealth, HealthCheck
from .store import HealthItem

DEFAULTS = {"max_error_rate": 0.25, "max_latency_ms": 1000.0, "min_daily_predictions": 1.0}
WINDOW_DAYS = 7
MAX_HISTORY = 48


def probe_deployments(tenant_id: str) -> dict[str, Any]:
    """The task: a health check of every active deployment; auto-promoting challengers looked at."""
    result: dict[str, Any] = {"deployments_checked": 0, "statuses": {}, "challengers_decided": []}
    for item in deployments.active_deployments(tenant_id):
        health = probe(tenant_id, item)
        result["deployments_checked"] += 1
        result["statuses"][item.id] = health.status
        challenge = challengers.running(tenant_id, item.id)
        if challenge is not None and challenge.auto_promote:
            decided = challengers.evaluate(tenant_id, challenge)
            if decided is not None:
                result["challengers_decided"].append({"deployment_id": item.id, "outcome": decided})
    return result


def probe(tenant_id: str, item: MlDeployment) -> DeploymentHealth:
    figures = deployment_figures(tenant_id, item)
    week = figures[-1]
    wanted: Any = (item.config or {}).get("health") or {}  # the deployment's `config.health` expectations, as given
    expected = {**DEFAULTS, **{k: float(v) for k, v in wanted.items() if k in DEFAULTS}}
    created = clock.parse_iso(item.created_at).date()
    covered = max(1, min(WINDOW_DAYS, (clock.now().date() - created).days + 1))
    daily = week.predictions / covered
    checks = [
        _check("error_rate", week.error_rate, f"<= {expected['max_error_rate']}", lambda v: v <= expected["max_error_rate"]),
        _check("latency_ms", week.mean_latency_ms, f"<= {expected['max_latency_ms']}", lambda v: v <= expected["max_latency_ms"]),
        _check(
            "daily_predictions",
            daily,
            f">= {expected['min_daily_predictions']}",
            lambda v: v >= expected["min_daily_predictions"],
        ),
    ]
    failed = {c.name for c in checks if c.status == "fail"}
    if "error_rate" in failed:
        status = "unhealthy"
    elif failed:
        status = "degraded"
    elif all(c.status == "unknown" for c in checks):
        status = "unknown"
    else:
        status = "healthy"
    now = clock.iso(clock.now())
    key = keys.ml_deployment_health(tenant_id, item.id)
    previous = storage.get(HealthItem, key)
    history = [*(previous.history or []), {"checked_at": previous.checked_at, "status": previous.status}] if previous else []
    stored = HealthItem(
        key.pk,
        key.sk,
        deployment_id=item.id,
        status=status,
        checks=[c.model_dump(mode="json") for c in checks],
        figures=[f.model_dump(mode="json") for f in figures],
        history=history[-MAX_HISTORY:],
        checked_at=now,
    )
    storage.commit([storage.Put(stored)])  # the latest probe wins: each is a complete check of its moment
    return _view(item, stored, figures)


def get_health(tenant_id: str, deployment_id: str) -> DeploymentHealth:
    """The latest health check with the deployment's figures as they are now."""
    item = deployments.get_deployment(tenant_id, deployment_id)  # 404 outside the request's company
    stored = storage.get(HealthItem, keys.ml_deployment_health(tenant_id, deployment_id))
    return _view(item, stored, deployment_figures(tenant_id, item))


def deployment_figures(tenant_id: str, item: MlDeployment) -> list[DeploymentFigures]:
    """Today's and the last 7 days' figures of the deployed version."""
    model = models.load(tenant_id, item.model_name, item.model_version, model_id=item.model_id)
    today = clock.now().date()
    first = today - timedelta(days=WINDOW_DAYS - 1)
    days = performance.read_days(tenant_id, model, first, today)
    made = performance.prediction_days(tenant_id, model.id, first, today)
    positive = metrics.positive_label(model.positive_label, days.labels())
    return [_figures("today", days, made, today, today, positive), _figures("7d", days, made, first, today, positive)]


def _figures(
    name: str, days: performance.Days, made: dict[str, dict[str, Any]], first: date, last: date, positive: str | None
) -> DeploymentFigures:
    found = performance.figures(days, first, last, positive)
    span = clock.days_between(first, last)
    total = {
        f: sum(float(made.get(d, {}).get(f, 0)) for d in span)
        for f in ("latency_count", "latency_sum", "confidence_count", "confidence_sum")
    }
    accuracy = found.values.get("accuracy")
    return DeploymentFigures(
        window=name,
        predictions=found.predictions,
        samples=found.samples,
        accuracy=accuracy,
        mae=found.values.get("mae"),
        rmse=found.values.get("rmse"),
        error_rate=1.0 - accuracy if accuracy is not None else None,
        mean_latency_ms=total["latency_sum"] / total["latency_count"] if total["latency_count"] else None,
        mean_confidence=total["confidence_sum"] / total["confidence_count"] if total["confidence_count"] else None,
    )


def _check(name: str, value: float | None, expected: str, holds: Any) -> HealthCheck:
    if value is None:
        return HealthCheck(name=name, status="unknown", value=None, expected=expected, detail="no data in the window")
    ok = bool(holds(value))
    return HealthCheck(name=name, status="pass" if ok else "fail", value=value, expected=expected, detail="" if ok else "outside")


def _view(item: MlDeployment, stored: HealthItem | None, figures: list[DeploymentFigures]) -> DeploymentHealth:
    return DeploymentHealth(
        deployment_id=item.id,
        model_name=item.model_name,
        model_version=item.model_version,
        environment=item.environment,
        status=stored.status if stored is not None else "unknown",  # type: ignore[arg-type]
        checked_at=stored.checked_at if stored is not None else None,
        checks=[HealthCheck(**c) for c in (stored.checks if stored is not None else [])],
        performance=figures,
        history=stored.history or [] if stored is not None else [],
    )
