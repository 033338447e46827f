"""The training loop closes offline, over HTTP on the real local stack: generations with feedback and corrections,
a redacted dataset, a local fine-tuning job, the new model in the catalog, an experiment of the base model against
it, and on the training inputs the new model's answers score better than the base model's (token F1)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from statistics import mean
from typing import Any

import pytest

from chalicelib.training.local_model import token_f1
from tests.e2e.conftest import ROOT_KEY, LocalStack, start_stack

pytestmark = pytest.mark.e2e

OCCASIONS = ["a wedding", "a birthday", "an anniversary", "a graduation", "mothers day", "a retirement"]
STYLES = ["romantic", "rustic", "modern", "vintage"]


def ok(reply: Any, status: int = 200) -> Any:
    assert reply.status_code == status, reply.text
    return reply.json()


def test_the_loop_closes_offline(tmp_path: Path) -> None:
    stack = start_stack(tmp_path)
    try:
        run_loop(stack)
    finally:
        code, output = stack.stop()
    assert code == 0, output


def run_loop(stack: LocalStack) -> None:
    admin = ok(stack.call("POST", "/v1/tenants", key=ROOT_KEY, json={"name": "Florist", "domain": "loop.example"}), 201)[
        "api_key"
    ]["key"]
    app = ok(stack.call("POST", "/v1/api-keys", key=admin, json={"name": "backend", "role": "app"}), 201)["key"]

    # 1. Generations with the base model; each florist rates the caption and writes the one they wanted (with a phone number).
    for i in range(12):
        user = f"florist-{i % 4}"
        variables = {"style": STYLES[i % 4], "flowers": "roses", "colors": "pink", "occasion": OCCASIONS[i % 6] + f" no. {i}"}
        generated = ok(
            stack.call(
                "POST",
                "/v1/generations",
                key=app,
                json={
                    "user_id": user,
                    "category_key": "content_caption",
                    "prompt_name": "bouquet-basic",
                    "variables": variables,
                    "model_id": "local:sage",
                },
            ),
            201,
        )
        wanted = f"Pink roses, {STYLES[i % 4]} and fresh, for {OCCASIONS[i % 6]}. Order on +44 20 7946 0958 today."
        ok(stack.call("PATCH", f"/v1/sessions/{generated['session_id']}", key=app, json={"corrected_output": wanted}))
        ok(
            stack.call("POST", f"/v1/sessions/{generated['session_id']}/feedback", key=app, json={"user_id": user, "rating": 5}),
            201,
        )

    # 2. A dataset: redacted, split by user, JSONL in S3.
    dataset = ok(
        stack.call("POST", "/v1/training/datasets", key=admin, json={"days": 1, "min_rating": 4, "validation_split": 0.25}), 201
    )
    assert dataset["train_count"] + dataset["validation_count"] == 12 and dataset["validation_count"] > 0
    download = stack.call("GET", f"/v1/training/datasets/{dataset['id']}/download?split=train", key=admin)
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("application/x-ndjson")
    assert "7946" not in download.text and "[PHONE]" in download.text
    lines = [json.loads(line) for line in download.text.splitlines()]
    assert len(lines) == dataset["train_count"]
    assert all([m["role"] for m in line["messages"]] == ["user", "assistant"] for line in lines)

    # 3. A local fine-tuning job, advanced by poll-training-jobs (the local scheduler may get there first).
    job = ok(
        stack.call("POST", "/v1/training/jobs", key=admin, json={"dataset_id": dataset["id"], "base_model": "local:sage"}), 201
    )
    assert job["status"] == "pending"
    deadline = time.monotonic() + 60
    while True:
        stack.call("POST", "/v1/scheduler/tasks/poll-training-jobs/run", key=admin)  # 409 while the scheduler runs it
        job = ok(stack.call("GET", f"/v1/training/jobs/{job['id']}", key=admin))
        if job["status"] not in ("pending", "running") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert job["status"] == "succeeded", job

    # 4. The new model is in the catalog, and an experiment tests it against its base.
    model = ok(stack.call("GET", f"/v1/models/{job['model_id']}", key=admin))
    assert model["provider"] == "local" and model["available"] is True
    experiment = ok(stack.call("POST", f"/v1/training/jobs/{job['id']}/experiment", key=admin, json={}), 201)
    assert {v["model_id"] for v in experiment["variants"]} == {"local:sage", job["model_id"]}
    in_experiment = ok(
        stack.call(
            "POST",
            "/v1/generations",
            key=app,
            json={"user_id": "florist-9", "category_key": "content_caption", "prompt": "x", "experiment_id": experiment["id"]},
        ),
        201,
    )
    assert in_experiment["experiment_id"] == experiment["id"] and in_experiment["model_id"] in {"local:sage", job["model_id"]}

    # 5. On the training inputs, the new model's answers score better than the base model's, under the same scoring.
    def answer(model_id: str, prompt: str) -> str:
        body = {
            "user_id": "evaluator",
            "category_key": "content_caption",
            "prompt": prompt,
            "model_id": model_id,
            "max_tokens": 400,
        }
        return ok(stack.call("POST", "/v1/generations", key=app, json=body), 201)["output"]  # type: ignore[no-any-return]

    base, tuned = [], []
    for line in lines:
        prompt, expected = line["messages"][0]["content"], line["messages"][-1]["content"]
        base.append(token_f1(answer("local:sage", prompt), expected))
        tuned.append(token_f1(answer(job["model_id"], prompt), expected))
    assert mean(tuned) > mean(base) + 0.3, (mean(tuned), mean(base))
    assert mean(tuned) == pytest.approx(job["metrics"]["train"]["fine_tuned_token_f1"], abs=1e-6)
    assert mean(base) == pytest.approx(job["metrics"]["train"]["base_token_f1"], abs=1e-6)
