"""Routing: learned routing against always-best, always-cheapest and random, on a simulated population.

Four models with hidden true quality per task, latency and price. Simple tasks (hashtags,
hooks, captions) are served almost as well by the cheap models; complex ones (content ideas)
are not. Every request goes through the same domain functions the API uses: routing decides,
the generation is recorded as a session (its model, latency and cost), and the user's
feedback (a thumbs drawn from the chosen model's true quality) is recorded on it, which is
what routing learns from. The fixed policies are scored on the same sequence of requests.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

from .harness import local_account

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
    os.environ["LEARNLOOP_PROVIDERS"] = json.dumps({"sim": {"base_url": "http://sim.invalid/v1"}})
    os.environ["LEARNLOOP_ROUTING_STATS_CACHE_SECONDS"] = "0"
    os.environ["LEARNLOOP_COUNTER_SHARDS"] = "1"  # one query per read: this measures what routing learns, not throughput
    from chalicelib.catalog import service as catalog
    from chalicelib.catalog.schemas import MappingPut, ModelPut
    from chalicelib.routing.schemas import RouteBody
    from chalicelib.routing.service import decide
    from chalicelib.sessions import service as sessions
    from chalicelib.sessions.schemas import FeedbackCreate, GenerationRecord
    from chalicelib.tenancy import service as tenancy
    from chalicelib.tenancy.schemas import TenantCreate

    rng = random.Random(SEED)
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
                thumbs = "up" if rng.random() < truth[task] else "down"
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
        "policies": {
            name: {
                "quality": round(q, 4),
                "cost_per_request_usd": round(c, 6),
                "quality_vs_best": round(q / best[0], 4),
                "cost_vs_best": round(c / best[1], 4),
            }
            for name, (q, c) in policies.items()
        },
        "second_half_choices": shares,
        "goal": {
            "quality_vs_best_at_least": 0.95,
            "cost_vs_best_at_most": 0.5,
            "met": learned[0] / best[0] >= 0.95 and learned[1] / best[1] <= 0.5,
        },
    }


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"## Routing ({figures['requests']} requests, 4 simulated models, feedback on 60% of sessions)",
        "",
        "| policy | mean true quality | cost per request | quality vs always-best | cost vs always-best |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, p in figures["policies"].items():
        lines.append(
            f"| {name} | {p['quality']:.4f} | ${p['cost_per_request_usd']:.5f} | {p['quality_vs_best']:.1%} | "
            f"{p['cost_vs_best']:.1%} |"
        )
    lines += [
        "",
        "Learned choices in the second half, per task: "
        + "; ".join(
            f"{task}: " + ", ".join(f"{m.split(':')[1]} {s:.0%}" for m, s in shares.items())
            for task, shares in figures["second_half_choices"].items()
        ),
        f"Goal (>= 95% of the best quality at <= 50% of its cost): {'met' if figures['goal']['met'] else 'NOT met'}.",
    ]
    return "\n".join(lines)
