"""Bench 3(b): regret of the contextual Thompson sampler where the best variant differs by context.

Workload: three Bernoulli arms; each user brings a context of a device type (mobile 50%, desktop 30%,
tablet 20%) and a canvas aspect ratio (uniform on [0.5, 2], which changes nothing). The best arm
differs by device: mobile (0.55, 0.35, 0.30), desktop (0.30, 0.55, 0.35), tablet (0.30, 0.35, 0.55).
Horizon 4,000 users, 20 seeds, every session rated and learnt from before the next user.

- ours, contextual: the functions `POST /v1/experiments/{id}/assign` runs for a contextual experiment:
  `contextual.Encoder` (one-hot device; standardised aspect and its bucket), the slots moved by
  `contextual.observation_deltas` as the feedback counters move them, `contextual.posterior`,
  `contextual.shares` (Thompson probabilities floored at min_exploration) and the hash point of
  (experiment, user) through `assignment.choose`; burn-in of 30 rated sessions per arm on the weights.
- ours, non-contextual: the optimiser's Thompson probabilities of being best (Beta posteriors), floored,
  recomputed after every session (what bench/regret.py calls per-step), the same burn-in.
- mabwiser LinTS (alpha 1, l2_lambda 1) on the same encoded context vector, updated after every session.

Regret is the expected (pseudo-)regret: per user, the best arm's rate in their context minus the chosen arm's.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

DEVICES = ("mobile", "desktop", "tablet")
DEVICE_SHARES = (0.5, 0.3, 0.2)
RATES = {"mobile": (0.55, 0.35, 0.30), "desktop": (0.30, 0.55, 0.35), "tablet": (0.30, 0.35, 0.55)}
ARMS = ("a", "b", "c")
HORIZON = 4_000
SEEDS = 20
MIN_RATED = 30  # the API's default burn-in
FLOOR = 0.01  # min_exploration of the experiment in this bench
FIELDS: list[dict[str, Any]] = [
    {"name": "device", "kind": "categorical", "values": list(DEVICES)},
    {"name": "aspect", "kind": "numeric", "edges": [1.0]},
]


def _users(seed: int) -> tuple[list[dict[str, Any]], Any]:
    """The seed's users' contexts, and a uniform number per user that decides their reward."""
    import numpy as np

    rng = np.random.default_rng(20_000 + seed)
    devices = rng.choice(len(DEVICES), size=HORIZON, p=DEVICE_SHARES)
    aspects = rng.uniform(0.5, 2.0, size=HORIZON)
    contexts = [{"device": DEVICES[d], "aspect": float(a)} for d, a in zip(devices, aspects, strict=True)]
    return contexts, rng.random(HORIZON)


def _regret(context: dict[str, Any], arm: int) -> float:
    rates = RATES[context["device"]]
    return max(rates) - rates[arm]


def _contextual(seeds: list[int]) -> list[list[float]]:
    from chalicelib.experiments import assignment, contextual

    encoder = contextual.Encoder.of(FIELDS)
    d = encoder.dimension
    out = []
    for s in seeds:
        contexts, draws = _users(s)
        slots: list[dict[int, float]] = [{} for _ in ARMS]
        curve, regret = [], 0.0
        for t, context in enumerate(contexts):
            if min(sl.get(0, 0.0) for sl in slots) < MIN_RATED:
                shares = [1.0 / len(ARMS)] * len(ARMS)
            else:
                posteriors = [contextual.posterior(sl, d, "success") for sl in slots]
                shares = contextual.shares(posteriors, encoder.dense(context), FLOOR)
            chosen = assignment.choose(assignment.point(f"exp_ctx_{s}", f"user-{t}"), list(zip(ARMS, shares, strict=True)))
            arm = ARMS.index(chosen)
            reward = float(draws[t] < RATES[context["device"]][arm])
            for k, v in contextual.observation_deltas(encoder.vector(context), d, 1.0, reward, reward).items():
                slots[arm][k] = slots[arm].get(k, 0.0) + v
            regret += _regret(context, arm)
            curve.append(regret)
        out.append(curve)
    return out


def _thompson(seeds: list[int]) -> list[list[float]]:
    import numpy as np

    from chalicelib.experiments import assignment, optimizer

    out = []
    for s in seeds:
        contexts, draws = _users(s)
        successes, trials = np.zeros(len(ARMS)), np.zeros(len(ARMS))
        curve, regret = [], 0.0
        for t, context in enumerate(contexts):
            if trials.min() < MIN_RATED:
                weights = np.full(len(ARMS), 1.0 / len(ARMS))
            else:
                p = optimizer.beta_best_probabilities(1 + successes[None, :], 1 + trials[None, :] - successes[None, :])
                weights = optimizer.floored(p, FLOOR)[0]
            chosen = assignment.choose(assignment.point(f"exp_ctx_{s}", f"user-{t}"), list(zip(ARMS, weights, strict=True)))
            arm = ARMS.index(chosen)
            reward = float(draws[t] < RATES[context["device"]][arm])
            successes[arm] += reward
            trials[arm] += 1
            regret += _regret(context, arm)
            curve.append(regret)
        out.append(curve)
    return out


def _lints(seeds: list[int]) -> list[list[float]]:
    import numpy as np
    from mabwiser.mab import MAB, LearningPolicy

    from chalicelib.experiments import contextual

    encoder = contextual.Encoder.of(FIELDS)
    out = []
    for s in seeds:
        contexts, draws = _users(s)
        mab = MAB(arms=[0, 1, 2], learning_policy=LearningPolicy.LinTS(alpha=1.0, l2_lambda=1.0), seed=s)
        xs = np.array([encoder.dense(c) for c in contexts])
        mab.fit(decisions=[0, 1, 2], rewards=[0, 0, 0], contexts=np.zeros((3, encoder.dimension)))  # zero vectors: no information
        curve, regret = [], 0.0
        for t, context in enumerate(contexts):
            arm = int(mab.predict(xs[t : t + 1]))
            reward = float(draws[t] < RATES[context["device"]][arm])
            mab.partial_fit(decisions=[arm], rewards=[reward], contexts=xs[t : t + 1])
            regret += _regret(context, arm)
            curve.append(regret)
        out.append(curve)
    return out


def _halves() -> list[list[int]]:
    seeds = list(range(SEEDS))
    return [seeds[: SEEDS // 2], seeds[SEEDS // 2 :]]


def _summary(curves: list[list[float]]) -> dict[str, Any]:
    import numpy as np

    final = np.array([c[-1] for c in curves])
    quarter = np.array([c[-1] - c[3 * HORIZON // 4 - 1] for c in curves]) / (HORIZON // 4)
    return {
        "cumulative_regret": round(float(final.mean()), 2),
        "se": round(float(final.std(ddof=1) / np.sqrt(len(final))), 2),
        "per_step_regret": round(float(final.mean()) / HORIZON, 5),
        "per_step_regret_last_quarter": round(float(quarter.mean()), 5),
    }


def run() -> dict[str, Any]:
    began = time.perf_counter()
    cases: dict[str, list[list[float]]] = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        jobs = {
            "ours, contextual Thompson": [pool.submit(_contextual, half) for half in _halves()],
            "ours, non-contextual Thompson": [pool.submit(_thompson, half) for half in _halves()],
            "mabwiser LinTS": [pool.submit(_lints, half) for half in _halves()],
        }
        for name, futures in jobs.items():
            cases[name] = [c for f in futures for c in f.result()]
    summary = {name: _summary(curves) for name, curves in cases.items()}
    ours = summary["ours, contextual Thompson"]["per_step_regret"]
    return {
        "rates": RATES,
        "horizon": HORIZON,
        "seeds": SEEDS,
        "burn_in_per_arm": MIN_RATED,
        "min_exploration": FLOOR,
        "cases": summary,
        "ratios": {
            "contextual_vs_non_contextual": round(ours / summary["ours, non-contextual Thompson"]["per_step_regret"], 3),
            "contextual_vs_lints": round(ours / summary["mabwiser LinTS"]["per_step_regret"], 3),
        },
        "targets": {"contextual_vs_non_contextual": 0.5, "contextual_vs_lints": 1.3},
        "seconds": round(time.perf_counter() - began, 1),
    }


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"## Contextual experiments: best arm by device, horizon {figures['horizon']:,}, {figures['seeds']} seeds, "
        f"min_exploration {figures['min_exploration']}",
        "",
        "| policy | mean cumulative regret | standard error | per-step regret | per-step, last quarter |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, case in figures["cases"].items():
        lines.append(
            f"| {name} | {case['cumulative_regret']} | {case['se']} | {case['per_step_regret']} | "
            f"{case['per_step_regret_last_quarter']} |"
        )
    ratios, targets = figures["ratios"], figures["targets"]
    lines += [
        "",
        f"contextual / non-contextual: {ratios['contextual_vs_non_contextual']} "
        f"(target <= {targets['contextual_vs_non_contextual']}); "
        f"contextual / LinTS: {ratios['contextual_vs_lints']} (target <= {targets['contextual_vs_lints']}); "
        f"{figures['seconds']} s",
    ]
    return "\n".join(lines)
