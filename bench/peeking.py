"""Peeking: A/A experiments looked at daily for 30 days; how often does each rule declare a difference that is not there?

Both arms share one true rate (metric success) or one rating distribution (metric rating), with
equal weights. Every day the results are computed with the functions the results route uses
(`stats.two_proportions` / `stats.welch` and `stats.msprt_p_value`, with the running minimum over
looks that the route keeps): a decision on `always_valid_p_value < 0.05` at any look is a false
positive, as is a naive decision on the fixed-horizon `p_value < 0.05` at any look. The naive
test looked at once, on day 30 only, is shown for reference.
"""

from __future__ import annotations

import math
import time
from typing import Any

DAYS = 30
EXPERIMENTS = 2000
ALPHA = 0.05
SCENARIOS = (
    ("success 0.30, 100 rated sessions per arm per day", "success", 100),
    ("success 0.30, 1,000 rated sessions per arm per day", "success", 1000),
    ("rating (1-5 stars), 100 ratings per arm per day", "rating", 100),
)
STARS = (0.10, 0.10, 0.20, 0.30, 0.30)


def _scenario(metric: str, daily: int, seed: int) -> dict[str, float]:
    import numpy as np

    from chalicelib.experiments import stats

    rng = np.random.default_rng(seed)
    always_valid = naive = final = 0
    for _ in range(EXPERIMENTS):
        running = 1.0
        peeked = False
        if metric == "success":
            cumulative = rng.binomial(daily, 0.30, size=(DAYS, 2)).cumsum(axis=0)
        else:
            stars = rng.choice([1, 2, 3, 4, 5], p=STARS, size=(DAYS, daily, 2)).astype(float)
            sums, squares = stars.sum(axis=1).cumsum(axis=0), (stars**2).sum(axis=1).cumsum(axis=0)
        test = None
        for day in range(DAYS):
            n = daily * (day + 1)
            if metric == "success":
                test = stats.two_proportions(int(cumulative[day, 0]), n, int(cumulative[day, 1]), n)
            else:
                control = stats.Moments(n, float(sums[day, 0]), float(squares[day, 0]))
                variant = stats.Moments(n, float(sums[day, 1]), float(squares[day, 1]))
                test = stats.welch(control, variant)
            running = min(running, stats.msprt_p_value(test.difference, test.variance, test.n_total))
            peeked |= test.p_value is not None and test.p_value < ALPHA
        always_valid += running < ALPHA
        naive += peeked
        final += test is not None and test.p_value is not None and test.p_value < ALPHA
    return {
        "always_valid_p_value": always_valid / EXPERIMENTS,
        "naive_z_or_t_peeking": naive / EXPERIMENTS,
        "fixed_horizon_day_30": final / EXPERIMENTS,
    }


def _wilson(rate: float, n: int) -> list[float]:
    z = 1.959963984540054
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(centre - half, 4), round(centre + half, 4)]


def run() -> dict[str, Any]:
    began = time.perf_counter()
    cases = {}
    for seed, (name, metric, daily) in enumerate(SCENARIOS):
        rates = _scenario(metric, daily, 7000 + seed)
        cases[name] = {rule: {"rate": rate, "ci95": _wilson(rate, EXPERIMENTS)} for rule, rate in rates.items()}
    return {
        "experiments": EXPERIMENTS,
        "days": DAYS,
        "alpha": ALPHA,
        "cases": cases,
        "seconds": round(time.perf_counter() - began, 1),
    }


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"## Peeking: {figures['experiments']} A/A experiments per row, looked at daily for {figures['days']} days, "
        f"alpha {figures['alpha']}",
        "",
        "| scenario | always_valid_p_value, any look | naive p_value, any look | naive p_value, day 30 only |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, case in figures["cases"].items():
        cells = [
            f"{case[rule]['rate']:.2%} ({case[rule]['ci95'][0]:.1%}-{case[rule]['ci95'][1]:.1%})"
            for rule in ("always_valid_p_value", "naive_z_or_t_peeking", "fixed_horizon_day_30")
        ]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += ["", f"false-positive rates with Wilson 95% intervals; {figures['seconds']} s"]
    return "\n".join(lines)
