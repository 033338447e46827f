"""The anomaly detector: a seasonal median baseline and a robust (MAD) scale of the recent residuals.

For the point `x[t]` of a series with seasonality `period` (7 for days: weekday/weekend swings; 168 for hours):

- **baseline** `b[t]` = the median of the same season's last `seasons` values, `x[t - k * period]` for k = 1..4
  (at least `min_seasons` of them present); a Monday is compared with Mondays, so weekends are not "drops";
- **scale** `s[t]` = `|b[t]|` x 1.4826 x the median absolute deviation of the relative residuals
  `(x[u] - b[u]) / |b[u]|` over the previous `residual_window` points (the standard deviation, were they normal,
  but blind to past outliers; relative, so a quiet weekend is judged by its own size, not a weekday's swings),
  floored by `relative_floor x |b[t]|` and by the caller's per-point noise floor (`sqrt(b)` for counts, the
  binomial `sqrt(p (1 - p) / n)` for rates), so a perfectly regular history does not make every wobble an anomaly;
- **score** `z[t] = (x[t] - b[t]) / s[t]`; the point is anomalous when `|z| > threshold` (4 by default).

Medians make one past anomaly barely move the baseline or the scale, so an anomaly neither hides the next one nor
keeps firing after. `bench/alerts.py` measures the false-alarm rate on stationary simulated series with
weekday/weekend seasonality and the detection delay of injected level shifts (docs/alerts.md quotes both).
numpy is imported inside the functions: request paths that never detect do not pay for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

MAD_TO_SIGMA = 1 / NormalDist().inv_cdf(0.75)  # 1.4826: a normal sample's MAD times this is its sigma


@dataclass(frozen=True)
class Rule:
    period: int = 7
    seasons: int = 4
    min_seasons: int = 2
    residual_window: int = 28
    min_residuals: int = 7
    threshold: float = 4.0
    relative_floor: float = 0.05


DAILY = Rule()
HOURLY = Rule(period=168, seasons=4, min_seasons=2, residual_window=168, min_residuals=48)


@dataclass(frozen=True)
class Verdict:
    value: float
    baseline: float
    scale: float
    score: float
    anomalous: bool

    @property
    def direction(self) -> str:
        return "above" if self.score > 0 else "below"


def baselines(series: Sequence[float | None], rule: Rule = DAILY) -> list[float | None]:
    """b[t] for every t (None where fewer than `min_seasons` same-season values precede it)."""
    import numpy as np

    values = np.array([np.nan if v is None else float(v) for v in series], dtype=float)
    out: list[float | None] = []
    for t in range(len(values)):
        lags = [t - k * rule.period for k in range(1, rule.seasons + 1) if t - k * rule.period >= 0]
        seen = values[lags] if lags else np.array([])
        seen = seen[~np.isnan(seen)]
        out.append(float(np.median(seen)) if len(seen) >= rule.min_seasons else None)
    return out


def check(
    series: Sequence[float | None],
    rule: Rule = DAILY,
    noise: Sequence[float] | None = None,
    *,
    at: int | None = None,
    base: Sequence[float | None] | None = None,
) -> Verdict | None:
    """The verdict on `series[at]` (the last point by default) from what precedes it; None without enough history
    or without a value there."""
    import numpy as np

    t = len(series) - 1 if at is None else at
    if t < 0 or series[t] is None:
        return None
    b = list(base) if base is not None else baselines(series[: t + 1], rule)
    if b[t] is None:
        return None
    residuals = [
        (float(series[u]) - float(b[u])) / max(abs(float(b[u])), 1e-9)  # type: ignore[arg-type]
        for u in range(max(0, t - rule.residual_window), t)
        if series[u] is not None and b[u] is not None and b[u] != 0
    ]
    if len(residuals) < rule.min_residuals:
        return None
    r = np.array(residuals)
    baseline = float(b[t])  # type: ignore[arg-type]
    spread = abs(baseline) * MAD_TO_SIGMA * float(np.median(np.abs(r - np.median(r))))
    floor = max(rule.relative_floor * abs(baseline), float(noise[t]) if noise is not None else 0.0, 1e-9)
    scale = max(spread, floor)
    value = float(series[t])  # type: ignore[arg-type]
    score = (value - baseline) / scale
    return Verdict(value, baseline, scale, score, abs(score) > rule.threshold)


def scan(series: Sequence[float | None], rule: Rule = DAILY, noise: Sequence[float] | None = None) -> list[Verdict | None]:
    """The verdict on every point, each from what precedes it (what the daily check would have said each day)."""
    b = baselines(series, rule)
    return [check(series, rule, noise, at=t, base=b) for t in range(len(series))]


def count_noise(base: Sequence[float | None]) -> list[float]:
    """Poisson noise of counts: sqrt of the expected count (1 at least)."""
    return [max(1.0, float(b) ** 0.5) if b is not None else 1.0 for b in base]


def rate_noise(base: Sequence[float | None], trials: Sequence[float]) -> list[float]:
    """Binomial noise of a rate observed over `trials`: sqrt(p (1 - p) / n)."""
    out = []
    for b, n in zip(base, trials, strict=True):
        p = min(max(float(b) if b is not None else 0.5, 0.01), 0.99)
        out.append((p * (1 - p) / max(float(n), 1.0)) ** 0.5)
    return out
