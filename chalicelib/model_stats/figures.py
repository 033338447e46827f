"""From a model's counted sums to the figures people read: rates, averages, the composite scores (pure functions).

Every figure is a ratio of counters, so it is exact whatever the volume: a period's figure is
computed from the period's summed counts, never averaged from daily figures. docs/analytics.md
defines each one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Counts = dict[str, float]

# What is counted per (day, task category, model) and per (day, experiment, variant).
FIELDS = (
    "requests",
    "attempts",
    "errors",
    "processing_count",
    "processing_ms_sum",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "feedback",
    "rated",
    "rated_sessions",
    "successes",
    "rating_count",
    "rating_sum",
    "rating_sq_sum",
    "quality_count",
    "quality_sum",
    "likes",
    "dislikes",
    "regenerates",
    "skips",
    "corrections",
    "corrected_sessions",
)

# Composite scores (docs/analytics.md#composite-scores).
SATISFACTION_WEIGHTS = {"quality": 0.4, "success": 0.3, "like_ratio": 0.2, "no_regenerate": 0.1}
RECOMMENDATION_PSEUDO = 10.0  # rated feedback worth of prior at 0.5 before the satisfaction is believed
RECOMMENDATION_SPEED_WEIGHT = 0.2
# A user's own preference for a model is their mean quality on it shrunk toward 0.5 by this many pseudo-answers
# (routing adds it to a candidate's score; the preferences' `preference_score` shows it).
USER_PSEUDO = 4.0


def clean(values: Mapping[str, float]) -> Counts:
    """Only the counted fields, without zeros, floats rounded off their binary noise."""
    out: Counts = {}
    for name in FIELDS:
        value = values.get(name) or 0
        value = round(float(value), 9)
        if value:
            out[name] = int(value) if value == int(value) and name != "cost_usd" else value
    return out


def add(into: dict[str, float], values: Mapping[str, float]) -> None:
    for name, value in values.items():
        if value:
            into[name] = into.get(name, 0) + value


def difference(a: Mapping[str, float], b: Mapping[str, float]) -> Counts:
    """a - b, field by field (what a day gained since it was rolled; negative after an erasure)."""
    return clean({name: (a.get(name) or 0) - (b.get(name) or 0) for name in FIELDS})


def total(rows: Iterable[Mapping[str, float]]) -> Counts:
    summed: dict[str, float] = {}
    for row in rows:
        add(summed, row)
    return clean(summed)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, unrounded (None when nothing was counted)."""
    return numerator / denominator if denominator else None


def g(counts: Mapping[str, float], name: str) -> float:
    return float(counts.get(name) or 0)


def average_quality_rating(counts: Mapping[str, float]) -> float | None:
    """1-5, seed 002's "from user ratings": the mean of the star ratings given (feedback without stars is left out)."""
    return ratio(g(counts, "rating_sum"), g(counts, "rating_count"))


def blended_quality_rating(counts: Mapping[str, float]) -> float | None:
    """1-5 from every rated feedback: 1 + 4 x the mean quality score (stars, thumbs, likes, helpful and
    regenerates blended; a rating r scores (r-1)/4, so with stars only it equals the mean rating)."""
    mean = ratio(g(counts, "quality_sum"), g(counts, "quality_count"))
    return 1 + 4 * mean if mean is not None else None


def like_ratio(counts: Mapping[str, float]) -> float | None:
    return ratio(g(counts, "likes"), g(counts, "likes") + g(counts, "dislikes"))


def satisfaction_score(counts: Mapping[str, float]) -> float | None:
    """0-1: 0.4 quality + 0.3 success rate + 0.2 like ratio + 0.1 (1 - regenerate share), over the parts that exist."""
    parts: dict[str, float | None] = {
        "quality": ratio(g(counts, "quality_sum"), g(counts, "quality_count")),
        "success": ratio(g(counts, "successes"), g(counts, "rated")),
        "like_ratio": ratio(g(counts, "likes"), g(counts, "likes") + g(counts, "dislikes")),
        "no_regenerate": 1 - g(counts, "regenerates") / g(counts, "rated") if g(counts, "rated") else None,
    }
    weight = sum(SATISFACTION_WEIGHTS[name] for name, value in parts.items() if value is not None)
    if not weight:
        return None
    score = sum(SATISFACTION_WEIGHTS[name] * value for name, value in parts.items() if value is not None) / weight
    return round(score, 6)


def speed_score(average_ms: float | None) -> float | None:
    """1 / (1 + seconds): routing's speed component."""
    return None if average_ms is None else 1 / (1 + average_ms / 1000)


def recommendation_score(counts: Mapping[str, float]) -> float | None:
    """0-1: reliability x (0.8 x satisfaction shrunk toward 0.5 by 10 rated pseudo-feedback + 0.2 x speed)."""
    if not g(counts, "requests") and not g(counts, "attempts"):
        return None
    satisfaction = satisfaction_score(counts)
    n = g(counts, "rated")
    shrunk = (RECOMMENDATION_PSEUDO * 0.5 + n * (satisfaction if satisfaction is not None else 0.5)) / (RECOMMENDATION_PSEUDO + n)
    speed = speed_score(ratio(g(counts, "processing_ms_sum"), g(counts, "processing_count")))
    core = shrunk if speed is None else (1 - RECOMMENDATION_SPEED_WEIGHT) * shrunk + RECOMMENDATION_SPEED_WEIGHT * speed
    reliability = 1 - g(counts, "errors") / g(counts, "attempts") if g(counts, "attempts") else 1.0
    return round(reliability * core, 6)


def model_figures(counts: Mapping[str, float]) -> dict[str, Any]:
    """Seed 002's aggregate fields (and a few more) of one model on one task over one period."""
    return {
        "total_requests": int(g(counts, "requests")),
        "total_tokens": int(g(counts, "input_tokens") + g(counts, "output_tokens")),
        "input_tokens": int(g(counts, "input_tokens")),
        "output_tokens": int(g(counts, "output_tokens")),
        "total_cost_usd": round(g(counts, "cost_usd"), 8),
        "average_speed_ms": ratio(g(counts, "processing_ms_sum"), g(counts, "processing_count")),
        "success_rate": ratio(g(counts, "successes"), g(counts, "rated")),
        "error_rate": ratio(g(counts, "errors"), g(counts, "attempts")),
        "total_feedback": int(g(counts, "feedback")),
        "rated_feedback": int(g(counts, "rated")),
        "rated_sessions": int(g(counts, "rated_sessions")),
        "successes": int(g(counts, "successes")),
        "like_count": int(g(counts, "likes")),
        "dislike_count": int(g(counts, "dislikes")),
        "regenerate_count": int(g(counts, "regenerates")),
        "skip_count": int(g(counts, "skips")),
        "average_quality_rating": average_quality_rating(counts),
        "blended_quality_rating": blended_quality_rating(counts),
        "average_rating": ratio(g(counts, "rating_sum"), g(counts, "rating_count")),
        "ratings": int(g(counts, "rating_count")),
        "like_ratio": like_ratio(counts),
        "satisfaction_score": satisfaction_score(counts),
        "recommendation_score": recommendation_score(counts),
        "calls": int(g(counts, "attempts")),
        "errors": int(g(counts, "errors")),
        "feedback_rate": ratio(g(counts, "rated_sessions"), g(counts, "requests")),
        "corrections": int(g(counts, "corrections")),
        "corrected_sessions": int(g(counts, "corrected_sessions")),
        "corrections_per_session": ratio(g(counts, "corrections"), g(counts, "requests")),
    }


def corrections_trend(halves: tuple[Mapping[str, float], Mapping[str, float]], sessions: str = "requests") -> dict[str, Any]:
    """Seed 001's "corrections should fall": corrections per session earlier and later (two halves of a window, or a
    roll-up's previous period and itself), the change, and its direction (falling, rising, flat; null without sessions
    in both)."""
    first = ratio(g(halves[0], "corrections"), g(halves[0], sessions))
    second = ratio(g(halves[1], "corrections"), g(halves[1], sessions))
    change = second - first if first is not None and second is not None else None
    direction = None if change is None else "falling" if change < 0 else "rising" if change > 0 else "flat"
    return {"earlier": first, "later": second, "change": change, "direction": direction}


def preference_score(counts: Mapping[str, float]) -> float:
    """0-1: the user's mean quality on the model, shrunk toward 0.5 by 4 pseudo-answers (what routing adds)."""
    return round((USER_PSEUDO * 0.5 + g(counts, "quality_sum")) / (USER_PSEUDO + g(counts, "quality_count")), 6)
