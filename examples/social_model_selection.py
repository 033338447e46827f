"""Seed 002, a social-media content tool ("Business Pro") that picks the AI model for each task, through the public API.

Its writers generate captions and hashtags; each output gets a like, a dislike, a regenerate or a
skip. The catalog's task categories and model mappings give the starting point, the feedback moves it:
the best model per task, each writer's preferred model (one writer's taste overrides the crowd's for her),
and the performance aggregates per model and task that the product shows its team.

    .venv/bin/python examples/social_model_selection.py --url http://127.0.0.1:8000 --key <the root key make run prints>
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from _client import Client, arguments, new_tenant, table

T = TypeVar("T")
R = TypeVar("R")

SAGE, SWIFT, ECHO = "local:sage", "local:swift", "local:echo"
TOPICS = ["spring sale", "new store opening", "behind the scenes", "customer story"]
# The simulation. The crowd likes the thorough model's captions and the fast model's hashtags;
# maya likes short captions: she dislikes or regenerates the thorough ones.
CROWD = ["alex", "sam", "lee"]
CROWD_VERDICT = {
    ("content_caption", SAGE): "like",
    ("content_caption", SWIFT): "dislike",
    ("content_hashtags", SWIFT): "like",
    ("content_caption", ECHO): "dislike",
    ("content_hashtags", SAGE): "dislike",
    ("content_hashtags", ECHO): "dislike",
}
MAYA = "maya"
# Routing reuses a task's learned statistics for up to 10 s (LEARNLOOP_ROUTING_STATS_CACHE_SECONDS, docs/operations.md).
ROUTING_STATS_SECONDS = 10.5
MAYA_CAPTIONS = [(SWIFT, "like"), (SAGE, "dislike"), (SWIFT, "like"), (SAGE, "regenerate"), (SWIFT, "like"), (SAGE, "dislike")]


def parallel(work: Callable[[T], R], items: Iterable[T], workers: int = 4) -> list[R]:
    """The same call for several writers at once; answers in the items' order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, items))


def generate(app: Client, user: str, category: str, model_id: str | None, topic: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "user_id": user,
        "category_key": category,
        "prompt": f"Write a {category.removeprefix('content_')} for a florist's post about the {topic}",
        "max_tokens": 200,
    }
    if model_id:
        body["model_id"] = model_id  # the writer picked the model in the product's model menu
    return app.post("/v1/generations", body)


def react(app: Client, user: str, category: str, model_id: str | None, topic: str, verdict: str | None) -> dict[str, Any]:
    """A writer generates, then reacts as the product lets them: like, dislike, regenerate or skip."""
    generation = generate(app, user, category, model_id, topic)
    routed_at = time.monotonic()
    verdict = verdict or CROWD_VERDICT.get((category, generation["model_id"]), "skip")
    app.post(
        f"/v1/sessions/{generation['session_id']}/feedback", {"user_id": user, "feedback_type": verdict, "device_type": "mobile"}
    )
    return {"model_id": generation["model_id"], "verdict": verdict, "routed_at": routed_at}


def main(argv: Sequence[str]) -> int:
    options = arguments(__doc__.splitlines()[0], argv)
    admin = new_tenant(options.url, options.key, "Business Pro")
    app = admin.with_key(admin.post("/v1/api-keys", {"name": "content backend", "role": "app"})["key"])
    read = admin.with_key(admin.post("/v1/api-keys", {"name": "team dashboard", "role": "read"})["key"])

    tasks = read.items("/v1/tasks")
    print("Task categories")
    print(
        table(
            [
                [
                    t["category_key"],
                    t["category_name"],
                    ", ".join(t["required_capabilities"]),
                    t["default_priority"],
                    t["typical_max_tokens"],
                ]
                for t in tasks
            ],
            ["category", "name", "requires", "priority", "max tokens"],
        )
    )
    models = read.items("/v1/models", active="true")
    offline = [m["model_id"] for m in models if m["available"]]
    print(f"\n{len(models)} active models in the catalog; callable here without provider keys: {', '.join(offline)}\n")
    assert {SAGE, SWIFT} <= set(offline), offline

    # The crowd: each writer tries both models on captions (the product's model menu), the fast one on hashtags.
    plan = [
        (user, "content_caption", model, TOPICS[i % 4], None) for i, user in enumerate(CROWD) for model in (SAGE, SWIFT, SAGE)
    ]
    plan += [(user, "content_hashtags", SWIFT, TOPICS[i % 4], None) for i, user in enumerate(CROWD)]
    # One try of each other offline model per task, so routing has rated every model it may pick (it tries an
    # unrated model before the rated ones: docs/routing.md).
    plan += [(CROWD[0], "content_caption", ECHO, TOPICS[0], None), (CROWD[1], "content_hashtags", SAGE, TOPICS[1], None)]
    plan += [(CROWD[2], "content_hashtags", ECHO, TOPICS[2], None)]
    plan += [(MAYA, "content_caption", model, TOPICS[i % 4], verdict) for i, (model, verdict) in enumerate(MAYA_CAPTIONS)]
    reactions = parallel(lambda step: react(app, *step), plan)
    verdicts = Counter(r["verdict"] for r in reactions)
    print(
        f"{len(reactions)} generations by {len(CROWD) + 1} writers: "
        + ", ".join(f"{n} {v}s" for v, n in sorted(verdicts.items()))
    )

    # The seed's "best model for task" query (mappings by recommendation, rank, suitability), with live figures.
    mappings = read.items("/v1/tasks/content_caption/models")
    print("\nModel mappings of content_caption (catalog and feedback)")
    print(
        table(
            [
                [
                    m["model_id"],
                    m["suitability_score"],
                    m["is_recommended"],
                    m["total_uses"],
                    m["total_likes"],
                    m["total_dislikes"],
                    m["total_regenerates"],
                ]
                for m in mappings
            ],
            ["model", "suitability", "recommended", "uses", "likes", "dislikes", "regenerates"],
        )
    )
    caption_stats = {m["model_id"]: m for m in mappings}
    assert caption_stats[SAGE]["total_likes"] == 6 and caption_stats[SAGE]["total_dislikes"] == 2, caption_stats[SAGE]
    assert caption_stats[SWIFT]["total_likes"] == 3 and caption_stats[SWIFT]["total_dislikes"] == 3, caption_stats[SWIFT]

    # The seed's "user's preferred model for task" query reads the preferences the hourly aggregation materialises;
    # run it now.
    admin.run_task("aggregate-metrics")
    preferences = read.get(f"/v1/analytics/users/{MAYA}/preferences", category_key="content_caption")["items"]
    print(f"\nPreferred model of {MAYA} for content_caption")
    print(
        table(
            [
                [p["model_id"], p["preference_score"], p["likes"], p["dislikes"], p["regenerates"], p["total_interactions"]]
                for p in preferences
            ],
            ["model", "preference", "likes", "dislikes", "regenerates", "interactions"],
        )
    )
    assert [p["model_id"] for p in preferences] == [SWIFT, SAGE], preferences
    assert (preferences[0]["likes"], preferences[1]["dislikes"], preferences[1]["regenerates"]) == (3, 2, 1), preferences

    # The live best-model query: routing ranks every model for the task and says why, once it has seen the last feedback.
    time.sleep(max(0.0, ROUTING_STATS_SECONDS - (time.monotonic() - max(r["routed_at"] for r in reactions))))
    best = {}
    for category in ("content_caption", "content_hashtags", "content_ideas"):
        best[category] = app.post("/v1/route", {"category_key": category, "user_id": "new-writer"})
    print("\nBest model per task (for a writer with no history)")
    print(
        table(
            [
                [
                    category,
                    answer["selected"]["model_id"],
                    answer["selected"]["selected_by"],
                    answer["selected"]["confidence_score"],
                    answer["candidates"][1]["model_id"] if len(answer["candidates"]) > 1 else "-",
                ]
                for category, answer in best.items()
            ],
            ["task", "best model", "selected by", "confidence", "runner-up"],
        )
    )
    top = best["content_caption"]["candidates"][0]
    print(f"why {top['model_id']} for captions: {'; '.join(top['reasons'])}")
    # Routing samples its estimates (Thompson sampling), so the pick may explore; the estimates themselves rank.
    for category, expected in (("content_caption", SAGE), ("content_hashtags", SWIFT)):
        leader = max(best[category]["candidates"], key=lambda c: c["estimated_satisfaction"])
        print(f"highest estimated satisfaction on {category}: {leader['model_id']} ({leader['estimated_satisfaction']:.2f})")
        assert leader["model_id"] == expected, best[category]

    # What routing makes of her taste: her own counters move with each feedback, so her next request knows it.
    routes = 20
    for_maya = Counter(
        app.post("/v1/route", {"category_key": "content_caption", "user_id": MAYA})["selected"]["model_id"] for _ in range(routes)
    )
    for_others = Counter(
        app.post("/v1/route", {"category_key": "content_caption", "user_id": "new-writer"})["selected"]["model_id"]
        for _ in range(routes)
    )
    caption = generate(app, MAYA, "content_caption", None, "weekend workshop")
    print(f"Routing for {MAYA}: {SWIFT} in {for_maya[SWIFT]} of {routes} routes; for a new writer in {for_others[SWIFT]}.")
    print(f"Her next caption came from {caption['model_id']} ({caption['selected_by']}): {caption['output'][:70]!r}")

    # Each route is a Thompson sample, so 20 of them may go either way; her preference itself is deterministic.
    def swift_reasons(user: str) -> list[str]:
        answer = app.post("/v1/route", {"category_key": "content_caption", "user_id": user})
        return next(c["reasons"] for c in answer["candidates"] if c["model_id"] == SWIFT)

    print(f"Why {SWIFT} for {MAYA}: {'; '.join(swift_reasons(MAYA))}")
    assert any(r.startswith("this user's feedback on it") for r in swift_reasons(MAYA)), swift_reasons(MAYA)
    assert not any(r.startswith("this user's feedback on it") for r in swift_reasons("new-writer"))

    # The seed's model performance report: the all-time aggregates per model and task (the stored roll-ups plus what
    # came since the last aggregation, so maya's last caption is in), best recommended first.
    aggregates = read.items("/v1/analytics/models", period="all_time")
    aggregates.sort(key=lambda a: -(a["recommendation_score"] or 0))
    print("\nPerformance aggregates (all time)")
    print(
        table(
            [
                [
                    a["model_id"],
                    a["category_key"],
                    a["total_requests"],
                    a["total_tokens"],
                    a["like_count"],
                    a["dislike_count"],
                    a["regenerate_count"],
                    a["like_ratio"],
                    a["average_speed_ms"],
                    a["satisfaction_score"],
                    a["recommendation_score"],
                ]
                for a in aggregates
            ],
            [
                "model",
                "task",
                "requests",
                "tokens",
                "likes",
                "dislikes",
                "regen",
                "like ratio",
                "avg ms",
                "satisfaction",
                "recommend",
            ],
        )
    )
    by_pair = {(a["model_id"], a["category_key"]): a for a in aggregates}
    # 9 and 6 planned captions, and her last caption on the model routing picked for it.
    last = {SAGE: int(caption["model_id"] == SAGE), SWIFT: int(caption["model_id"] == SWIFT)}
    assert by_pair[(SAGE, "content_caption")]["total_requests"] == 9 + last[SAGE], by_pair[(SAGE, "content_caption")]
    assert by_pair[(SWIFT, "content_caption")]["total_requests"] == 6 + last[SWIFT], by_pair[(SWIFT, "content_caption")]
    assert by_pair[(SAGE, "content_caption")]["like_ratio"] == 0.75, by_pair[(SAGE, "content_caption")]
    assert by_pair[(SWIFT, "content_hashtags")]["like_ratio"] == 1.0, by_pair[(SWIFT, "content_hashtags")]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
