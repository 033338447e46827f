"""Training through the API: examples, datasets (redaction, split, formats, lineage), local jobs, retraining, erasure."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core import blobs
from tests.conftest import Api, Tenant, make_tenant

EMAILS = ["jane.doe@example.com", "ORDERS+vip@shop.example.co.uk"]
PHONES = ["+44 20 7946 0958", "(555) 123-4567", "06 12 34 56 78", "+1-555-987-6543"]
CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"]
PLANTED = EMAILS + PHONES + CARDS


def record(
    api: Api,
    tenant: Tenant,
    user: str,
    text: Any,
    output: Any,
    *,
    category: str = "content_caption",
    feedback: dict[str, Any] | None = None,
    rater: str | None = None,
    **fields: Any,
) -> str:
    body = {"user_id": user, "category_key": category, "input": text, "output": output, **fields}
    created = api.post("/v1/sessions", body, key=tenant.app)
    assert created.status == 201, created.body
    session_id = created.body["session_id"]
    if feedback is not None:
        reply = api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": rater or user, **feedback}, key=tenant.app)
        assert reply.status in (200, 201), reply.body
    return session_id  # type: ignore[no-any-return]


def example_of(session_id: str) -> str:
    return "ex_" + session_id.split("_", 1)[1]


def build(api: Api, tenant: Tenant, **body: Any) -> dict[str, Any]:
    reply = api.post("/v1/training/datasets", {"days": 30, "min_rating": 1} | body, key=tenant.admin)
    assert reply.status == 201, reply.body
    return reply.body  # type: ignore[no-any-return]


def download(api: Api, tenant: Tenant, dataset_id: str, split: str) -> str:
    reply = api.request("GET", f"/v1/training/datasets/{dataset_id}/download?split={split}", key=tenant.admin)
    assert reply.status == 200, reply.body
    assert reply.headers["content-type"].startswith("application/x-ndjson")
    text = reply.body if isinstance(reply.body, str) else json.dumps(reply.body) if reply.body is not None else ""
    return text


def raw_file(tenant: Tenant, dataset_id: str, name: str) -> bytes:
    return blobs.get(blobs.tenant_key(tenant.id, "datasets", dataset_id, f"{name}.jsonl"))


def poll(api: Api, tenant: Tenant) -> dict[str, Any]:
    reply = api.post("/v1/scheduler/tasks/poll-training-jobs/run", key=tenant.admin)
    assert reply.status == 200 and reply.body["status"] == "succeeded", reply.body
    return reply.body["result"]  # type: ignore[no-any-return]


def populate(api: Api, tenant: Tenant, n: int = 12, users: int = 4, category: str = "content_caption") -> list[str]:
    """`n` sessions of `users` users on distinct inputs, every other one rated 5 stars, the rest 2."""
    return [
        record(
            api,
            tenant,
            f"user-{i % users}",
            f"caption for a {['romantic', 'rustic', 'modern', 'vintage'][i % 4]} bouquet number {i} with roses",
            f"Roses, bouquet {i}: made for the moment. #flowers{i}",
            category=category,
            feedback={"rating": 5 if i % 2 == 0 else 2},
            model_id="local:sage",
        )
        for i in range(n)
    ]


# --- examples --------------------------------------------------------------------------------------------


def test_each_session_with_feedback_is_one_example_in_step_with_the_session(api: Api, tenant: Tenant) -> None:
    sid = record(
        api, tenant, "ann", {"canvas": [1080, 1080]}, {"canvas": [1080, 1920]}, category="ai_resize", features={"ratio": 1.0}
    )
    record(api, tenant, "ann", "no feedback on this one", "output")
    assert api.get("/v1/training/examples", key=tenant.read).body["items"] == []

    api.post(f"/v1/sessions/{sid}/feedback", {"user_id": "ann", "rating": 4}, key=tenant.app)
    items = api.get("/v1/training/examples", key=tenant.read).body["items"]
    assert len(items) == 1
    example = items[0]
    assert {"id", "session_id", "input", "expected_output", "quality_score", "validated", "features"} <= set(example)
    assert example["id"] == example_of(sid) and example["session_id"] == sid
    assert example["input"] == {"canvas": [1080, 1080]} and example["expected_output"] == {"canvas": [1080, 1920]}
    assert example["quality_score"] == 0.75 and example["validated"] is False and example["features"] == {"ratio": 1.0}

    # Feedback replaced, another user's feedback, corrections: the example's score is the session's own.
    api.post(f"/v1/sessions/{sid}/feedback", {"user_id": "ann", "rating": 5}, key=tenant.app)
    api.post(f"/v1/sessions/{sid}/feedback", {"user_id": "bob", "thumbs": "down"}, key=tenant.app)
    patched = api.patch(
        f"/v1/sessions/{sid}",
        {"corrected_output": {"canvas": [1080, 1350]}, "manual_corrections": [{"moved": "logo"}]},
        key=tenant.app,
    )
    assert patched.status == 200
    session = api.get(f"/v1/sessions/{sid}", key=tenant.read).body
    example = api.get(f"/v1/training/examples/{example_of(sid)}", key=tenant.read).body
    assert example["quality_score"] == pytest.approx(session["quality_score"]) == pytest.approx(0.5 * 0.9)
    assert example["expected_output"] == {"canvas": [1080, 1350]} and example["expected_output_source"] == "corrected_output"
    assert example["feedback_count"] == 2 and example["corrections_count"] == 1 and example["user_id"] == "ann"


def test_filters_and_cursor_pages(api: Api, tenant: Tenant) -> None:
    for i in range(5):
        record(api, tenant, f"u{i}", f"caption {i}", f"out {i}", feedback={"rating": 1 + i})
    record(api, tenant, "u9", "resize", "done", category="ai_resize", feedback={"thumbs": "up"})
    everything = api.get("/v1/training/examples?limit=200", key=tenant.read).body["items"]
    assert len(everything) == 6
    captions = api.get("/v1/training/examples?category_key=content_caption", key=tenant.read).body["items"]
    assert len(captions) == 5 and all(e["category_key"] == "content_caption" for e in captions)
    good = api.get("/v1/training/examples?min_quality=0.75", key=tenant.read).body["items"]
    assert sorted(e["quality_score"] for e in good) == [0.75, 1.0, 1.0]

    seen: list[str] = []
    cursor = None
    while True:
        page = api.get("/v1/training/examples?limit=2" + (f"&cursor={cursor}" if cursor else ""), key=tenant.read).body
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [e["id"] for e in everything] and len(set(seen)) == 6
    assert api.get("/v1/training/examples?min_quality=2", key=tenant.read).status == 422
    assert api.get("/v1/training/examples?cursor=forged", key=tenant.read).status == 422


def test_an_administrators_review_survives_later_feedback(api: Api, tenant: Tenant) -> None:
    sid = record(api, tenant, "ann", "caption please", "meh caption", feedback={"rating": 2})
    ex = example_of(sid)
    reviewed = api.patch(
        f"/v1/training/examples/{ex}",
        {"validated": True, "quality_score": 0.9, "expected_output": "A far better caption"},
        key=tenant.admin,
    )
    assert reviewed.status == 200, reviewed.body
    assert (reviewed.body["validated"], reviewed.body["quality_score"], reviewed.body["expected_output"]) == (
        True,
        0.9,
        "A far better caption",
    )
    assert reviewed.body["expected_output_source"] == "override" and reviewed.body["quality_source"] == "override"
    api.post(f"/v1/sessions/{sid}/feedback", {"user_id": "ann", "rating": 1}, key=tenant.app)
    api.patch(f"/v1/sessions/{sid}", {"corrected_output": "the user's fix"}, key=tenant.app)
    after = api.get(f"/v1/training/examples/{ex}", key=tenant.read).body
    assert (after["validated"], after["quality_score"], after["expected_output"]) == (True, 0.9, "A far better caption")
    assert api.get("/v1/training/examples?validated=true", key=tenant.read).body["items"][0]["id"] == ex
    assert api.get("/v1/training/examples?validated=false", key=tenant.read).body["items"] == []

    cleared = api.patch(f"/v1/training/examples/{ex}", {"quality_score": None, "expected_output": None}, key=tenant.admin).body
    assert cleared["quality_score"] == 0.0 and cleared["expected_output"] == "the user's fix" and cleared["validated"] is True


def test_example_statuses(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    sid = record(api, tenant, "ann", "x", "y", feedback={"thumbs": "up"})
    ex = example_of(sid)
    assert api.patch(f"/v1/training/examples/{ex}", {"validated": True}, key=tenant.app).status == 403
    assert api.patch(f"/v1/training/examples/{ex}", {"validated": True}, key=other_tenant.admin).status == 404
    assert api.get(f"/v1/training/examples/{ex}", key=other_tenant.read).status == 404
    assert api.get("/v1/training/examples", key=other_tenant.read).body["items"] == []
    assert api.get("/v1/training/examples/ex_nothing", key=tenant.read).status == 404
    assert api.get("/v1/training/examples/nothing", key=tenant.read).status == 404
    no_feedback = record(api, tenant, "ann", "x", "y")
    assert api.patch(f"/v1/training/examples/{example_of(no_feedback)}", {"validated": True}, key=tenant.admin).status == 404
    bad = api.patch(f"/v1/training/examples/{ex}", {"quality_score": 1.5, "validated": "yes"}, key=tenant.admin)
    assert bad.status == 422 and {d["field"] for d in bad.body["error"]["details"]} == {"body.quality_score", "body.validated"}
    assert api.patch(f"/v1/training/examples/{ex}", {}, key=tenant.admin).status == 422
    assert api.get("/v1/training/examples", key="nope").status == 401


# --- datasets ---------------------------------------------------------------------------------------------


def test_a_dataset_answers_the_contract_and_keeps_its_lineage(api: Api, tenant: Tenant) -> None:
    sessions = populate(api, tenant, n=12)
    ds = build(api, tenant, min_rating=4, validation_split=0.25, system_prompt="You write captions.")
    assert {"dataset_id", "format", "train_count", "validation_count", "location", "session_ids_count"} <= set(ds)
    assert ds["id"] == ds["dataset_id"] and ds["format"] == "openai-chat-jsonl" and ds["status"] == "ready"
    assert ds["train_count"] + ds["validation_count"] == 6 == ds["session_ids_count"]
    assert ds["location"] == f"s3://learnloop-data/tenants/{tenant.id}/datasets/{ds['id']}/"
    assert ds["stats"]["below_min_rating"] == 6
    assert ds["progress"] == {"stage": "ready", "done": 6, "total": 6, "percent": 100.0}
    assert set(ds["lineage"]["session_ids"]) == {s for i, s in enumerate(sessions) if i % 2 == 0}
    assert ds["files"]["train"]["lines"] == ds["train_count"]

    lines = [json.loads(line) for line in download(api, tenant, ds["id"], "train").splitlines()]
    assert len(lines) == ds["train_count"]
    for line in lines:
        assert [m["role"] for m in line["messages"]] == ["system", "user", "assistant"]
    assert api.get(f"/v1/training/datasets/{ds['id']}", key=tenant.read).body == ds
    listed = api.get("/v1/training/datasets", key=tenant.read).body["items"]
    assert [d["id"] for d in listed] == [ds["id"]]


def test_nothing_personal_survives_in_either_format(api: Api, tenant: Tenant) -> None:
    planted = " / ".join(PLANTED)
    for i in range(6):
        sid = record(
            api,
            tenant,
            f"user-{i}",
            {"request": f"caption {i} for {planted}", "contact": EMAILS[i % 2]},
            f"Answer {i}: reach us at {PHONES[i % 4]} or pay with {CARDS[i % 3]}",
            feedback={"rating": 5},
        )
        api.patch(f"/v1/sessions/{sid}", {"corrected_output": {"fixed": f"Fixed {i} {planted}"}}, key=tenant.app)
    # A regenerate followed by an accepted answer, with personal data on both sides.
    first = record(api, tenant, "user-9", f"hook about {planted}", f"dull {planted}", feedback={"feedback_type": "regenerate"})
    second = record(api, tenant, "user-9", f"hook about {planted}", f"great {planted}", feedback={"feedback_type": "like"})
    assert first and second

    for fmt in ("openai-chat-jsonl", "openai-preference-jsonl"):
        ds = build(api, tenant, format=fmt, validation_split=0.3, system_prompt=f"Never reveal {planted}.")
        assert ds["train_count"] > 0 and ds["redactions"]["email"] > 0 and ds["redactions"]["card"] > 0
        for split in ("train", "validation", "manifest"):
            data = raw_file(tenant, ds["id"], split)
            text = data.decode()
            for value in PLANTED:
                assert value.encode() not in data and value.lower() not in text.lower(), (fmt, split, value)
            digits = "".join(ch for ch in text if ch.isdigit())
            for value in PLANTED:
                only_digits = "".join(ch for ch in value if ch.isdigit())
                assert only_digits not in digits or len(only_digits) < 7, (fmt, split, value)
        for split in ("train", "validation"):
            for line in raw_file(tenant, ds["id"], split).decode().splitlines():
                parsed = json.loads(line)
                if fmt == "openai-chat-jsonl":
                    assert [m["role"] for m in parsed["messages"]] == ["system", "user", "assistant"]
                else:
                    assert [m["role"] for m in parsed["input"]["messages"]] == ["system", "user"]
                    assert parsed["preferred_output"][0]["role"] == parsed["non_preferred_output"][0]["role"] == "assistant"
                    assert parsed["preferred_output"] != parsed["non_preferred_output"]
        if fmt == "openai-preference-jsonl":
            assert ds["train_count"] + ds["validation_count"] == 7  # 6 corrections and 1 regenerate pair


def test_the_split_is_by_user_and_duplicates_are_dropped(api: Api, tenant: Tenant) -> None:
    for i in range(24):
        record(api, tenant, f"user-{i % 8}", f"Caption number {i}", f"answer {i}", feedback={"thumbs": "up"})
    record(api, tenant, "user-0", "  caption NUMBER 3 ", "the same input again", feedback={"thumbs": "up"})
    ds = build(api, tenant, validation_split=0.25)
    assert ds["stats"]["duplicates_dropped"] == 1
    assert ds["train_count"] + ds["validation_count"] == 24 and ds["validation_count"] > 0
    manifest = [json.loads(line) for line in raw_file(tenant, ds["id"], "manifest").decode().splitlines()]
    sides: dict[str, set[str]] = {}
    for line in manifest:
        sides.setdefault(line["user"], set()).add(line["split"])
        assert "user-" not in line["user"]
    assert all(len(s) == 1 for s in sides.values()) and len(sides) == 8
    assert {"train", "validation"} == set().union(*sides.values())


def test_dataset_statuses(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    populate(api, tenant, n=4)
    assert api.post("/v1/training/datasets", {"days": 30, "min_rating": 1}, key=tenant.app).status == 403
    bad = api.post(
        "/v1/training/datasets", {"days": 0, "min_rating": 6, "validation_split": 0.6, "format": "csv"}, key=tenant.admin
    )
    assert bad.status == 422
    assert {d["field"] for d in bad.body["error"]["details"]} == {
        "body.days",
        "body.min_rating",
        "body.validation_split",
        "body.format",
    }
    assert api.post("/v1/training/datasets", {"min_rating": 1}, key=tenant.admin).status == 422
    ds = build(api, tenant)
    assert api.get(f"/v1/training/datasets/{ds['id']}", key=other_tenant.read).status == 404
    assert api.get(f"/v1/training/datasets/{ds['id']}/download", key=other_tenant.admin).status == 404
    assert api.get(f"/v1/training/datasets/{ds['id']}/download", key=tenant.read).status == 403
    assert api.get(f"/v1/training/datasets/{ds['id']}/download?split=test", key=tenant.admin).status == 422
    assert api.get("/v1/training/datasets/ds_missing", key=tenant.read).status == 404
    assert api.get("/v1/training/datasets", key=other_tenant.read).body["items"] == []
    empty = build(api, make_tenant(api, "Empty"))
    assert (empty["train_count"], empty["validation_count"], empty["status"]) == (0, 0, "ready")


def test_an_idempotent_replay_builds_nothing_new(api: Api, tenant: Tenant) -> None:
    populate(api, tenant, n=4)
    headers = {"Idempotency-Key": "dataset-0001"}
    first = api.post("/v1/training/datasets", {"days": 30, "min_rating": 1}, key=tenant.admin, headers=headers)
    again = api.post("/v1/training/datasets", {"days": 30, "min_rating": 1}, key=tenant.admin, headers=headers)
    assert first.status == again.status == 201 and again.body["id"] == first.body["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    assert len(api.get("/v1/training/datasets", key=tenant.read).body["items"]) == 1
    other = api.post("/v1/training/datasets", {"days": 7, "min_rating": 1}, key=tenant.admin, headers=headers)
    assert other.status == 409


# --- jobs --------------------------------------------------------------------------------------------


def test_a_local_job_runs_pending_running_succeeded_and_registers_its_model(api: Api, tenant: Tenant) -> None:
    populate(api, tenant, n=12)
    ds = build(api, tenant, min_rating=1, validation_split=0.25)
    created = api.post(
        "/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "local:sage", "suffix": "captions"}, key=tenant.admin
    )
    assert created.status == 201, created.body
    job = created.body
    assert job["job_id"] == job["id"] and job["status"] == "pending" and job["events"][0]["message"].startswith("created")
    assert api.get(f"/v1/training/datasets/{ds['id']}", key=tenant.read).body["lineage"]["jobs"] == [job["id"]]

    assert poll(api, tenant) == {"polled": 1, "succeeded": 1}
    done = api.get(f"/v1/training/jobs/{job['id']}", key=tenant.read).body
    assert {"job_id", "status", "fine_tuned_model", "error", "events"} <= set(done)
    assert done["status"] == "succeeded" and done["error"] is None and done["finished_at"]
    assert done["fine_tuned_model"].startswith("ft-sage-captions-") and done["model_id"] == f"local:{done['fine_tuned_model']}"
    assert done["progress"]["percent"] == 100.0
    messages = [e["message"] for e in done["events"]]
    assert messages[0].startswith("created") and messages[1].startswith("running") and messages[-1].startswith("succeeded")
    metrics = done["metrics"]["train"]
    assert metrics["fine_tuned_token_f1"] > metrics["base_token_f1"]

    model = api.get(f"/v1/models/{done['model_id']}", key=tenant.read).body
    assert model["provider"] == "local" and model["metadata"]["training_job_id"] == job["id"] and model["available"] is True
    mapping = next(
        m for m in api.get("/v1/tasks/content_caption/models", key=tenant.read).body["items"] if m["model_id"] == done["model_id"]
    )
    base = next(
        m for m in api.get("/v1/tasks/content_caption/models", key=tenant.read).body["items"] if m["model_id"] == "local:sage"
    )
    assert mapping["suitability_score"] == base["suitability_score"]
    lineage = api.get(f"/v1/training/datasets/{ds['id']}", key=tenant.read).body["lineage"]
    assert lineage["models"] == [done["model_id"]]
    assert poll(api, tenant) == {"polled": 0}  # nothing left to advance

    # A finished job cannot be cancelled; its experiment starts once.
    assert api.post(f"/v1/training/jobs/{job['id']}/cancel", key=tenant.admin).status == 409
    experiment = api.post(f"/v1/training/jobs/{job['id']}/experiment", {"fine_tuned_share": 0.3}, key=tenant.admin)
    assert experiment.status == 201, experiment.body
    variants = {v["id"]: v for v in experiment.body["variants"]}
    assert variants["base"]["model_id"] == "local:sage" and variants["base"]["is_control"] is True
    assert variants["fine-tuned"]["model_id"] == done["model_id"] and variants["fine-tuned"]["traffic_share"] == pytest.approx(
        0.3
    )
    assert experiment.body["category_key"] == "content_caption" and experiment.body["status"] == "running"
    assert api.post(f"/v1/training/jobs/{job['id']}/experiment", {}, key=tenant.admin).status == 409
    assert api.get(f"/v1/training/jobs/{job['id']}", key=tenant.read).body["experiment_id"] == experiment.body["id"]


def test_job_statuses(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    populate(api, tenant, n=12)
    ds = build(api, tenant)
    record(api, tenant, "ann", "resize", "done", category="ai_resize", feedback={"thumbs": "up"})
    small = build(api, tenant, category_key="ai_resize")
    assert api.post("/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "local:sage"}, key=tenant.app).status == 403
    assert api.post("/v1/training/jobs", {"dataset_id": "ds_nope", "base_model": "local:sage"}, key=tenant.admin).status == 404
    assert (
        api.post("/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "local:sage"}, key=other_tenant.admin).status == 404
    )
    unknown = api.post("/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "local:nope"}, key=tenant.admin)
    assert unknown.status == 422 and unknown.body["error"]["details"][0]["field"] == "body.base_model"
    no_key = api.post("/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "openai:gpt-4o-mini"}, key=tenant.admin)
    assert no_key.status == 422 and "credentials" in no_key.body["error"]["message"]
    beta = api.post(
        "/v1/training/jobs",
        {"dataset_id": ds["id"], "base_model": "local:sage", "hyperparameters": {"beta": 0.1}},
        key=tenant.admin,
    )
    assert beta.status == 422
    bad = api.post(
        "/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "local:sage", "suffix": "no spaces!"}, key=tenant.admin
    )
    assert bad.status == 422
    too_few = api.post("/v1/training/jobs", {"dataset_id": small["id"], "base_model": "local:sage"}, key=tenant.admin)
    assert too_few.status == 409 and too_few.body["error"]["code"] == "not_enough_examples"

    job = api.post("/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "local:swift"}, key=tenant.admin).body
    assert api.get(f"/v1/training/jobs/{job['id']}", key=other_tenant.read).status == 404
    assert api.post(f"/v1/training/jobs/{job['id']}/cancel", key=other_tenant.admin).status == 404
    assert api.post(f"/v1/training/jobs/{job['id']}/cancel", key=tenant.app).status == 403
    assert api.post(f"/v1/training/jobs/{job['id']}/experiment", {}, key=tenant.admin).status == 409
    cancelled = api.post(f"/v1/training/jobs/{job['id']}/cancel", key=tenant.admin)
    assert cancelled.status == 200 and cancelled.body["status"] == "cancelled"
    assert cancelled.body["events"][-1]["message"] == "cancelled by an administrator"
    assert api.post(f"/v1/training/jobs/{job['id']}/cancel", key=tenant.admin).status == 409
    assert poll(api, tenant) == {"polled": 0}
    listed = api.get("/v1/training/jobs?status=cancelled", key=tenant.read).body["items"]
    assert [j["id"] for j in listed] == [job["id"]]
    assert api.get("/v1/training/jobs/ftjob_nope", key=tenant.read).status == 404


def test_job_creation_is_idempotent(api: Api, tenant: Tenant) -> None:
    populate(api, tenant, n=10)
    ds = build(api, tenant)
    body = {"dataset_id": ds["id"], "base_model": "local:sage"}
    first = api.post("/v1/training/jobs", body, key=tenant.admin, headers={"Idempotency-Key": "job-1"})
    again = api.post("/v1/training/jobs", body, key=tenant.admin, headers={"Idempotency-Key": "job-1"})
    assert first.status == again.status == 201 and first.body["id"] == again.body["id"]
    assert len(api.get("/v1/training/jobs", key=tenant.read).body["items"]) == 1
    assert api.get(f"/v1/training/datasets/{ds['id']}", key=tenant.read).body["lineage"]["jobs"] == [first.body["id"]]


# --- scheduled tasks and retraining -------------------------------------------------------------------------


def test_the_training_tasks_and_their_defaults(api: Api, tenant: Tenant) -> None:
    tasks = {t["name"]: t for t in api.get("/v1/scheduler/tasks", key=tenant.admin).body["items"]}
    assert tasks["poll-training-jobs"]["enabled"] is True and tasks["poll-training-jobs"]["schedule"] == "rate(5 minutes)"
    assert tasks["model-retraining"]["enabled"] is False and tasks["model-retraining"]["schedule"] == "rate(30 days)"


def test_retrain_analyses_builds_trains_and_proposes_a_prompt_variant(api: Api, tenant: Tenant) -> None:
    control = "Write a caption for {topic}."
    experiment = api.post(
        "/v1/experiments",
        {
            "name": "caption prompts",
            "category_key": "content_caption",
            "metric": "success",
            "variants": [
                {"id": "original", "name": "Original", "prompt": control, "is_control": True, "model_id": "local:sage"},
                {"id": "playful", "name": "Playful", "prompt": "Write a playful caption for {topic}."},
            ],
        },
        key=tenant.admin,
    ).body
    for i in range(16):
        good = i % 2 == 0
        record(
            api,
            tenant,
            f"user-{i % 5}",
            f"Write a caption for bouquet {i}",
            f"Handpicked roses with same-day delivery, bouquet {i}" if good else f"Bouquet {i}.",
            feedback={"rating": 5 if good else 1},
            model_id="local:sage" if good else "local:swift",
            experiment_id=experiment["id"],
            variant_id="playful" if good else "original",
            features={"style": "romantic" if good else "minimal", "words": 8 if good else 2},
        )
    reply = api.post("/v1/retrain", {"days": 30, "min_rating": 1}, key=tenant.admin)
    assert reply.status == 200, reply.body
    body = reply.body
    assert {"dataset", "job", "patterns", "new_variants"} <= set(body)
    assert body["dataset"]["train_count"] + body["dataset"]["validation_count"] == 16

    patterns = body["patterns"]
    assert (patterns["sessions"], patterns["high"], patterns["low"]) == (16, 8, 8)
    assert patterns["by_variant"][0]["value"] == "playful" and patterns["by_variant"][0]["high_rate"] == 1.0
    assert patterns["by_model"][0]["value"] == "local:sage"
    assert patterns["features"][0]["feature"] in {"style", "words"} and abs(patterns["features"][0]["effect"]) > 0.9
    assert {t["term"] for t in patterns["top_terms"]} == set()  # the inputs differ only by number

    job = body["job"]
    assert job["status"] == "pending" and job["base_model"] == "local:sage" and job["start_experiment"] is True

    [variant] = body["new_variants"]
    assert variant["experiment_id"] == experiment["id"] and variant["written_by"] == "local-rewrite"
    assert variant["prompt"].startswith(control) and "delivery" in variant["prompt"]
    assert variant["traffic_share"] == pytest.approx(0.1)
    shown = api.get(f"/v1/experiments/{experiment['id']}", key=tenant.read).body
    assert {v["id"] for v in shown["variants"]} == {"original", "playful", variant["variant_id"]}

    # The job trains at the next poll and starts its own experiment of the base model against the new one.
    poll(api, tenant)
    finished = api.get(f"/v1/training/jobs/{job['id']}", key=tenant.read).body
    assert finished["status"] == "succeeded" and finished["experiment_id"]
    assert api.get(f"/v1/experiments/{finished['experiment_id']}", key=tenant.read).body["category_key"] == "content_caption"


def test_retrain_without_enough_examples_skips_the_job(api: Api, tenant: Tenant) -> None:
    populate(api, tenant, n=3)
    reply = api.post("/v1/retrain", {"days": 30, "min_rating": 1}, key=tenant.admin)
    assert reply.status == 200 and reply.body["job"] is None
    assert "needs at least 5" in reply.body["job_skipped"]
    assert api.post("/v1/retrain", {"days": 30, "min_rating": 1}, key=tenant.read).status == 403
    assert api.post("/v1/retrain", {"days": 0}, key=tenant.admin).status == 422


def test_the_monthly_retraining_runs_when_asked(api: Api, tenant: Tenant) -> None:
    populate(api, tenant, n=12)
    run = api.post("/v1/scheduler/tasks/model-retraining/run", key=tenant.admin).body
    assert run["status"] == "succeeded", run
    assert run["result"]["train_count"] + run["result"]["validation_count"] == 6  # rated 4 stars or better
    assert run["result"]["job_id"]


# --- erasure -----------------------------------------------------------------------------------------


def test_erasing_a_user_rebuilds_the_datasets_that_held_them(api: Api, tenant: Tenant) -> None:
    from chalicelib.training.erasure import erase_user

    populate(api, tenant, n=12, users=4)
    ds = build(api, tenant, validation_split=0.25)
    job = api.post("/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "local:sage"}, key=tenant.admin).body
    poll(api, tenant)
    model_id = api.get(f"/v1/training/jobs/{job['id']}", key=tenant.read).body["model_id"]
    untouched = build(api, tenant, min_rating=5, category_key="ai_resize")

    result = erase_user(tenant.id, "user-1")
    assert result == {"training_examples": 3, "affected_datasets": [ds["id"]], "affected_models": [model_id]}
    rebuilt = api.get(f"/v1/training/datasets/{ds['id']}", key=tenant.read).body
    assert rebuilt["train_count"] + rebuilt["validation_count"] == 9 and rebuilt["rebuilds"] == 1
    assert rebuilt["lineage"]["jobs"] == [job["id"]] and rebuilt["lineage"]["models"] == [model_id]
    for split in ("train", "validation"):
        assert "number 1 " not in raw_file(tenant, ds["id"], split).decode()
    assert api.get(f"/v1/training/datasets/{untouched['id']}", key=tenant.read).body["rebuilds"] == 0
    assert all(e["user_id"] != "user-1" for e in api.get("/v1/training/examples?limit=200", key=tenant.read).body["items"])
    assert erase_user(tenant.id, "user-1") == {"training_examples": 0, "affected_datasets": [], "affected_models": []}


def test_deleting_a_users_data_reaches_their_training_data(api: Api, tenant: Tenant) -> None:
    sessions = populate(api, tenant, n=12, users=4)
    # user-1 also rated a session of user-2: that example stays, without user-1's feedback.
    api.post(f"/v1/sessions/{sessions[2]}/feedback", {"user_id": "user-1", "rating": 1}, key=tenant.app)
    assert api.get(f"/v1/training/examples/{example_of(sessions[2])}", key=tenant.read).body["feedback_count"] == 2
    ds = build(api, tenant, validation_split=0.25)
    job = api.post("/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "local:sage"}, key=tenant.admin).body
    poll(api, tenant)
    model_id = api.get(f"/v1/training/jobs/{job['id']}", key=tenant.read).body["model_id"]

    erased = api.delete("/v1/users/user-1/data", key=tenant.admin)
    assert erased.status == 200, erased.body
    assert erased.body["deleted"]["training_examples"] == 3
    assert erased.body["affected_datasets"] == [ds["id"]] and erased.body["affected_models"] == [model_id]
    kept = api.get(f"/v1/training/examples/{example_of(sessions[2])}", key=tenant.read).body
    assert kept["feedback_count"] == 1 and kept["quality_score"] == 1.0
    assert api.get(f"/v1/training/examples/{example_of(sessions[1])}", key=tenant.read).status == 404
    rebuilt = api.get(f"/v1/training/datasets/{ds['id']}", key=tenant.read).body
    assert rebuilt["train_count"] + rebuilt["validation_count"] == 9 and rebuilt["rebuilds"] == 1
    assert not set(rebuilt["lineage"]["session_ids"]) & {sessions[i] for i in (1, 5, 9)}


def test_a_build_cut_off_reads_as_failed(api: Api, tenant: Tenant) -> None:
    from datetime import timedelta

    from chalicelib.core import clock
    from chalicelib.training import datasets

    populate(api, tenant, n=2)
    ds = build(api, tenant)
    item = datasets.load(tenant.id, ds["id"])
    item.update(actions=[datasets.DatasetItem.status.set("building")], add_version_condition=False)
    assert api.get(f"/v1/training/datasets/{ds['id']}", key=tenant.read).body["status"] == "building"
    with clock.frozen(clock.now() + timedelta(minutes=16)):
        stalled = api.get(f"/v1/training/datasets/{ds['id']}", key=tenant.read).body
    assert stalled["status"] == "failed" and "timed out" in stalled["error"]
    reply = api.post("/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "local:sage"}, key=tenant.admin)
    assert reply.status == 409 and reply.body["error"]["code"] == "dataset_not_ready"
