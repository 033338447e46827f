"""What separates high-rated from low-rated sessions: by variant, model, category, feature values and words.

A rated session is *high* when its quality score is at least 0.75 (a 4-star rating or better, a
thumbs up, a like) and *low* below 0.5 (2 stars or worse, a thumbs down, a dislike, a regenerate);
3 stars (0.5) is neither. For each dimension the analysis gives, per value, the sessions, the high
and low counts, the high rate and the mean quality. Features (a session's `features`, scalars only)
are ranked by how much their values separate high from low: for a categorical feature, the spread
between the best and the worst value's high rate (values with at least 2 sessions); for a numeric
one, Cohen's d between its values in high and in low sessions. Terms are the content words of the
inputs that high-rated sessions mention more often than low-rated ones.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable

from ..providers.local import key_terms
from .assembly import Candidate
from .schemas import FeatureEffect, Group, Patterns, TermEffect

HIGH = 0.75
LOW = 0.5
MIN_FEATURE_SESSIONS = 4
MAX_EFFECT = 10.0


def is_high(c: Candidate) -> bool:
    return c.quality is not None and c.quality >= HIGH


def is_low(c: Candidate) -> bool:
    return c.quality is not None and c.quality < LOW


def analyse(candidates: Iterable[Candidate]) -> Patterns:
    rated = [c for c in candidates if c.quality is not None]
    high = [c for c in rated if is_high(c)]
    low = [c for c in rated if is_low(c)]
    patterns = Patterns(
        sessions=len(rated),
        high=len(high),
        low=len(low),
        high_rate=round(len(high) / len(rated), 6) if rated else None,
        mean_quality=round(sum(c.quality or 0.0 for c in rated) / len(rated), 6) if rated else None,
        thresholds={"high": HIGH, "low": LOW},
        by_variant=groups(rated, lambda c: c.variant_id, experiment=True),
        by_model=groups(rated, lambda c: c.model_id),
        by_category=groups(rated, lambda c: c.category_key),
        features=feature_effects(rated),
        top_terms=term_effects(high, low, lambda c: c.input_text),
    )
    patterns.insights = insights(patterns)
    return patterns


def _feature(name: str, c: Candidate) -> str:
    return str(c.features[name])


def groups(rated: list[Candidate], key: Callable[[Candidate], str | None], *, experiment: bool = False) -> list[Group]:
    by: dict[tuple[str | None, str], list[Candidate]] = defaultdict(list)
    for c in rated:
        value = key(c)
        if value is not None:
            by[(c.experiment_id if experiment else None, str(value))].append(c)
    result = [
        Group(
            value=value,
            experiment_id=experiment_id,
            sessions=len(members),
            high=sum(is_high(c) for c in members),
            low=sum(is_low(c) for c in members),
            high_rate=round(sum(is_high(c) for c in members) / len(members), 6),
            mean_quality=round(sum(c.quality or 0.0 for c in members) / len(members), 6),
        )
        for (experiment_id, value), members in by.items()
    ]
    return sorted(result, key=lambda g: (-g.high_rate, -g.sessions, g.value))


def feature_effects(rated: list[Candidate], limit: int = 10) -> list[FeatureEffect]:
    names = sorted({name for c in rated for name in c.features})
    effects: list[FeatureEffect] = []
    for name in names:
        values = [(c.features[name], c) for c in rated if name in c.features]
        if len(values) < MIN_FEATURE_SESSIONS:
            continue
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v, _ in values):
            in_high = [float(v) for v, c in values if is_high(c)]
            in_low = [float(v) for v, c in values if is_low(c)]
            if len(in_high) < 2 or len(in_low) < 2:
                continue
            effects.append(
                FeatureEffect(
                    feature=name,
                    kind="numeric",
                    effect=round(cohen_d(in_high, in_low), 6),
                    sessions=len(values),
                    mean_high=round(sum(in_high) / len(in_high), 6),
                    mean_low=round(sum(in_low) / len(in_low), 6),
                )
            )
            continue
        per_value = [g for g in groups([c for _, c in values], functools.partial(_feature, name)) if g.sessions >= 2]
        if len(per_value) < 2:
            continue
        best, worst = per_value[0], min(per_value, key=lambda g: (g.high_rate, -g.sessions, g.value))
        effects.append(
            FeatureEffect(
                feature=name,
                kind="categorical",
                effect=round(best.high_rate - worst.high_rate, 6),
                sessions=len(values),
                best_value=best.value,
                worst_value=worst.value,
                values=per_value,
            )
        )
    return sorted(effects, key=lambda e: (-abs(e.effect), e.feature))[:limit]


def cohen_d(a: list[float], b: list[float]) -> float:
    """Standardised difference of means (pooled standard deviation), capped at +-10 when the spread is nil."""
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    var_a = sum((x - mean_a) ** 2 for x in a) / (len(a) - 1)
    var_b = sum((x - mean_b) ** 2 for x in b) / (len(b) - 1)
    pooled = math.sqrt(((len(a) - 1) * var_a + (len(b) - 1) * var_b) / (len(a) + len(b) - 2))
    if pooled == 0:
        return 0.0 if mean_a == mean_b else math.copysign(MAX_EFFECT, mean_a - mean_b)
    return max(-MAX_EFFECT, min(MAX_EFFECT, (mean_a - mean_b) / pooled))


def term_effects(
    high: list[Candidate], low: list[Candidate], text: Callable[[Candidate], str | None], limit: int = 10
) -> list[TermEffect]:
    """Content words that high-rated sessions' texts share more than low-rated ones' (in at least 2 high ones)."""
    if not high:
        return []
    df_high = _document_frequency(high, text)
    df_low = _document_frequency(low, text)
    effects = []
    for term, count in df_high.items():
        if count < 2:
            continue
        high_share = count / len(high)
        low_share = df_low.get(term, 0) / len(low) if low else 0.0
        if high_share > low_share:
            effects.append(
                TermEffect(
                    term=term,
                    high_share=round(high_share, 6),
                    low_share=round(low_share, 6),
                    lift=round(high_share - low_share, 6),
                )
            )
    return sorted(effects, key=lambda e: (-e.lift, -e.high_share, e.term))[:limit]


def _document_frequency(members: list[Candidate], text: Callable[[Candidate], str | None]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for c in members:
        for term in set(key_terms(text(c) or "")):
            counts[term] += 1
    return counts


def insights(p: Patterns) -> list[str]:
    """The analysis in sentences, most telling first."""
    if not p.sessions:
        return ["no rated session in the window"]
    lines = [f"{p.high} of {p.sessions} rated sessions were rated high (quality >= {HIGH}), {p.low} low (< {LOW})."]
    for label, rows in (("variant", p.by_variant), ("model", p.by_model), ("category", p.by_category)):
        qualified = [g for g in rows if g.sessions >= 3]
        if len(qualified) >= 2:
            best, worst = qualified[0], qualified[-1]
            if best.high_rate > worst.high_rate:
                lines.append(
                    f"{label} {best.value} is rated high {best.high_rate:.0%} of the time ({best.high} of {best.sessions}), "
                    f"{label} {worst.value} {worst.high_rate:.0%} ({worst.high} of {worst.sessions})."
                )
    for effect in p.features[:3]:
        if effect.kind == "categorical" and effect.effect > 0:
            lines.append(f"feature {effect.feature}: {effect.best_value} is rated high most often, {effect.worst_value} least.")
        elif effect.kind == "numeric" and effect.effect != 0:
            lines.append(
                f"feature {effect.feature} averages {effect.mean_high:g} in high-rated sessions "
                f"and {effect.mean_low:g} in low-rated ones."
            )
    if p.top_terms:
        lines.append("high-rated inputs mention " + ", ".join(t.term for t in p.top_terms[:5]) + " more often.")
    return lines
