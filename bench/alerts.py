"""The anomaly detector (chalicelib/alerts/detector.py): false alarms on stationary series with weekday/weekend
seasonality, and detection delay of injected level shifts.

Simulated daily sessions: weekday means 180-210, weekends 70-80, each day's mean multiplied by a lognormal day effect
(sigma 0.08), counts Poisson. Each series runs 16 weeks; the detector judges every day from the days before it, as
the daily task does. False alarms: alarms per judged day on series without a shift. Delay: a level shift (x1.3,
x1.5, x0.6) starts on a random day of weeks 9-12 and stays; the delay is the days from its start to the first alarm
on or after it (0: the day itself), counted within 7 days. A naive rule (mean +- 3 sd of the last 28 days, no
seasonality) is measured on the same series for comparison. `python -m bench alerts`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chalicelib.alerts import detector

SERIES = 300
WEEKS = 16
MEANS = np.array([200, 210, 205, 190, 180, 80, 70], dtype=float)
SHIFTS = (1.3, 1.5, 0.6)


def simulate(rng: np.random.Generator, shift_at: int | None = None, factor: float = 1.0) -> list[float]:
    days = WEEKS * 7
    level = MEANS[np.arange(days) % 7] * rng.lognormal(0, 0.08, days)
    if shift_at is not None:
        level[shift_at:] *= factor
    return [float(x) for x in rng.poisson(level)]


def alarms(series: list[float]) -> list[bool]:
    noise = detector.count_noise(detector.baselines(series))
    return [v is not None and v.anomalous for v in detector.scan(series, detector.DAILY, noise)]


def judged(series: list[float]) -> int:
    return sum(v is not None for v in detector.scan(series, detector.DAILY))


def naive_alarms(series: list[float]) -> list[bool]:
    out = []
    for t in range(len(series)):
        window = series[max(0, t - 28) : t]
        out.append(len(window) >= 21 and abs(series[t] - np.mean(window)) > 3 * np.std(window))
    return out


def run() -> dict[str, Any]:
    rng = np.random.default_rng(19)
    false_alarms = judged_days = naive_false = naive_days = 0
    for _ in range(SERIES):
        series = simulate(rng)
        flags = alarms(series)
        days = judged(series)
        false_alarms += sum(flags)
        judged_days += days
        naive = naive_alarms(series)
        naive_false += sum(naive)
        naive_days += sum(1 for t in range(len(series)) if t >= 21)
    shifts: dict[str, Any] = {}
    for factor in SHIFTS:
        delays: list[int] = []
        naive_delays: list[int] = []
        for _ in range(SERIES):
            start = int(rng.integers(8 * 7, 12 * 7))
            series = simulate(rng, start, factor)
            for found, into in ((alarms(series), delays), (naive_alarms(series), naive_delays)):
                hit = next((d for d in range(0, 7) if found[start + d]), None)
                if hit is not None:
                    into.append(hit)
        shifts[f"x{factor}"] = {
            "detected_within_7_days": round(len(delays) / SERIES, 4),
            "median_delay_days": float(np.median(delays)) if delays else None,
            "mean_delay_days": round(float(np.mean(delays)), 3) if delays else None,
            "naive_detected_within_7_days": round(len(naive_delays) / SERIES, 4),
            "naive_median_delay_days": float(np.median(naive_delays)) if naive_delays else None,
        }
    return {
        "series": SERIES,
        "weeks": WEEKS,
        "threshold": detector.DAILY.threshold,
        "judged_days": judged_days,
        "false_alarms": false_alarms,
        "false_alarm_rate_per_day": round(false_alarms / judged_days, 5),
        "naive_false_alarm_rate_per_day": round(naive_false / naive_days, 5),
        "shifts": shifts,
    }


def report(figures: dict[str, Any]) -> str:
    f = figures
    lines = [
        f"alerts: seasonal median/MAD detector (|z| > {f['threshold']}), {f['series']} series x {f['weeks']} weeks",
        f"  false alarms per judged day: {f['false_alarm_rate_per_day']:.3%} ({f['false_alarms']} of {f['judged_days']}); "
        f"naive 3-sd rule: {f['naive_false_alarm_rate_per_day']:.3%}",
    ]
    for name, s in f["shifts"].items():
        lines.append(
            f"  shift {name}: detected within 7 days {s['detected_within_7_days']:.1%}, "
            f"median delay {s['median_delay_days']} days (mean {s['mean_delay_days']}); "
            f"naive {s['naive_detected_within_7_days']:.1%}"
        )
    return "\n".join(lines)
