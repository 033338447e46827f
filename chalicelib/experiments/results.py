"""An experiment's results: per-variant figures from the counters, each variant against the control, the SRM check.

The SRM check tests the sessions recorded with each variant, per period of fixed weights, against
the weights' shares: what the logging lost shows there, whereas the server's own hash assignments
follow their weights by construction (their counts are reported beside it).

A contextual experiment assigns by context, not by its weights: its SRM check tests the recorded
sessions of every period together against the shares of the server's own assignments (what the
logging lost still shows), and its results add a breakdown per context segment with the
variant the learned policy prefers there.

Every look at the results is a look of the sequential test: the always-valid p-value of each
comparison is the running minimum over looks, kept on one item per comparison and lowered only
by a conditional update (so concurrent looks can never raise it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import UpdateError

from ..core import clock, keys
from ..core.errors import NotFound
from . import contextual, stats
from .rules import traffic_shares
from .schemas import Comparison, Results, Segment, SegmentVariant, Srm, VariantResult
from .store import ExperimentItem, PeriodItem, SequentialItem, load_partition, read_context, read_counts


@dataclass(frozen=True)
class Snapshot:
    """What results and the optimiser read of one experiment at one moment."""

    experiment: ExperimentItem
    totals: dict[str, dict[str, Any]]
    periods: list[tuple[dict[str, int], dict[str, float]]]  # per period of fixed weights: assignments, shares
    session_periods: list[tuple[dict[str, int], dict[str, float]]]  # per period: recorded sessions, shares
    running: dict[str, float]  # variant id -> stored running minimum of its always-valid p-value
    segments: dict[str, dict[str, dict[str, Any]]]  # contextual: segment -> variant id -> counts
    statistics: dict[str, dict[int, float]]  # contextual: variant id -> the sampler's statistics


def snapshot(tenant_id: str, experiment_id: str) -> Snapshot:
    experiment, period_items, sequential = load_partition(tenant_id, experiment_id)
    if experiment is None:
        raise NotFound(f"no experiment {experiment_id}")
    totals, period_counts, segments = read_counts(tenant_id, experiment_id)
    assignments = _periods(period_items, period_counts, "assignments")
    sessions = _periods(period_items, period_counts, "sessions")
    if experiment.contextual:
        names = [v["id"] for v in experiment.variants]
        sessions = [(_summed(sessions, names), _proportions(_summed(assignments, names)))]
    return Snapshot(
        experiment,
        totals,
        assignments,
        sessions,
        {s.variant_id: float(s.min_p_value) for s in sequential if s.control_id == experiment.control_id},
        segments,
        read_context(tenant_id, experiment_id) if experiment.contextual else {},
    )


def _proportions(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {v: n / total for v, n in counts.items()} if total else {}


def learned_policy(experiment: ExperimentItem, statistics: dict[str, dict[int, float]]) -> dict[str, Any] | None:
    """Per declared segment, the variant the contextual posterior prefers (highest mean reward there) and every
    active variant's Thompson probability and expected reward; None during burn-in."""
    active = [v["id"] for v in experiment.variants if v["active"]]
    if len(active) < 2 or any(statistics.get(v, {}).get(0, 0.0) < int(experiment.min_rated_per_arm) for v in active):
        return None
    encoder = contextual.Encoder.of(experiment.context_fields or [])
    posteriors = [contextual.posterior(statistics[v], encoder.dimension, experiment.metric) for v in active]
    prior_mean = contextual.prior_mean(experiment.metric)
    policy: dict[str, Any] = {}
    for segment, context in encoder.segment_contexts().items():
        x = encoder.dense(context)
        means = [prior_mean + p.predictive(x)[0] for p in posteriors]
        best = contextual.probabilities(posteriors, x)
        policy[segment] = {
            "preferred_variant_id": active[max(range(len(active)), key=lambda i: means[i])],
            "expected_reward": {v: round(m, 6) for v, m in zip(active, means, strict=True)},
            "probabilities": {v: round(p, 6) for v, p in zip(active, best, strict=True)},
        }
    return policy


def get_results(tenant_id: str, experiment_id: str) -> Results:
    snap = snapshot(tenant_id, experiment_id)
    experiment = snap.experiment
    comparisons = compare(tenant_id, snap)
    check = stats.srm(snap.session_periods)
    shares = traffic_shares(experiment)
    names = [v["id"] for v in experiment.variants]
    statistic = check.chi2 if check.chi2 is None or math.isfinite(check.chi2) else None
    return Results(
        id=experiment.id,
        experiment_id=experiment.id,
        metric=experiment.metric,  # type: ignore[arg-type]
        status=experiment.status,  # type: ignore[arg-type]
        control_id=experiment.control_id,
        winner_variant_id=experiment.winner_variant_id,
        alpha=stats.ALPHA,
        variants=[_variant_result(v, snap.totals.get(v["id"], {}), shares[v["id"]], experiment) for v in experiment.variants],
        comparisons=comparisons,
        srm=Srm(
            p_value=check.p_value,
            ok=check.ok,
            chi2=statistic,
            statistic=statistic,
            df=check.df,
            observed=check.observed,
            expected=check.expected,
            periods=len(snap.periods),
            sessions=_summed(snap.session_periods, names),
            assignments=_summed(snap.periods, names),
        ),
        segments=_segments(snap) if experiment.contextual else None,
        computed_at=clock.iso(clock.now()),
    )


def _segments(snap: Snapshot) -> list[Segment]:
    """Every declared segment and any other seen (`(other)`, `(missing)`), each with every variant's figures."""
    experiment = snap.experiment
    policy = learned_policy(experiment, snap.statistics) or {}
    names = [v["id"] for v in experiment.variants]
    declared = list(contextual.Encoder.of(experiment.context_fields or []).segment_contexts())
    seen = sorted(s for s in snap.segments if s not in declared)
    out = []
    for segment in declared + seen:
        counts = snap.segments.get(segment, {})
        field, _, label = segment.partition("=")
        out.append(
            Segment(
                field=field,
                segment=label,
                variants=[_segment_variant(v, counts.get(v, {}), experiment.metric) for v in names],
                preferred_variant_id=policy.get(segment, {}).get("preferred_variant_id"),
            )
        )
    return out


def _segment_variant(variant_id: str, counts: dict[str, Any], metric: str) -> SegmentVariant:
    rated, successes, ratings = _n(counts, "rated"), _n(counts, "successes"), _moments(counts)
    mean = (successes / rated if rated else None) if metric == "success" else ratings.mean
    return SegmentVariant(
        variant_id=variant_id,
        sessions=_n(counts, "sessions"),
        rated=rated,
        successes=successes,
        rating_count=ratings.n,
        mean_reward=mean,
    )


def compare(tenant_id: str, snap: Snapshot) -> list[Comparison]:
    """Each variant against the control; this is a look, so the running always-valid p-values move with it."""
    experiment = snap.experiment
    control = experiment.control_id
    c = snap.totals.get(control, {})
    out = []
    for v in experiment.variants:
        if v["id"] == control:
            continue
        t = snap.totals.get(v["id"], {})
        if experiment.metric == "success":
            test = stats.two_proportions(_n(c, "successes"), _n(c, "rated"), _n(t, "successes"), _n(t, "rated"))
            chance = stats.beta_chance_to_beat(
                1 + _n(c, "successes"),
                1 + _n(c, "rated") - _n(c, "successes"),
                1 + _n(t, "successes"),
                1 + _n(t, "rated") - _n(t, "successes"),
            )
        else:
            test = stats.welch(_moments(c), _moments(t))
            chance = stats.normal_chance_to_beat(test.difference, test.variance)
        now = stats.msprt_p_value(test.difference, test.variance, test.n_total)
        running = _lower(tenant_id, experiment, v["id"], now, snap.running.get(v["id"]))
        out.append(
            Comparison(
                variant_id=v["id"],
                control_id=control,
                metric=experiment.metric,  # type: ignore[arg-type]
                difference=test.difference,
                lift=test.lift,
                ci95=list(test.ci95) if test.ci95 is not None else None,
                p_value=test.p_value,
                z=test.statistic,
                df=test.df,
                significant=test.significant,
                confidence=test.confidence,
                chance_to_beat_control=chance,
                always_valid_p_value=running,
                always_valid_p_value_now=now,
            )
        )
    return out


def _lower(tenant_id: str, experiment: ExperimentItem, variant_id: str, now: float, stored: float | None) -> float:
    """Store `now` as the comparison's running minimum when it is lower; the minimum after this look."""
    if stored is not None and stored <= now:
        return stored
    if stored is None and now >= 1.0:
        return 1.0
    key = keys.experiment_sequential(tenant_id, experiment.id, variant_id)
    item = SequentialItem(key.pk, key.sk)
    try:
        item.update(
            actions=[
                SequentialItem.min_p_value.set(now),
                SequentialItem.experiment_id.set(experiment.id),
                SequentialItem.variant_id.set(variant_id),
                SequentialItem.control_id.set(experiment.control_id),
                SequentialItem.updated_at.set(clock.iso(clock.now())),
                SequentialItem.kind.set(SequentialItem),
            ],
            condition=SequentialItem.min_p_value.does_not_exist() | (SequentialItem.min_p_value > now),
            add_version_condition=False,
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        # Another look stored a lower minimum meanwhile; it stands.
    return min(now, stored) if stored is not None else now


def _periods(
    items: list[PeriodItem], counts: dict[int, dict[str, dict[str, int]]], name: str
) -> list[tuple[dict[str, int], dict[str, float]]]:
    """Per period of fixed weights (oldest first): each variant's count `name`, and the shares the period gave."""
    shares = {int(p.period): {k: float(v) for k, v in p.shares.items()} for p in items}
    return [
        ({v: c[name] for v, c in counts.get(n, {}).items() if c.get(name)}, shares.get(n, {}))
        for n in sorted(set(shares) | set(counts))
    ]


def _summed(periods: list[tuple[dict[str, int], dict[str, float]]], names: list[str]) -> dict[str, int]:
    """Each variant's count over every period (0 for a variant with none)."""
    total = dict.fromkeys(names, 0)
    for counts, _ in periods:
        for v, n in counts.items():
            total[v] = total.get(v, 0) + n
    return total


def _n(counts: dict[str, Any], name: str) -> int:
    return int(counts.get(name, 0) or 0)


def _moments(counts: dict[str, Any]) -> stats.Moments:
    return stats.Moments(
        _n(counts, "rating_count"), float(counts.get("rating_sum", 0) or 0), float(counts.get("rating_sq_sum", 0) or 0)
    )


def _variant_result(v: dict[str, Any], counts: dict[str, Any], share: float, experiment: ExperimentItem) -> VariantResult:
    rated, successes = _n(counts, "rated"), _n(counts, "successes")
    ratings = _moments(counts)
    quality_count = _n(counts, "quality_count")
    variance = ratings.variance
    return VariantResult(
        variant_id=v["id"],
        name=v["name"],
        is_control=v["id"] == experiment.control_id,
        active=bool(v["active"]),
        assignments=_n(counts, "assignments"),
        sessions=_n(counts, "sessions"),
        feedback_count=_n(counts, "feedback"),
        rated=rated,
        rated_sessions=_n(counts, "rated_sessions"),
        successes=successes,
        success_rate=successes / rated if rated else None,
        rating_count=ratings.n,
        average_rating=ratings.mean,
        rating_sd=math.sqrt(variance) if variance is not None else None,
        average_quality=float(counts.get("quality_sum", 0) or 0) / quality_count if quality_count else None,
        weight=float(v["weight"]),
        traffic_share=share,
    )
