"""Unusual usage (seed 000): the `detect-anomalies` task holds the last complete day's sessions, cost, error rate and
feedback rate (and the last complete hour's sessions) against their recent behaviour with the seasonal detector
(detector.py), and emits `anomaly.detected` once per metric and day (hour) that is far outside it.

The series come from the tenant's day and hour counters (the same the analytics summary reads). A rate is only
judged on a day with at least MIN_TRIALS sessions (generations for the error rate): a day of 3 sessions says little.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..core import clock, deadline
from ..events import service as events
from ..sessions import service as sessions
from . import detector

DAYS = 8 * 7 + 1  # eight weeks of history and the day judged
HOURS = 4 * 168 + 1
MIN_TRIALS = 20


def detect_anomalies(tenant_id: str) -> dict[str, Any]:
    """The scheduled task (hourly): judge the last complete day and hour; emit each anomaly once."""
    now = clock.now()
    judged_day = (now - timedelta(days=1)).date()
    days = [(judged_day - timedelta(days=DAYS - 1 - i)).isoformat() for i in range(DAYS)]
    by_day = sessions.daily_counts(tenant_id, days[0], days[-1])
    found: list[dict[str, Any]] = []
    for metric, series, noise in daily_series(days, by_day):
        verdict = detector.check(series, detector.DAILY, noise)
        if verdict is not None and verdict.anomalous:
            found.append(_anomaly(metric, "day", days[-1], verdict))
    deadline.check("detecting anomalies")
    last_hour = (now - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    hours = [(last_hour - timedelta(hours=HOURS - 1 - i)).strftime("%Y-%m-%dT%H") for i in range(HOURS)]
    by_hour = sessions.hourly_counts(tenant_id, hours[0], hours[-1])
    counts = [float(by_hour.get(h, {}).get("sessions") or 0) for h in hours]
    first_seen = next((i for i, v in enumerate(counts) if v), len(counts))
    series = [None if i < first_seen else v for i, v in enumerate(counts)]  # before the first session: no history yet
    verdict = detector.check(series, detector.HOURLY, detector.count_noise(detector.baselines(series, detector.HOURLY)))
    if verdict is not None and verdict.anomalous:
        found.append(_anomaly("sessions", "hour", hours[-1], verdict))
    emitted = 0
    for anomaly in found:
        dedupe = f"{anomaly['metric']}#{anomaly['granularity']}#{anomaly['period']}"
        subject = f"{anomaly['metric']}:{anomaly['period']}"
        emitted += int(events.emit(tenant_id, "anomaly.detected", dedupe, subject, anomaly) is not None)
    return {"judged_day": days[-1], "judged_hour": hours[-1], "anomalies": len(found), "events": emitted}


def daily_series(days: list[str], by_day: dict[str, dict[str, float]]) -> list[tuple[str, list[float | None], list[float]]]:
    """(metric, values, per-day noise floor) for sessions, cost, error rate and feedback rate, from the day counters."""
    rows = [by_day.get(day, {}) for day in days]
    first = next((i for i, r in enumerate(rows) if r.get("sessions") or r.get("generations")), len(rows))
    live = [i >= first for i in range(len(rows))]  # before the tenant's first session there is no behaviour to learn

    def g(row: dict[str, float], name: str) -> float:
        return float(row.get(name) or 0)

    sessions_ = [g(r, "sessions") if ok else None for r, ok in zip(rows, live, strict=True)]
    cost = [g(r, "cost_usd") if ok else None for r, ok in zip(rows, live, strict=True)]
    feedback = [
        g(r, "rated_sessions") / g(r, "sessions") if ok and g(r, "sessions") >= MIN_TRIALS else None
        for r, ok in zip(rows, live, strict=True)
    ]
    errors = [
        g(r, "failed_generations") / g(r, "generations") if ok and g(r, "generations") >= MIN_TRIALS else None
        for r, ok in zip(rows, live, strict=True)
    ]
    out: list[tuple[str, list[float | None], list[float]]] = []
    base = detector.baselines(sessions_, detector.DAILY)
    out.append(("sessions", sessions_, detector.count_noise(base)))
    out.append(("cost_usd", cost, [0.0] * len(cost)))
    out.append(("feedback_rate", feedback, detector.rate_noise(detector.baselines(feedback), [g(r, "sessions") for r in rows])))
    out.append(("error_rate", errors, detector.rate_noise(detector.baselines(errors), [g(r, "generations") for r in rows])))
    return out


def _anomaly(metric: str, granularity: str, period: str, verdict: detector.Verdict) -> dict[str, Any]:
    return {
        "metric": metric,
        "granularity": granularity,
        "period": period,
        "value": round(verdict.value, 10),
        "expected": round(verdict.baseline, 10),
        "scale": round(verdict.scale, 10),
        "score": round(verdict.score, 4),
        "direction": verdict.direction,
        "threshold": detector.DAILY.threshold if granularity == "day" else detector.HOURLY.threshold,
        "detector": "seasonal median/MAD",
    }
