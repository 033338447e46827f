"""Regret of the experiment optimiser against mabwiser's Thompson sampler and a uniform split.

Three Bernoulli arms (success 0.30, 0.35, 0.40), horizon 10,000 users, 50 seeds. Our policy is
driven through the functions the API uses: `optimizer.decide` (burn-in, Thompson probabilities of
being best, the min_exploration floor) sets the weights, and `assignment.point` / `assignment.choose`
put each new user on a variant by the hash of (experiment, user), exactly as
`POST /v1/experiments/{id}/assign` does. Per-step: the weights are recomputed after every rated
session; batched: every 500 sessions, as a daily optimiser sees them. The reference is mabwiser's
`LearningPolicy.ThompsonSampling` (Beta(1, 1) priors), updated after every session. Regret is the
expected (pseudo-)regret: the sum over users of best rate minus the chosen arm's rate.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

RATES = (0.30, 0.35, 0.40)
HORIZON = 10_000
SEEDS = 50
BATCH = 500
MIN_RATED = 30  # the API's default burn-in


def _ours(seeds: list[int], floor: float, every: int) -> list[float]:
    """Cumulative regret per seed of the API's policy, all seeds moved together (one batched weight computation per step)."""
    import numpy as np

    from chalicelib.experiments import assignment, optimizer

    k, names = len(RATES), ["a", "b", "c"]
    rates = np.array(RATES)
    rngs = [np.random.default_rng(10_000 + s) for s in seeds]
    successes = np.zeros((len(seeds), k))
    trials = np.zeros((len(seeds), k))
    weights = np.full((len(seeds), k), 1.0 / k)
    regret = np.zeros(len(seeds))
    burnt_in: Any = np.zeros(len(seeds), dtype=bool)
    for t in range(HORIZON):
        if t % every == 0:
            burnt_in = (trials >= MIN_RATED).all(axis=1)
            if burnt_in.any():
                # What optimizer.decide computes for one experiment, here for every seed past burn-in at once.
                p = optimizer.beta_best_probabilities(1 + successes[burnt_in], 1 + trials[burnt_in] - successes[burnt_in])
                weights[burnt_in] = optimizer.floored(p, floor)
        for i, s in enumerate(seeds):
            shares = list(zip(names, weights[i], strict=True))
            arm = names.index(assignment.choose(assignment.point(f"exp_bench_{s}", f"user-{t}"), shares))
            reward = rngs[i].random() < rates[arm]
            successes[i, arm] += reward
            trials[i, arm] += 1
            regret[i] += rates.max() - rates[arm]
    return [float(r) for r in regret]


def _mabwiser(seeds: list[int]) -> list[float]:
    import numpy as np
    from mabwiser.mab import MAB, LearningPolicy

    out = []
    for s in seeds:
        rng = np.random.default_rng(10_000 + s)
        mab = MAB(arms=[0, 1, 2], learning_policy=LearningPolicy.ThompsonSampling(), seed=s)
        mab.fit(decisions=[], rewards=[])
        regret = 0.0
        for _ in range(HORIZON):
            arm = mab.predict()
            reward = int(rng.random() < RATES[arm])
            mab.partial_fit(decisions=[arm], rewards=[reward])
            regret += max(RATES) - RATES[arm]
        out.append(regret)
    return out


def _check_decide_matches() -> None:
    """The batched computation above is optimizer.decide's: check it on one state."""
    import numpy as np

    from chalicelib.experiments import optimizer

    arms = [
        optimizer.Arm("a", rated=40, successes=12),
        optimizer.Arm("b", rated=55, successes=20),
        optimizer.Arm("c", rated=61, successes=25),
    ]
    decision = optimizer.decide(arms, "success", 0.0, MIN_RATED)
    batched = optimizer.floored(
        optimizer.beta_best_probabilities(np.array([[13.0, 21.0, 26.0]]), np.array([[29.0, 36.0, 37.0]])), 0.0
    )[0]
    assert decision.weights is not None
    assert np.allclose([decision.weights[n] for n in "abc"], batched, atol=1e-12)


def _halves() -> list[list[int]]:
    seeds = list(range(SEEDS))
    return [seeds[: SEEDS // 2], seeds[SEEDS // 2 :]]


def _summary(regrets: list[float]) -> dict[str, float]:
    import numpy as np

    values = np.array(regrets)
    return {"mean": round(float(values.mean()), 2), "se": round(float(values.std(ddof=1) / np.sqrt(len(values))), 2)}


def run() -> dict[str, Any]:
    _check_decide_matches()
    began = time.perf_counter()
    cases: dict[str, list[float]] = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        jobs = {
            "ours, per-step, min_exploration 0": [pool.submit(_ours, half, 0.0, 1) for half in _halves()],
            "ours, batched every 500, min_exploration 0": [pool.submit(_ours, half, 0.0, BATCH) for half in _halves()],
            "ours, batched every 500, min_exploration 0.05": [pool.submit(_ours, half, 0.05, BATCH) for half in _halves()],
            "mabwiser Thompson sampling, per-step": [pool.submit(_mabwiser, half) for half in _halves()],
        }
        for name, futures in jobs.items():
            cases[name] = [r for f in futures for r in f.result()]
    uniform = HORIZON * sum(max(RATES) - r for r in RATES) / len(RATES)
    reference = sum(cases["mabwiser Thompson sampling, per-step"]) / SEEDS
    per_step = sum(cases["ours, per-step, min_exploration 0"]) / SEEDS
    batched = sum(cases["ours, batched every 500, min_exploration 0"]) / SEEDS
    return {
        "rates": list(RATES),
        "horizon": HORIZON,
        "seeds": SEEDS,
        "burn_in_per_arm": MIN_RATED,
        "uniform_regret": round(uniform, 2),
        "cases": {name: _summary(values) for name, values in cases.items()},
        "ratios": {
            "per_step_vs_mabwiser": round(per_step / reference, 3),
            "per_step_vs_uniform": round(per_step / uniform, 3),
            "batched_vs_uniform": round(batched / uniform, 3),
        },
        "targets": {"per_step_vs_mabwiser": 1.2, "per_step_vs_uniform": 0.2, "batched_vs_uniform": 0.35},
        "seconds": round(time.perf_counter() - began, 1),
    }


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"## Regret: Bernoulli arms {figures['rates']}, horizon {figures['horizon']:,}, {figures['seeds']} seeds",
        "",
        "| policy | mean cumulative regret | standard error | / uniform |",
        "| --- | ---: | ---: | ---: |",
        f"| uniform split | {figures['uniform_regret']} | | 1 |",
    ]
    for name, case in figures["cases"].items():
        lines.append(f"| {name} | {case['mean']} | {case['se']} | {case['mean'] / figures['uniform_regret']:.3f} |")
    ratios, targets = figures["ratios"], figures["targets"]
    lines += [
        "",
        f"per-step / mabwiser: {ratios['per_step_vs_mabwiser']} (target <= {targets['per_step_vs_mabwiser']}); "
        f"per-step / uniform: {ratios['per_step_vs_uniform']} (target < {targets['per_step_vs_uniform']}); "
        f"batched / uniform: {ratios['batched_vs_uniform']} (target < {targets['batched_vs_uniform']}); "
        f"{figures['seconds']} s",
    ]
    return "\n".join(lines)
