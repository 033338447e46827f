"""Seed 001, a design editor's "TRUE AI Resize" that learns from its users, driven through the public API.

The editor calls its own AI for each resize and records it as a session; users give stars, thumbs, a
helpful flag and fix the result by hand. Two prompts are A/B tested, each user keeping the prompt they
were first given; the daily optimiser moves the traffic toward the better prompt, the results say how
sure that is, a third prompt joins, and retraining analyses what separates good resizes from bad ones
and proposes a prompt of its own.

    .venv/bin/python examples/ai_resize.py --url http://127.0.0.1:8000 --key <the root key make run prints>
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from _client import Client, arguments, new_tenant, table

T = TypeVar("T")
R = TypeVar("R")

CATEGORY = "ai_resize"
USERS = 24
# The simulation: the share of users each prompt satisfies (the enhanced prompt is the better one).
SATISFIED = {"original": 0.2, "enhanced-v1": 0.9}
ORIGINAL = "Resize this design from {currentWidth}x{currentHeight} to {targetWidth}x{targetHeight}. Keep every element."
ENHANCED = (
    "Resize this design from {currentWidth}x{currentHeight} to {targetWidth}x{targetHeight}. Keep every element, "
    "respect margins and the visual hierarchy, and place the focal element on the golden ratio."
)
ADVANCED = (
    "Resize from {currentWidth}x{currentHeight} to {targetWidth}x{targetHeight}: reflow text blocks, keep logos "
    "at their relative size, align to a 12-column grid and keep the focal element on the golden ratio."
)
# What the editor's AI reports it did; retraining looks for what the best-rated resizes have in common.
GOOD_CHANGES = ["kept safe margins", "aligned blocks to the grid", "kept the logo whole"]
POOR_CHANGES = ["scaled everything to fit", "cropped the edges"]
FORMATS = [((1080, 1080), (1080, 1920)), ((1920, 1080), (1080, 1080)), ((1080, 1350), (1200, 628))]


def parallel(work: Callable[[T], R], items: Iterable[T], workers: int = 4) -> list[R]:
    """The same call for many users at once, as many editors would make it; answers in the items' order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, items))


def satisfied(variant_id: str, index: int) -> bool:
    """Whether the index-th user of a variant likes their resize: exactly round(n x rate) of the first n do."""
    rate = SATISFIED[variant_id]
    return int((index + 1) * rate + 0.5) > int(index * rate + 0.5)


def start_experiment(admin: Client) -> dict[str, Any]:
    return admin.post(
        "/v1/experiments",
        {
            "name": "AI resize prompts",
            "category_key": CATEGORY,
            "metric": "success",
            "auto_optimize": True,
            "min_exploration": 0.05,
            "min_rated_per_arm": 3,
            "variants": [
                {"id": "original", "name": "Original Prompt", "prompt": ORIGINAL, "weight": 50, "is_control": True},
                {"id": "enhanced-v1", "name": "Enhanced Prompt v1", "prompt": ENHANCED, "weight": 50},
            ],
        },
    )


def resize(app: Client, experiment_id: str, user: str, assignment: dict[str, Any], happy: bool, index: int) -> dict[str, Any]:
    """One resize as the editor records it: the session, the user's feedback and, when unhappy, their fixes."""
    (width, height), (target_width, target_height) = FORMATS[index % len(FORMATS)]
    prompt = assignment["prompt"].format(
        currentWidth=width, currentHeight=height, targetWidth=target_width, targetHeight=target_height
    )
    objects = 5 + index % 4 if happy else 11 + index % 6  # busy canvases come out worse, which retraining should find
    session = app.post(
        "/v1/sessions",
        {
            "user_id": user,
            "project_id": f"project-{index % 7}",
            "category_key": CATEGORY,
            "experiment_id": experiment_id,
            "variant_id": assignment["variant_id"],
            "input": {"prompt": prompt, "canvas": {"width": width, "height": height, "objects": objects}},
            "target": {"width": target_width, "height": target_height},
            "output": {
                "canvas": {"width": target_width, "height": target_height, "objects": objects},
                "changes": GOOD_CHANGES if happy else POOR_CHANGES,
            },
            "processing_time_ms": 2400 + 150 * objects,
            "features": {"objects": objects, "text_layers": objects // 4, "orientation_change": width != target_width},
        },
    )
    session_id = session["session_id"]
    if happy:
        signal: dict[str, Any] = {"rating": 5, "helpful": True} if index % 3 else {"thumbs": "up"}
        feedback = app.post(f"/v1/sessions/{session_id}/feedback", {"user_id": user, **signal, "text": "looks right"})
    else:
        signal = {"rating": 2, "helpful": False} if index % 2 else {"thumbs": "down"}
        feedback = app.post(f"/v1/sessions/{session_id}/feedback", {"user_id": user, **signal, "text": "logo cut off"})
        app.call(
            "PATCH",
            f"/v1/sessions/{session_id}",
            json={"manual_corrections": [{"action": "move", "layer": "logo"}, {"action": "resize", "layer": "title"}]},
        )
    return {"session_id": session_id, "variant_id": assignment["variant_id"], "quality_score": feedback["quality_score"]}


def main(argv: Sequence[str]) -> int:
    options = arguments(__doc__.splitlines()[0], argv)
    admin = new_tenant(options.url, options.key, "Design Editor")
    app = admin.with_key(admin.post("/v1/api-keys", {"name": "editor backend", "role": "app"})["key"])
    read = admin.with_key(admin.post("/v1/api-keys", {"name": "training analytics", "role": "read"})["key"])

    experiment = start_experiment(admin)
    experiment_id = experiment["id"]
    print(f"A/B test {experiment['name']!r} ({experiment_id}): {len(experiment['variants'])} prompts, 50/50")

    users = [f"designer-{i:03d}" for i in range(USERS)]
    assignments = parallel(lambda user: app.post(f"/v1/experiments/{experiment_id}/assign", {"user_id": user}), users)
    seen: dict[str, int] = {}
    plan = []
    for index, (user, assignment) in enumerate(zip(users, assignments, strict=True)):
        rank = seen[assignment["variant_id"]] = seen.get(assignment["variant_id"], -1) + 1
        plan.append((user, assignment, satisfied(assignment["variant_id"], rank), index))
    resizes = parallel(lambda step: resize(app, experiment_id, *step), plan)
    corrected = sum(1 for _, _, happy, _ in plan if not happy)
    print(f"{len(resizes)} AI resizes by {USERS} designers, each rated; {corrected} fixed by hand afterwards\n")

    # The daily optimisation, run now instead of waiting for its schedule.
    admin.run_task("optimize-experiments")
    experiment = read.get(f"/v1/experiments/{experiment_id}")
    shares = {v["id"]: v["traffic_share"] for v in experiment["variants"]}
    results = read.get(f"/v1/experiments/{experiment_id}/results")
    print("Variant performance")
    print(
        table(
            [
                [
                    v["variant_id"],
                    v["sessions"],
                    v["feedback_count"],
                    v["successes"],
                    v["success_rate"],
                    v["average_rating"],
                    shares[v["variant_id"]],
                ]
                for v in results["variants"]
            ],
            ["variant", "sessions", "feedback", "successes", "success rate", "avg stars", "traffic share"],
        )
    )
    history = read.items(f"/v1/experiments/{experiment_id}/history")
    print("\nTraffic weights, period by period (the optimiser sets them to each prompt's chance of being best)")
    print(
        table(
            [
                [p["period"], p["reason"], p["trigger"], *(p["traffic_shares"].get(v) for v in SATISFIED)]
                for p in reversed(history)
            ],
            ["period", "reason", "trigger", *SATISFIED],
        )
    )
    print()

    comparison = results["comparisons"][0]
    print("Significance (enhanced-v1 against the original prompt)")
    print(
        table(
            [
                ["lift", f"{comparison['lift']:+.1%}"],
                ["95% interval of the difference", f"[{comparison['ci95'][0]:+.3f}, {comparison['ci95'][1]:+.3f}]"],
                ["p-value (two-proportion z-test)", f"{comparison['p_value']:.2g}"],
                ["confidence", f"{comparison['confidence']:.2%}"],
                ["significant at 95%", comparison["significant"]],
                ["chance to beat the original", f"{comparison['chance_to_beat_control']:.2%}"],
                ["always-valid p-value", f"{comparison['always_valid_p_value']:.2g}"],
            ],
            ["figure", "value"],
        )
    )
    assert comparison["variant_id"] == "enhanced-v1" and comparison["control_id"] == "original", comparison
    assert comparison["significant"] is True and comparison["chance_to_beat_control"] > 0.99, comparison
    print(f"enhanced-v1 beats the original prompt, significant at 95% (p = {comparison['p_value']:.2g})")
    assert shares["enhanced-v1"] > 0.9 and abs(shares["original"] - 0.05) < 1e-6, shares
    print(f"\nTraffic moved to the better prompt: enhanced-v1 now gets {shares['enhanced-v1']:.0%} of new designers")

    # Sticky assignment: the designers already in the test keep their prompt whatever the weights are now.
    again = parallel(lambda user: app.post(f"/v1/experiments/{experiment_id}/assign", {"user_id": user}), users[:6])
    assert [a["variant_id"] for a in again] == [a["variant_id"] for a in assignments[:6]], "assignment is not sticky"
    newcomers = parallel(
        lambda i: app.post(f"/v1/experiments/{experiment_id}/assign", {"user_id": f"newcomer-{i:02d}"})["variant_id"], range(10)
    )
    print(f"Returning designers keep their prompt (6 of 6); 10 newcomers: {newcomers.count('enhanced-v1')} get enhanced-v1")
    assert newcomers.count("enhanced-v1") >= 6, newcomers

    # A third prompt joins with a quarter of new designers: its weight is a third of the others' sum.
    active = sum(v["weight"] for v in experiment["variants"] if v["active"])
    advanced = admin.post(
        f"/v1/experiments/{experiment_id}/variants",
        {"id": "advanced-v2", "name": "Advanced Prompt v2", "prompt": ADVANCED, "weight": round(active / 3, 6)},
    )
    assert abs(advanced["traffic_share"] - 0.25) < 1e-3, advanced

    retrained = admin.post("/v1/retrain", {"days": 30, "min_rating": 1})
    dataset, job, patterns = retrained["dataset"], retrained["job"], retrained["patterns"]
    assert retrained["new_variants"], retrained["skipped_variants"]
    new_variant = retrained["new_variants"][0]
    if job is not None:
        # The poller runs every 5 minutes; run it now. The offline provider trains within the run.
        admin.run_task("poll-training-jobs")
        job = read.get(f"/v1/training/jobs/{job['job_id']}")
        assert job["status"] in ("succeeded", "failed", "cancelled"), job
    print("\nRetraining over the last 30 days")
    print(
        table(
            [
                ["dataset", dataset["dataset_id"]],
                ["training / validation examples", f"{dataset['train_count']} / {dataset['validation_count']}"],
                [
                    "fine-tuning job",
                    f"{job['job_id']}: {job['status']}, model {job['model_id']}" if job else retrained["job_skipped"],
                ],
                [
                    "new prompt variant",
                    f"{new_variant['variant_id']} ({new_variant['written_by']}), {new_variant['traffic_share']:.0%}",
                ],
            ],
            ["step", "result"],
        )
    )
    print("What separates good resizes from bad ones:")
    for insight in patterns["insights"][:4]:
        print(f"  - {insight}")
    print(f"The retrained prompt adds: {new_variant['prompt'].split(chr(10))[-1]}")

    experiment = read.get(f"/v1/experiments/{experiment_id}")
    print("\nThe experiment now")
    print(
        table(
            [
                [v["id"], v["name"], v["weight"], v["traffic_share"], "control" if v["is_control"] else ""]
                for v in experiment["variants"]
            ],
            ["variant", "name", "weight", "traffic share", ""],
        )
    )

    summary = read.get("/v1/analytics/summary", days=30)
    print("\nTraining analytics (last 30 days)")
    print(
        table(
            [
                ["total sessions", summary["total_sessions"], ""],
                ["feedback rate", f"{summary['feedback_rate']:.0%}", "> 50%"],
                ["average rating", summary["average_rating"], ""],
                ["success rate", f"{summary['success_rate']:.0%}", "> 70%"],
                [
                    "processing time p50 / p95 ms",
                    f"{summary['processing_time_ms']['p50']:.0f} / {summary['processing_time_ms']['p95']:.0f}",
                    "< 10000",
                ],
            ],
            ["metric", "value", "target"],
        )
    )
    assert summary["total_sessions"] == USERS and summary["rated_sessions"] == USERS, summary
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
