"""The routing objective: from per-candidate posteriors of satisfaction and the priority, the choice and its reasons.

Pure (no storage, no catalog): whatever estimates a candidate's probability of satisfying the
user (today the per-category Beta posterior of `scoring.posterior`; a per-request model later)
hands in one `Arm` per candidate, and `choose` applies the priority's objective:

- `quality`: the best estimated satisfaction;
- `balanced`: the cheapest model whose estimated satisfaction is within 5% of the best's;
- `speed`: the fastest model within 10% of the best's;
- a budget more than half committed (`on_budget: downgrade`): the cheapest within a tolerance that
  grows from the priority's to 50% as the budget fills.

Exploration: a model with no rated answer on the category is picked before any rated one (an
unbounded bonus for the untried, in the order the objective gives their prior means), so with K
eligible models every one is tried within K routed and rated requests; among rated models the
estimates compared are Thompson samples of their posteriors. With `optimism` (request-level routing) and a
band rule (balanced, speed, a budget's downgrade), the band is drawn around the best Thompson sample and a
rated candidate is within it when its sample or its upper bound (posterior mean + `optimism` x sd, capped
at 1) reaches it: a cheaper model stays in the band until its posterior says it is out with some
confidence (a 5% band is narrower than what a few hundred rated answers can resolve, and a cheap model
that drifts just below it would otherwise never be tried again), while the bar it must reach is a
Thompson sample, so an underestimated best model is still tried when its draw is high.
Docs: docs/routing.md, "Routing".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # numpy is imported where it is used: `import app` stays light for every cold start
    import numpy as np

TOLERANCE = {"quality": 0.0, "balanced": 0.05, "speed": 0.10}
RULE = {"quality": "best", "balanced": "cheapest", "speed": "fastest"}
DOWNGRADE_TOLERANCE = 0.5  # at a fully committed budget: the cheapest with at least half the best's satisfaction
DRAWS = 256  # posterior draws behind the confidence (the first one is the Thompson sample)


class Posterior(Protocol):
    """A candidate's belief about its probability of satisfying the user."""

    @property
    def mean(self) -> float: ...

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray: ...


@dataclass(frozen=True)
class BetaPosterior:
    alpha: float
    beta: float

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.beta(self.alpha, self.beta, size)


@dataclass(frozen=True)
class Arm:
    """One candidate as the objective sees it."""

    model_id: str
    posterior: Posterior
    rated: float  # rated answers behind the posterior (0: untried)
    cost_usd: float  # expected cost of this request
    latency_ms: float
    reliability: float = 1.0  # share of calls that answer; multiplies the satisfaction
    user_shift: float = 0.0  # the requesting user's own preference, added to the satisfaction


@dataclass
class Choice:
    selected: str
    ranking: list[str]  # the order to try them in (fallbacks), selected first
    compared: dict[str, float]  # the estimated satisfaction each candidate was compared on
    reasons: dict[str, list[str]]  # why each was or was not picked
    objective: str  # the rule that picked, in words
    explored: bool  # picked because it had no rated answer yet
    by_user: bool  # the user's own preference changed the pick
    confidence: float  # share of posterior draws in which the objective picks the selected model
    tolerance: float = 0.0
    rule: str = "best"


def rule_of(priority: str, budget_pressure: float = 0.0) -> tuple[str, float]:
    """The priority's rule (best | cheapest | fastest) and tolerance, the budget's downgrade applied."""
    rule, tolerance = RULE[priority], TOLERANCE[priority]
    if budget_pressure > 0.5:
        rule = "cheapest"
        tolerance += (DOWNGRADE_TOLERANCE - tolerance) * min(1.0, 2 * (budget_pressure - 0.5))
    return rule, tolerance


def pick(values: np.ndarray, arms: Sequence[Arm], rule: str, tolerance: float, reference: np.ndarray | None = None) -> np.ndarray:
    """For each column of `values` (candidates x draws), the index of the arm the rule picks.

    best: the highest value (ties: cheaper, then first); cheapest / fastest: among the arms within
    `tolerance` of the column's best, the lowest cost / latency (ties: the higher value, then first). With
    `reference` (candidates x draws), the band is drawn around the best of `reference` instead of `values`.
    """
    import numpy as np

    best = (values if reference is None else reference).max(axis=0)
    within = values >= (1 - tolerance) * best - 1e-12
    if rule == "best":
        key = -values + 1e-9 * _rank([a.cost_usd for a in arms])[:, None]
        return np.argmin(np.where(values >= best - 1e-12, key, np.inf), axis=0)
    measure = [a.cost_usd for a in arms] if rule == "cheapest" else [a.latency_ms for a in arms]
    key = 10.0 * _rank(measure)[:, None] - values
    return np.argmin(np.where(within, key, np.inf), axis=0)


def choose(
    arms: Sequence[Arm],
    priority: str,
    *,
    rng: np.random.Generator,
    budget_pressure: float = 0.0,
    explore: bool = True,
    draws: int = DRAWS,
    optimism: float | None = None,
) -> Choice:
    """The objective's pick among `arms` (at least one), the order to fall back in, and the reasons."""
    import numpy as np

    rule, tolerance = rule_of(priority, budget_pressure)
    n = len(arms)
    means = np.array([a.reliability * a.posterior.mean for a in arms])
    shifts = np.array([a.user_shift for a in arms])
    sampled = np.vstack([a.posterior.draw(rng, draws) for a in arms]) * np.array([a.reliability for a in arms])[:, None]
    untried = [i for i, a in enumerate(arms) if a.rated <= 0] if explore and budget_pressure <= 0.5 else []
    cold = all(a.rated <= 0 for a in arms)
    # What each candidate is compared on: its prior mean while untried (so a cold tenant's route is the
    # priors' order, not a lottery), else its Thompson sample; plus the user's own preference.
    base = np.array([means[i] if arms[i].rated <= 0 else sampled[i, 0] for i in range(n)])
    reference: np.ndarray | None = None
    if optimism is not None and rule != "best":
        # Request-level routing's band rules: the band is drawn around the best Thompson sample, and a rated
        # candidate is within it when its sample or its upper bound (mean + optimism x sd) reaches it.
        reference = base + shifts
        upper = np.array([a.reliability * min(1.0, _centre(a.posterior) + optimism * _sd(a.posterior)) for a in arms])
        base = np.array([base[i] if arms[i].rated <= 0 else max(base[i], upper[i]) for i in range(n)])
    compared = base + shifts

    def order(values: np.ndarray, pool: list[int]) -> list[int]:
        ranked: list[int] = []
        left = list(pool)
        while left:
            bar = None if reference is None else reference[left][:, None]
            chosen = left[int(pick(values[left][:, None], [arms[i] for i in left], rule, tolerance, bar)[0])]
            ranked.append(chosen)
            left.remove(chosen)
        return ranked

    first_pool = untried if untried and not cold else list(range(n))
    rest = [i for i in range(n) if i not in first_pool]
    ranking = order(compared, first_pool) + order(compared, rest)
    selected = ranking[0]
    without_user = order(base, first_pool)[0]
    by_user = without_user != selected

    picks = pick(sampled + shifts[:, None], arms, rule, tolerance)
    confidence = round(float(np.mean(picks == selected)), 4)

    explored = bool(untried) and not cold
    around = compared if reference is None else reference
    objective = _objective_text(arms, compared, around, selected, first_pool, rule, tolerance, priority, budget_pressure)
    if explored:
        objective = (
            f"exploration: no rated answer yet on this category, so it is tried before the rated models; among the "
            f"untried, {objective}"
        )
    reasons: dict[str, list[str]] = {a.model_id: [] for a in arms}
    reasons[arms[selected].model_id].append(objective)
    for i in range(n):
        if i != selected:
            reasons[arms[i].model_id].append(_why_not(arms, compared, around, i, selected, first_pool, rule, tolerance))
    return Choice(
        selected=arms[selected].model_id,
        ranking=[arms[i].model_id for i in ranking],
        compared={a.model_id: float(compared[i]) for i, a in enumerate(arms)},
        reasons=reasons,
        objective=objective,
        explored=explored,
        by_user=by_user,
        confidence=confidence,
        tolerance=tolerance,
        rule=rule,
    )


def _centre(posterior: Posterior) -> float:
    return float(getattr(posterior, "centre", posterior.mean))


def _sd(posterior: Posterior) -> float:
    return float(getattr(posterior, "sd", 0.0))


def _rank(measure: Sequence[float]) -> np.ndarray:
    """Dense ranks (equal values share a rank), so ties fall to the estimate."""
    import numpy as np

    distinct = sorted(set(measure))
    return np.array([distinct.index(m) for m in measure], dtype=float)


def _objective_text(
    arms: Sequence[Arm],
    compared: np.ndarray,
    around: np.ndarray,
    selected: int,
    pool: list[int],
    rule: str,
    tolerance: float,
    priority: str,
    budget_pressure: float,
) -> str:
    best = max(pool, key=lambda i: around[i])
    mine, top = compared[selected], around[best]
    head = f"budget {budget_pressure:.0%} committed" if budget_pressure > 0.5 else priority
    if rule == "best":
        others = [compared[i] for i in pool if i != selected]
        after = f"; next {max(others):.2f}" if others else ""
        return f"{head}: the best estimated satisfaction ({mine:.2f}{after})"
    what = "cheapest" if rule == "cheapest" else "fastest"
    if selected == best:
        return f"{head}: the {what} model within {tolerance:.0%} of the best estimated satisfaction (it is the best, {mine:.2f})"
    return (
        f"{head}: the {what} model within {tolerance:.0%} of the best estimated satisfaction "
        f"({mine:.2f} vs {top:.2f}, {arms[best].model_id})"
    )


def _why_not(
    arms: Sequence[Arm],
    compared: np.ndarray,
    around: np.ndarray,
    i: int,
    selected: int,
    pool: list[int],
    rule: str,
    tolerance: float,
) -> str:
    mine = compared[i]
    if i not in pool:
        return f"not picked: {arms[selected].model_id} had no rated answer yet and is tried first"
    top = max(around[j] for j in pool)
    if rule == "best" or mine < (1 - tolerance) * top - 1e-12:
        gap = f"more than {tolerance:.0%} below" if rule != "best" else "below"
        return f"not picked: estimated satisfaction {mine:.2f} is {gap} the best ({top:.2f})"
    if rule == "cheapest":
        return (
            f"not picked: within {tolerance:.0%} of the best ({mine:.2f}) but {arms[selected].model_id} is cheaper "
            f"or as cheap and estimated higher"
        )
    return (
        f"not picked: within {tolerance:.0%} of the best ({mine:.2f}) but {arms[selected].model_id} is faster "
        f"or as fast and estimated higher"
    )
