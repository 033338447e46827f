"""Routing: learned routing against always-best, always-cheapest and random, on simulated populations.

Two workloads, each with four models of hidden true quality per task, latency and price:

- informative priors: simple tasks (hashtags, hooks, captions) are served almost as well by the
  cheap models, complex ones (content ideas) are not; the catalog's generic priors rank the models
  by price. Every request goes through the domain functions the API uses: routing decides, the
  generation is recorded as a session (model, latency, cost), and the user's feedback (a thumbs
  drawn from the chosen model's true quality) is recorded on it.
- uninformative priors (issue 21): suitability 0.5 for every model; true quality on simple tasks
  0.90/0.88/0.86/0.60 and on hard ones 0.90/0.70/0.50/0.30, prices falling tenfold; 70% of the
  requests in a simple category, 30% in a hard one. Driven through the HTTP API as a client would:
  POST /v1/route, the call made "outside" and recorded with POST /v1/sessions, the thumbs with
  POST /v1/sessions/{id}/feedback. Quality and cost over the last quarter, against always-best;
  the in-process latency of POST /v1/route and of the objective.

The fixed policies are scored on the same sequence of requests.
"""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any, Literal

from .harness import ROOT_KEY, call, local_account

REQUESTS = 2000
FEEDBACK_RATE = 0.6
SEED = 7
# model: (price per request USD, latency ms, {task: true quality}); the catalog's priors (suitability) are the
# generic ones a catalog would hold, the same for every task: it does not know which tasks the cheap models do well.
PRIORS = {"sim:premium": 0.9, "sim:standard": 0.8, "sim:budget": 0.7, "sim:tiny": 0.5}
MODELS: dict[str, tuple[float, float, dict[str, float]]] = {
    "sim:premium": (
        0.012,
        2500,
        {"content_hashtags": 0.90, "content_hooks": 0.90, "content_caption": 0.91, "content_ideas": 0.92},
    ),
    "sim:standard": (
        0.004,
        1500,
        {"content_hashtags": 0.88, "content_hooks": 0.87, "content_caption": 0.88, "content_ideas": 0.80},
    ),
    "sim:budget": (
        0.0008,
        700,
        {"content_hashtags": 0.87, "content_hooks": 0.86, "content_caption": 0.86, "content_ideas": 0.45},
    ),
    "sim:tiny": (0.0002, 400, {"content_hashtags": 0.62, "content_hooks": 0.55, "content_caption": 0.50, "content_ideas": 0.20}),
}
TASKS = {"content_hashtags": 0.25, "content_hooks": 0.25, "content_caption": 0.2, "content_ideas": 0.3}


def run() -> dict[str, Any]:
    return {**informative(), "uninformative": uninformative()}


def informative() -> dict[str, Any]:
    os.environ["LEARNLOOP_PROVIDERS"] = json.dumps({"sim": {"base_url": "http://sim.invalid/v1"}})
    os.environ["LEARNLOOP_ROUTING_STATS_CACHE_SECONDS"] = "0"
    os.environ["LEARNLOOP_COUNTER_SHARDS"] = "1"  # one query per read: this measures what routing learns, not throughput
    from chalicelib.catalog import service as catalog
    from chalicelib.catalog.schemas import MappingPut, ModelPut
    from chalicelib.routing.schemas import RouteBody
    from chalicelib.routing.service import decide, reseed
    from chalicelib.sessions import service as sessions
    from chalicelib.sessions.schemas import FeedbackCreate, GenerationRecord
    from chalicelib.tenancy import service as tenancy
    from chalicelib.tenancy.schemas import TenantCreate

    rng = random.Random(SEED)
    reseed(SEED)
    with local_account():
        tenant_id = tenancy.create_tenant(TenantCreate(name="Routing bench", domain="routing.bench")).tenant.id
        for model_id in list(catalog.load(tenant_id, fresh=True).models):
            catalog.deprecate_model(tenant_id, model_id)  # only the simulated models compete
        for model_id, (price, latency, _) in MODELS.items():
            spec = ModelPut(
                model_name=model_id,
                provider="sim",
                capabilities=["text_generation", "text_reasoning"],
                cost_bucket="low",
                cost_per_request=price,
                average_speed_ms=latency,
                context_window=100_000,
            )
            catalog.put_model(tenant_id, model_id, spec)
            for task in TASKS:
                catalog.put_mapping(tenant_id, task, model_id, MappingPut(suitability_score=PRIORS[model_id]))

        tasks = rng.choices(list(TASKS), weights=list(TASKS.values()), k=REQUESTS)
        learned_quality, learned_cost, chosen = [], [], []
        for i, task in enumerate(tasks):
            user = f"user-{rng.randrange(50)}"
            decision = decide(tenant_id, RouteBody(category_key=task, user_id=user))
            model_id = decision.selected.model_id
            price, latency, truth = MODELS[model_id]
            session = sessions.record_generation(
                tenant_id,
                GenerationRecord(
                    user_id=user,
                    category_key=task,
                    input=f"request {i}",
                    output="(simulated)",
                    status="succeeded",
                    model_id=model_id,
                    cost_usd=price,
                    processing_time_ms=latency * rng.uniform(0.8, 1.2),
                    attempts=[{"model_id": model_id, "ok": True}],
                    selected_by=decision.selected_by,
                ),
            )
            if rng.random() < FEEDBACK_RATE:
                thumbs: Literal["up", "down"] = "up" if rng.random() < truth[task] else "down"
                sessions.record_feedback(tenant_id, session.session_id, FeedbackCreate(user_id=user, thumbs=thumbs))
            learned_quality.append(truth[task])
            learned_cost.append(price)
            chosen.append((task, model_id))

    def fixed(policy: Any) -> tuple[float, float]:
        picks = [policy(task) for task in tasks]
        return (
            sum(MODELS[m][2][t] for m, t in zip(picks, tasks, strict=True)) / REQUESTS,
            sum(MODELS[m][0] for m in picks) / REQUESTS,
        )

    best = fixed(lambda task: max(MODELS, key=lambda m: MODELS[m][2][task]))
    cheapest = fixed(lambda task: min(MODELS, key=lambda m: MODELS[m][0]))
    uniform = (
        sum(sum(MODELS[m][2][t] for m in MODELS) / len(MODELS) for t in tasks) / REQUESTS,
        sum(MODELS[m][0] for m in MODELS) / len(MODELS),
    )
    learned = (sum(learned_quality) / REQUESTS, sum(learned_cost) / REQUESTS)
    second_half = slice(REQUESTS // 2, None)
    late = (
        sum(learned_quality[second_half]) / len(learned_quality[second_half]),
        sum(learned_cost[second_half]) / len(learned_cost[second_half]),
    )
    shares: dict[str, dict[str, float]] = {}
    for task in TASKS:
        picks = [m for t, m in chosen[second_half] if t == task]
        shares[task] = {m: round(picks.count(m) / len(picks), 3) for m in MODELS if picks.count(m)}
    policies = {
        "learned routing": learned,
        "learned routing, second half": late,
        "always best": best,
        "always cheapest": cheapest,
        "random": uniform,
    }
    return {
        "requests": REQUESTS,
        "policies": against_best(policies, best),
        "second_half_choices": shares,
        "goal": {
            "quality_vs_best_at_least": 0.95,
            "cost_vs_best_at_most": 0.5,
            "met": learned[0] / best[0] >= 0.95 and learned[1] / best[1] <= 0.5,
        },
    }


# Issue 21's workload: equal, uninformative priors; the models differ only in what feedback reveals.
UNINFORMED: dict[str, tuple[float, float, dict[str, float]]] = {
    "sim:alpha": (0.01, 2500, {"easy": 0.90, "hard": 0.90}),
    "sim:beta": (0.001, 1500, {"easy": 0.88, "hard": 0.70}),
    "sim:gamma": (0.0001, 700, {"easy": 0.86, "hard": 0.50}),
    "sim:delta": (0.00001, 400, {"easy": 0.60, "hard": 0.30}),
}
CATEGORIES = {"simple_requests": ("easy", 0.7), "hard_requests": ("hard", 0.3)}


def uninformative() -> dict[str, Any]:
    os.environ["LEARNLOOP_PROVIDERS"] = json.dumps({"sim": {"base_url": "http://sim.invalid/v1"}})
    os.environ["LEARNLOOP_ROUTING_STATS_CACHE_SECONDS"] = "0"
    os.environ["LEARNLOOP_COUNTER_SHARDS"] = "1"
    from chalicelib.routing import objective
    from chalicelib.routing.service import reseed

    rng = random.Random(SEED)
    reseed(SEED)
    objective_ms: list[float] = []
    choose = objective.choose

    def timed(*args: Any, **kw: Any) -> Any:
        started = time.perf_counter()
        try:
            return choose(*args, **kw)
        finally:
            objective_ms.append((time.perf_counter() - started) * 1000)

    objective.choose = timed
    try:
        with local_account() as client:
            status, created = call(client, "POST", "/v1/tenants", ROOT_KEY, {"name": "Routing bench", "domain": "cold.bench"})
            admin = created["api_key"]["key"]
            app = call(client, "POST", "/v1/api-keys", admin, {"name": "bench", "role": "app"})[1]["key"]
            for item in call(client, "GET", "/v1/models?limit=100", admin)[1]["items"]:
                call(client, "DELETE", f"/v1/models/{item['model_id']}", admin)  # only the simulated models compete
            for model_id, (price, latency, _) in UNINFORMED.items():
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
            for category in CATEGORIES:
                task = {"category_name": category, "required_capabilities": ["text_generation"], "default_priority": "balanced"}
                assert call(client, "PUT", f"/v1/tasks/{category}", admin, task)[0] in (200, 201)
                for model_id in UNINFORMED:
                    mapping = {"suitability_score": 0.5}
                    assert call(client, "PUT", f"/v1/tasks/{category}/models/{model_id}", admin, mapping)[0] in (200, 201)

            asked = rng.choices(list(CATEGORIES), weights=[w for _, w in CATEGORIES.values()], k=REQUESTS)
            quality, cost, chosen, route_ms = [], [], [], []
            first_tried: dict[str, dict[str, int]] = {c: {} for c in CATEGORIES}
            for i, category in enumerate(asked):
                user = f"user-{rng.randrange(50)}"
                started = time.perf_counter()
                status, routed = call(client, "POST", "/v1/route", app, {"category_key": category, "user_id": user})
                route_ms.append((time.perf_counter() - started) * 1000)
                assert status == 200, routed
                model_id = routed["selected"]["model_id"]
                price, latency, truth = UNINFORMED[model_id]
                session = {
                    "user_id": user,
                    "category_key": category,
                    "input": f"request {i}",
                    "output": "(simulated)",
                    "model_id": model_id,
                    "processing_time_ms": round(latency * rng.uniform(0.8, 1.2), 1),
                }
                status, made = call(client, "POST", "/v1/sessions", app, session)
                assert status == 201, made
                if rng.random() < FEEDBACK_RATE:
                    thumbs = "up" if rng.random() < truth[CATEGORIES[category][0]] else "down"
                    call(client, "POST", f"/v1/sessions/{made['session_id']}/feedback", app, {"user_id": user, "thumbs": thumbs})
                first_tried[category].setdefault(model_id, i + 1)
                quality.append(truth[CATEGORIES[category][0]])
                cost.append(price)
                chosen.append((category, model_id))
    finally:
        objective.choose = choose

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    def percentile(values: list[float], q: float) -> float:
        ranked = sorted(values)
        return ranked[min(len(ranked) - 1, int(q * len(ranked)))]

    last = slice(REQUESTS - REQUESTS // 4, None)
    kinds = [CATEGORIES[c][0] for c in asked]

    def fixed(policy: Any, part: slice) -> tuple[float, float]:
        picks = [policy(kind) for kind in kinds[part]]
        return (
            mean([UNINFORMED[m][2][k] for m, k in zip(picks, kinds[part], strict=True)]),
            mean([UNINFORMED[m][0] for m in picks]),
        )

    per_category = {"easy": "sim:gamma", "hard": "sim:alpha"}  # what balanced's rule picks knowing the truth
    policies = {
        "learned routing, last quarter": (mean(quality[last]), mean(cost[last])),
        f"learned routing, all {REQUESTS:,}": (mean(quality), mean(cost)),
        "always best": fixed(lambda kind: "sim:alpha", last),
        "always cheapest": fixed(lambda kind: "sim:delta", last),
        "per-category rule, truth known": fixed(lambda kind: per_category[kind], last),
    }
    best = policies["always best"]
    shares = {}
    for category in CATEGORIES:
        picks = [m for c, m in chosen[last] if c == category]
        shares[category] = {m: round(picks.count(m) / len(picks), 3) for m in UNINFORMED if picks.count(m)}
    late = policies["learned routing, last quarter"]
    return {
        "requests": REQUESTS,
        "feedback_rate": FEEDBACK_RATE,
        "policies": against_best(policies, best),
        "last_quarter_choices": shares,
        "first_tried_at_request": first_tried,
        "latency_ms": {
            "route_p50": round(percentile(route_ms, 0.5), 2),
            "route_p95": round(percentile(route_ms, 0.95), 2),
            "objective_p50": round(percentile(objective_ms, 0.5), 3),
            "objective_p95": round(percentile(objective_ms, 0.95), 3),
        },
        "goal": {
            "quality_vs_best_at_least": 0.95,
            "cost_vs_best_at_most": 0.5,
            "met": late[0] / best[0] >= 0.95 and late[1] / best[1] <= 0.5,
        },
    }


def policy_table(policies: dict[str, dict[str, Any]], cost_digits: int = 5) -> list[str]:
    """The markdown table of policies against always-best (this bench's and bench/request_routing.py's)."""
    lines = [
        "| policy | mean true quality | cost per request | quality vs always-best | cost vs always-best |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, p in policies.items():
        lines.append(
            f"| {name} | {p['quality']:.4f} | ${p['cost_per_request_usd']:.{cost_digits}f} | {p['quality_vs_best']:.1%} | "
            f"{p['cost_vs_best']:.1%} |"
        )
    return lines


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"## Routing ({figures['requests']} requests, 4 simulated models, feedback on 60% of sessions)",
        "",
        *policy_table(figures["policies"]),
    ]
    lines += [
        "",
        "Learned choices in the second half, per task: "
        + "; ".join(
            f"{task}: " + ", ".join(f"{m.split(':')[1]} {s:.0%}" for m, s in shares.items())
            for task, shares in figures["second_half_choices"].items()
        ),
        f"Goal (>= 95% of the best quality at <= 50% of its cost): {'met' if figures['goal']['met'] else 'NOT met'}.",
    ]
    if "uninformative" in figures:
        lines += ["", uninformative_report(figures["uninformative"])]
    return "\n".join(lines)


def uninformative_report(figures: dict[str, Any]) -> str:
    lines = [
        f"## Routing with uninformative priors ({figures['requests']} requests through the API, 70% simple / 30% hard, "
        f"feedback on {figures['feedback_rate']:.0%})",
        "",
        "| policy | mean true quality | cost per request | quality vs always-best | cost vs always-best |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, p in figures["policies"].items():
        lines.append(
            f"| {name} | {p['quality']:.4f} | ${p['cost_per_request_usd']:.6f} | {p['quality_vs_best']:.1%} | "
            f"{p['cost_vs_best']:.1%} |"
        )
    latency = figures["latency_ms"]
    lines += [
        "",
        "Last-quarter choices: "
        + "; ".join(
            f"{category}: " + ", ".join(f"{m.split(':')[1]} {s:.0%}" for m, s in shares.items())
            for category, shares in figures["last_quarter_choices"].items()
        ),
        "First tried at request: "
        + "; ".join(
            f"{category}: " + ", ".join(f"{m.split(':')[1]} #{n}" for m, n in tried.items())
            for category, tried in figures["first_tried_at_request"].items()
        ),
        f"POST /v1/route in-process: p50 {latency['route_p50']} ms, p95 {latency['route_p95']} ms; "
        f"the objective: p50 {latency['objective_p50']} ms, p95 {latency['objective_p95']} ms.",
        "Goal (last quarter >= 95% of the best quality at <= 50% of its cost): "
        + ("met." if figures["goal"]["met"] else "NOT met."),
    ]
    return "\n".join(lines)


def against_best(policies: dict[str, tuple[float, float]], best: tuple[float, float]) -> dict[str, dict[str, float]]:
    """Each policy's quality and cost per request, and both as shares of always-best's."""
    return {
        name: {
            "quality": round(q, 4),
            "cost_per_request_usd": round(c, 6),
            "quality_vs_best": round(q / best[0], 4),
            "cost_vs_best": round(c / best[1], 4),
        }
        for name, (q, c) in policies.items()
    }
