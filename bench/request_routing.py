"""Request-level routing (issue 21, bench 3(a)): easy and hard requests inside ONE category, told apart only by their text.

Four models with equal, uninformative priors (suitability 0.5 each); hidden quality on easy requests
0.90/0.88/0.86/0.60 and on hard ones 0.90/0.70/0.50/0.30, prices falling tenfold. 70% of the
requests are easy (short product captions) and 30% hard (campaign strategies), each drawn from
vocabularies (products, materials, colours, tones; audiences, channels, goals, horizons), with words
shared by both kinds, so no single token tells them apart. 2,000 requests driven through the HTTP API
as a client would: POST /v1/route with the request's text as `input`, the call made outside and
recorded with POST /v1/sessions (the same text as `input`), and the user's thumbs (drawn from the
chosen model's hidden quality on the request's kind) on 60% of the sessions with
POST /v1/sessions/{id}/feedback. Per-category routing runs on the same requests in a second tenant
(the same routes without `input`). Always-best, always-cheapest and an oracle that knows each
request's kind (the balanced rule on the truth: easy -> the 0.86 model, hard -> the 0.90 one) are
scored on the same sequence. Quality and cost over the last quarter (requests 1,501-2,000), against
always-best; the added latency of a route decision (encoding the request and the request-level
posteriors, in process) at p95. Seeds: `BENCH_SEEDS` (default 1,2,3); `BENCH_REQUESTS` (default 2,000).

`BENCH_OFFLINE=1` runs the same workload without the API (about a second a seed): the same encoding, the
same statistics (`request_model.observation_deltas` summed in memory, re-solved every 25 requests), the same
objective (`objective.choose` with `request_level.OPTIMISM`; per-category Beta posteriors until 20 rated
answers), the user's own preference (`scoring`'s formula on each user's rated answers per model, updated at
once as the API's user counters are), every request routed with its own Thompson draws. The requests, users,
reactions and feedback are the API run's for the same seed (the same random stream); the Thompson draws, the
reliability and the evidence of costs are not, so a seed's figures are close to, not equal to, the API run's.
Used to decide the estimator and the rule on many seeds (`BENCH_SEEDS=1-60`) before confirming them through the API.
"""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any

from .harness import ROOT_KEY, call, local_account
from .routing import against_best, policy_table

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
FEEDBACK_RATE = 0.6
# The routing statistics (per-category evidence and request-level state) are re-read every REFRESH requests, as the
# process cache (`routing_stats_cache_seconds`, 10 s by default) does in production at 2.5 routes a second: a route
# then mostly decides from the cache, as in production, and the run is reproducible (the refresh is by count, not time).
REFRESH = 25
EASY_SHARE = 0.7
CATEGORY = "marketing_copy"
MODELS: dict[str, tuple[float, float, dict[str, float]]] = {
    "sim:alpha": (0.01, 2500, {"easy": 0.90, "hard": 0.90}),
    "sim:beta": (0.001, 1500, {"easy": 0.88, "hard": 0.70}),
    "sim:gamma": (0.0001, 700, {"easy": 0.86, "hard": 0.50}),
    "sim:delta": (0.00001, 400, {"easy": 0.60, "hard": 0.30}),
}
ORACLE = {"easy": "sim:gamma", "hard": "sim:alpha"}

PRODUCTS = ["mug", "candle", "scarf", "tote", "vase", "bouquet", "notebook", "lamp", "sneakers", "necklace", "soap", "tea"]
MATERIALS = ["ceramic", "linen", "cotton", "leather", "glass", "oak", "silver", "wool", "bamboo"]
COLOURS = ["pastel", "navy", "sage", "terracotta", "cream", "charcoal", "blush", "mustard"]
TONES = ["playful", "cosy", "minimal", "warm", "witty", "elegant", "bold"]
AUDIENCES = ["gen z shoppers", "new parents", "small cafes", "remote workers", "returning customers", "gift buyers"]
CHANNELS = ["instagram", "tiktok", "email", "newsletter", "pinterest", "retail partners", "paid search"]
GOALS = ["retention", "awareness", "conversion", "repeat purchases", "market entry", "brand positioning"]
HORIZONS = ["next quarter", "the holiday season", "six months", "the spring launch", "the first year"]
CONSTRAINTS = ["a tight budget", "two markets", "measurable kpis", "a competitor price cut", "limited stock"]
SHARED = ["our", "new", "the", "for", "a", "with", "and", "shop", "brand", "customers"]


def easy_request(rng: random.Random) -> str:
    product, material, colour, tone = rng.choice(PRODUCTS), rng.choice(MATERIALS), rng.choice(COLOURS), rng.choice(TONES)
    forms = [
        f"Write a {tone} caption for our {colour} {material} {product}",
        f"{tone.capitalize()} product caption: {material} {product} in {colour}",
        f"Caption this photo of the new {colour} {product} for the shop",
        f"Short {tone} line for a {material} {product}, {colour} edition, with a hashtag",
        f"A one-sentence caption for customers: {product} made of {material}",
    ]
    return rng.choice(forms)


def hard_request(rng: random.Random) -> str:
    audience, channel, goal, horizon = rng.choice(AUDIENCES), rng.choice(CHANNELS), rng.choice(GOALS), rng.choice(HORIZONS)
    other, constraint, product = rng.choice(CHANNELS), rng.choice(CONSTRAINTS), rng.choice(PRODUCTS)
    forms = [
        f"Draft a campaign strategy for {horizon} aimed at {audience}: {goal} across {channel} and {other}, with {constraint}",
        f"Plan our brand's {goal} push for {audience} over {horizon}; budget split between {channel} and {other}",
        f"Outline a go-to-market plan for the new {product} line: positioning, {channel} funnel, {constraint}",
        f"How should the shop sequence {channel} and {other} to lift {goal} among {audience} during {horizon}?",
        f"Write a quarterly marketing strategy with kpis for {goal}, segmenting {audience}, given {constraint}",
    ]
    return rng.choice(forms)


def seeds_of(spec: str) -> list[int]:
    """`1,2,3` or `1-60`."""
    if "-" in spec:
        low, high = spec.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(s) for s in spec.split(",")]


def run() -> dict[str, Any]:
    seeds = seeds_of(os.environ.get("BENCH_SEEDS", "1,2,3"))
    if os.environ.get("BENCH_OFFLINE") == "1":
        return offline(seeds)
    runs = [one(seed) for seed in seeds]
    return {
        "requests": REQUESTS,
        "feedback_rate": FEEDBACK_RATE,
        "seeds": seeds,
        "runs": runs,
        "goal_met_in": sum(r["goal"]["met"] for r in runs),
    }


def one(seed: int) -> dict[str, Any]:
    os.environ["LEARNLOOP_PROVIDERS"] = json.dumps({"sim": {"base_url": "http://sim.invalid/v1"}})
    os.environ["LEARNLOOP_ROUTING_STATS_CACHE_SECONDS"] = "86400"  # refreshed by count below
    os.environ["LEARNLOOP_COUNTER_SHARDS"] = "1"  # one query per read: this measures what routing learns, not throughput
    from chalicelib.routing import features, request_level
    from chalicelib.routing import service as routing
    from chalicelib.routing.service import reseed

    rng = random.Random(seed)
    reseed(seed)
    added_ms: list[float] = []
    encode, assess = features.encode, request_level.assess

    def timed(fn: Any) -> Any:
        def wrapper(*args: Any, **kw: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                added_ms.append((time.perf_counter() - started) * 1000)

        return wrapper

    kinds = ["easy" if rng.random() < EASY_SHARE else "hard" for _ in range(REQUESTS)]
    texts = [easy_request(rng) if kind == "easy" else hard_request(rng) for kind in kinds]
    users = [f"user-{rng.randrange(50)}" for _ in range(REQUESTS)]
    outcome = [rng.random() for _ in range(REQUESTS)]  # the same user reaction for both policies
    rated = [rng.random() < FEEDBACK_RATE for _ in range(REQUESTS)]
    features.encode, request_level.assess = timed(encode), timed(assess)
    try:
        with local_account() as client:
            request_app = tenant(client, "request.bench")
            category_app = tenant(client, "category.bench")
            picks: dict[str, list[str]] = {"request": [], "category": []}
            route_ms: dict[str, list[float]] = {"request": [], "category": []}
            used: list[bool] = []
            decision_ms: list[float] = []
            hit_ms: list[float] = []  # decisions from the cached statistics
            miss_ms: list[float] = []  # decisions that read and solved the statistics first
            for i in range(REQUESTS):
                if i % REFRESH == 0:
                    request_level.forget()
                    routing._evidence_cache.clear()
                for policy, key in (("request", request_app), ("category", category_app)):
                    body: dict[str, Any] = {"category_key": CATEGORY, "user_id": users[i]}
                    if policy == "request":
                        body["input"] = texts[i]
                    added_ms.clear()
                    started = time.perf_counter()
                    status, routed = call(client, "POST", "/v1/route", key, body)
                    route_ms[policy].append((time.perf_counter() - started) * 1000)
                    assert status == 200, routed
                    if policy == "request":
                        used.append(routed["request_routing"]["used"])
                        decision_ms.append(sum(added_ms))  # this decision's encoding and assessment
                        (miss_ms if i % REFRESH == 0 else hit_ms).append(sum(added_ms))
                    model_id = routed["selected"]["model_id"]
                    picks[policy].append(model_id)
                    session = {
                        "user_id": users[i],
                        "category_key": CATEGORY,
                        "input": texts[i],
                        "output": "(simulated)",
                        "model_id": model_id,
                        "processing_time_ms": MODELS[model_id][1],
                    }
                    status, made = call(client, "POST", "/v1/sessions", key, session)
                    assert status == 201, made
                    if rated[i]:
                        thumbs = "up" if outcome[i] < MODELS[model_id][2][kinds[i]] else "down"
                        feedback = {"user_id": users[i], "thumbs": thumbs}
                        status, _ = call(client, "POST", f"/v1/sessions/{made['session_id']}/feedback", key, feedback)
                        assert status == 201
    finally:
        features.encode, request_level.assess = encode, assess
    figures = summarise(seed, kinds, picks, route_ms, decision_ms, used)
    figures["latency_ms"] |= {
        "added_cached_p95": round(percentile(hit_ms, 0.95), 3),
        "added_reading_p50": round(percentile(miss_ms, 0.5), 1),
        "added_reading_p95": round(percentile(miss_ms, 0.95), 1),
    }
    return figures


def offline(seeds: list[int]) -> dict[str, Any]:
    """The request-level arm of the workload without the API: quality and cost vs always-best per seed."""
    import numpy as np

    from chalicelib.routing import features, objective, request_level, request_model

    runs = []
    for seed in seeds:
        rng, draws = random.Random(seed), np.random.default_rng(seed)
        kinds = ["easy" if rng.random() < EASY_SHARE else "hard" for _ in range(REQUESTS)]
        texts = [easy_request(rng) if kind == "easy" else hard_request(rng) for kind in kinds]
        users = [f"user-{rng.randrange(50)}" for _ in range(REQUESTS)]
        outcome = [rng.random() for _ in range(REQUESTS)]
        rated = [rng.random() < FEEDBACK_RATE for _ in range(REQUESTS)]
        liked: dict[tuple[str, str], list[float]] = {}  # (user, model) -> [rated answers, quality sum]
        slots: dict[str, dict[int, int]] = {m: {} for m in MODELS}
        counts = {m: [0, 0.0] for m in MODELS}
        picks: list[str] = []
        for i in range(REQUESTS):
            if i % REFRESH == 0:
                states = {m: request_model.state_of(held) for m, held in slots.items()}
                seen = {m: (n, total) for m, (n, total) in counts.items()}
            encoded = features.encode(texts[i], {})
            warm = sum(n for n, _ in seen.values()) >= request_level.WARM_AFTER
            arms = [
                objective.Arm(
                    m,
                    request_model.posterior_at(states[m], encoded.dense(), 0.5)
                    if warm
                    else objective.BetaPosterior(1 + seen[m][1], 1 + seen[m][0] - seen[m][1]),
                    seen[m][0],
                    price,
                    latency,
                    user_shift=preference(liked.get((users[i], m))),
                )
                for m, (price, latency, _) in MODELS.items()
            ]
            optimism = request_level.OPTIMISM if warm else None
            model_id = objective.choose(arms, "balanced", rng=draws, optimism=optimism).selected
            picks.append(model_id)
            if rated[i]:
                score = 1.0 if outcome[i] < MODELS[model_id][2][kinds[i]] else 0.0
                for slot, value in request_model.observation_deltas(encoded.x, 1, score).items():
                    slots[model_id][slot] = slots[model_id].get(slot, 0) + value
                counts[model_id][0] += 1
                counts[model_id][1] += score
                mine = liked.setdefault((users[i], model_id), [0, 0.0])
                mine[0] += 1
                mine[1] += score
        last = slice(REQUESTS - REQUESTS // 4, None)
        quality = sum(MODELS[m][2][k] for m, k in zip(picks[last], kinds[last], strict=True)) / len(picks[last])
        cost = sum(MODELS[m][0] for m in picks[last]) / len(picks[last])
        q, c = quality / MODELS["sim:alpha"][2]["easy"], cost / MODELS["sim:alpha"][0]
        runs.append({"seed": seed, "quality_vs_best": round(q, 4), "cost_vs_best": round(c, 4), "met": q >= 0.95 and c <= 0.5})
    return {"offline": True, "requests": REQUESTS, "seeds": seeds, "runs": runs, "goal_met_in": sum(r["met"] for r in runs)}


def preference(evidence: list[float] | None) -> float:
    """The user's own preference for a model, as `routing.scoring.score` adds it, from their [rated answers, sum]."""
    from chalicelib.routing import scoring

    if not evidence or not evidence[0]:
        return 0.0
    count, total = evidence
    return scoring.USER_WEIGHT * ((scoring.USER_PSEUDO * 0.5 + total) / (scoring.USER_PSEUDO + count) - 0.5)


def tenant(client: Any, domain: str) -> str:
    """A tenant whose only models are the four simulated ones, on one balanced category with equal priors."""
    status, created = call(client, "POST", "/v1/tenants", ROOT_KEY, {"name": "Request routing bench", "domain": domain})
    assert status == 201, created
    admin = created["api_key"]["key"]
    app = call(client, "POST", "/v1/api-keys", admin, {"name": "bench", "role": "app"})[1]["key"]
    for item in call(client, "GET", "/v1/models?limit=100", admin)[1]["items"]:
        call(client, "DELETE", f"/v1/models/{item['model_id']}", admin)
    for model_id, (price, latency, _) in MODELS.items():
        spec = {
            "model_name": model_id,
            "provider": "sim",
            "capabilities": ["text_generation"],
            "cost_bucket": "low",
            "cost_per_request": price,
            "average_speed_ms": latency,
            "context_window": 100_000,
        }
        assert call(client, "PUT", f"/v1/models/{model_id}", admin, spec)[0] in (200, 201)
    task = {"category_name": "Marketing copy", "required_capabilities": ["text_generation"], "default_priority": "balanced"}
    assert call(client, "PUT", f"/v1/tasks/{CATEGORY}", admin, task)[0] in (200, 201)
    for model_id in MODELS:
        assert call(client, "PUT", f"/v1/tasks/{CATEGORY}/models/{model_id}", admin, {"suitability_score": 0.5})[0] in (200, 201)
    return str(app)


def summarise(
    seed: int,
    kinds: list[str],
    picks: dict[str, list[str]],
    route_ms: dict[str, list[float]],
    decision_ms: list[float],
    used: list[bool],
) -> dict[str, Any]:
    last = slice(REQUESTS - REQUESTS // 4, None)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    def scored(chosen: list[str], part: slice) -> tuple[float, float]:
        pairs = list(zip(chosen[part], kinds[part], strict=True))
        return mean([MODELS[m][2][k] for m, k in pairs]), mean([MODELS[m][0] for m, _ in pairs])

    def fixed(policy: Any) -> list[str]:
        return [policy(kind) for kind in kinds]

    policies = {
        "request-level routing": scored(picks["request"], last),
        "per-category routing": scored(picks["category"], last),
        "always best": scored(fixed(lambda k: "sim:alpha"), last),
        "always cheapest": scored(fixed(lambda k: "sim:delta"), last),
        "oracle (knows each request's kind)": scored(fixed(lambda k: ORACLE[k]), last),
        f"request-level routing, all {REQUESTS:,}": scored(picks["request"], slice(None)),
    }
    best = policies["always best"]
    shares: dict[str, dict[str, float]] = {}
    for kind in ("easy", "hard"):
        chosen = [m for m, k in zip(picks["request"][last], kinds[last], strict=True) if k == kind]
        shares[kind] = {m: round(chosen.count(m) / len(chosen), 3) for m in MODELS if chosen.count(m)}
    late = policies["request-level routing"]
    return {
        "seed": seed,
        "policies": against_best(policies, best),
        "last_quarter_choices": shares,
        "request_level_from_request": used.index(True) + 1 if True in used else None,
        "latency_ms": {
            "added_p50": round(percentile(decision_ms, 0.5), 3),
            "added_p95": round(percentile(decision_ms, 0.95), 3),
            "route_with_input_p50": round(percentile(route_ms["request"], 0.5), 1),
            "route_with_input_p95": round(percentile(route_ms["request"], 0.95), 1),
            "route_without_input_p50": round(percentile(route_ms["category"], 0.5), 1),
            "route_without_input_p95": round(percentile(route_ms["category"], 0.95), 1),
        },
        "goal": {
            "quality_vs_best_at_least": 0.95,
            "cost_vs_best_at_most": 0.5,
            "met": late[0] / best[0] >= 0.95 and late[1] / best[1] <= 0.5,
        },
    }


def percentile(values: list[float], q: float) -> float:
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, int(q * len(ranked)))] if ranked else 0.0


def report(figures: dict[str, Any]) -> str:
    if figures.get("offline"):
        runs = figures["runs"]
        return "\n".join(
            [
                f"## Request-level routing offline ({figures['requests']:,} requests a seed, no API), last quarter "
                "vs always-best",
                "",
                *(
                    f"seed {r['seed']}: quality {r['quality_vs_best']:.1%}, cost {r['cost_vs_best']:.1%}"
                    + ("" if r["met"] else " (NOT met)")
                    for r in runs
                ),
                "",
                f"Goal met in {figures['goal_met_in']} of {len(runs)} seeds; quality below 95% in "
                f"{sum(r['quality_vs_best'] < 0.95 for r in runs)}, cost above 50% in "
                f"{sum(r['cost_vs_best'] > 0.5 for r in runs)}.",
            ]
        )
    lines = [
        f"## Request-level routing ({figures['requests']:,} requests in one category, 70% easy / 30% hard told apart only "
        f"by their text, through the API, feedback on {figures['feedback_rate']:.0%}; seeds {figures['seeds']})",
    ]
    for run in figures["runs"]:
        latency = run["latency_ms"]
        lines += [
            "",
            f"### Seed {run['seed']} (last quarter: requests {figures['requests'] - figures['requests'] // 4 + 1:,}-"
            f"{figures['requests']:,})",
            "",
            *policy_table(run["policies"], cost_digits=6),
        ]
        lines += [
            "",
            "Last-quarter choices: "
            + "; ".join(
                f"{kind}: " + ", ".join(f"{m.split(':')[1]} {s:.0%}" for m, s in shares.items())
                for kind, shares in run["last_quarter_choices"].items()
            ),
            f"Request-level model decides from request {run['request_level_from_request']}. Added latency of a route "
            f"decision (encoding + request-level posteriors, in process, statistics re-read every {REFRESH} requests): "
            f"p50 {latency['added_p50']} ms, p95 {latency['added_p95']} ms (from the cache p95 "
            f"{latency['added_cached_p95']} ms; reading and solving the statistics p50 {latency['added_reading_p50']} ms, "
            f"p95 {latency['added_reading_p95']} ms); POST /v1/route over the in-process moto DynamoDB with input p50 "
            f"{latency['route_with_input_p50']} ms, p95 {latency['route_with_input_p95']} ms, without p50 "
            f"{latency['route_without_input_p50']} ms, p95 {latency['route_without_input_p95']} ms.",
            "Goal (last quarter >= 95% of always-best's quality at <= 50% of its cost): "
            + ("met." if run["goal"]["met"] else "NOT met."),
        ]
    lines += ["", f"Goal met in {figures['goal_met_in']} of {len(figures['runs'])} seeds."]
    return "\n".join(lines)
