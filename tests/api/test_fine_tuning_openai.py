"""Fine-tuning through the real openai SDK against the fake OpenAI-compatible server on 127.0.0.1: files, jobs,
events, polling to success or failure, cancellation, the model in the catalog and in generations."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core import blobs
from tests.api.test_training import build, poll, populate, record
from tests.conftest import Api, Tenant


def create_job(api: Api, tenant: Tenant, dataset_id: str, **body: Any) -> dict[str, Any]:
    reply = api.post("/v1/training/jobs", {"dataset_id": dataset_id, "base_model": "openai:gpt-4o-mini"} | body, key=tenant.admin)
    assert reply.status == 201, reply.body
    return reply.body  # type: ignore[no-any-return]


def job_of(api: Api, tenant: Tenant, job_id: str) -> dict[str, Any]:
    return api.get(f"/v1/training/jobs/{job_id}", key=tenant.read).body  # type: ignore[no-any-return]


def test_a_job_goes_through_files_and_jobs_to_a_model_in_the_catalog(api: Api, tenant: Tenant, fake_openai: Any) -> None:
    populate(api, tenant, n=16, users=4)
    ds = build(api, tenant, validation_split=0.2)
    assert ds["train_count"] >= 10 and ds["validation_count"] > 0
    job = create_job(api, tenant, ds["id"], suffix="captions", hyperparameters={"n_epochs": 3, "learning_rate_multiplier": 0.5})
    assert job["status"] == "pending" and job["provider"] == "openai" and job["provider_job_id"] == "ftjob-001"
    assert job["provider_status"] == "validating_files"

    # What reached the provider: both files, byte for byte, then the job with its method and hyperparameters.
    uploads = sorted(fake_openai.files.values(), key=lambda f: f["filename"])
    train_key = blobs.tenant_key(tenant.id, "datasets", ds["id"], "train.jsonl")
    assert [f["filename"] for f in uploads] == [f"{job['id']}-train.jsonl", f"{job['id']}-validation.jsonl"]
    assert uploads[0]["data"] == blobs.get(train_key)
    created = next(r["body"] for r in fake_openai.requests if r["path"].endswith("/fine_tuning/jobs"))
    assert created["model"] == "gpt-4o-mini" and created["suffix"] == "captions"
    assert created["method"] == {
        "type": "supervised",
        "supervised": {"hyperparameters": {"n_epochs": 3, "learning_rate_multiplier": 0.5}},
    }
    assert created["metadata"]["learnloop_job_id"] == job["id"]
    assert all(r["auth"] == "Bearer sk-test" for r in fake_openai.requests)

    assert poll(api, tenant) == {"polled": 1, "pending": 1}  # queued
    assert job_of(api, tenant, job["id"])["provider_status"] == "queued"
    poll(api, tenant)
    running = job_of(api, tenant, job["id"])
    assert running["status"] == "running" and running["started_at"]
    assert running["progress"] == {"stage": "training", "done": 5, "total": 10, "percent": 50.0}
    poll(api, tenant)
    done = job_of(api, tenant, job["id"])
    assert done["status"] == "succeeded" and done["error"] is None
    assert done["fine_tuned_model"] == "ft:gpt-4o-mini:learnloop:captions:abc001"
    assert done["model_id"] == "openai:ft:gpt-4o-mini:learnloop:captions:abc001"
    assert done["progress"]["percent"] == 100.0 and done["metrics"]["trained_tokens"] == 4096
    provider_events = [e["message"] for e in done["events"] if e["source"] == "provider"]
    assert provider_events[0] == "Validating training file" and provider_events[-1] == "The job has successfully completed"
    assert len(provider_events) == len(set(provider_events)) == len(fake_openai.events["ftjob-001"])
    assert fake_openai.files == {}  # the uploaded files are deleted once the job has finished

    model = api.get(f"/v1/models/{done['model_id']}", key=tenant.read).body
    assert model["provider"] == "openai" and model["metadata"]["fine_tuned_from"] == "openai:gpt-4o-mini"
    assert model["capabilities"] == api.get("/v1/models/openai:gpt-4o-mini", key=tenant.read).body["capabilities"]
    mapped = {m["model_id"] for m in api.get("/v1/tasks/content_caption/models", key=tenant.read).body["items"]}
    assert done["model_id"] in mapped
    assert api.get(f"/v1/training/datasets/{ds['id']}", key=tenant.read).body["lineage"]["models"] == [done["model_id"]]

    generated = api.post(
        "/v1/generations",
        {"user_id": "user-1", "category_key": "content_caption", "prompt": "caption for tulips", "model_id": done["model_id"]},
        key=tenant.app,
    )
    assert generated.status == 201, generated.body
    assert generated.body["model_id"] == done["model_id"] and generated.body["output"].startswith(f"[{done['fine_tuned_model']}]")

    experiment = api.post(f"/v1/training/jobs/{job['id']}/experiment", {}, key=tenant.admin)
    assert experiment.status == 201
    assert {v["model_id"] for v in experiment.body["variants"]} == {"openai:gpt-4o-mini", done["model_id"]}


def test_a_failing_job_reports_the_providers_error_in_our_words(api: Api, tenant: Tenant, fake_openai: Any) -> None:
    populate(api, tenant, n=12)
    job = create_job(api, tenant, build(api, tenant, validation_split=0)["id"], suffix="fail")
    for _ in range(3):
        poll(api, tenant)
    failed = job_of(api, tenant, job["id"])
    assert failed["status"] == "failed" and failed["fine_tuned_model"] is None and failed["model_id"] is None
    assert failed["error"] == {"code": "invalid_training_file", "message": "the provider failed the job (invalid_training_file)"}
    assert failed["events"][-1]["message"] == "failed at openai: the provider failed the job (invalid_training_file)"
    assert failed["finished_at"]
    error_events = [e for e in failed["events"] if e["source"] == "provider" and e["level"] == "error"]
    assert [e["message"] for e in error_events] == ["the provider reported an error"]
    # The provider's message echoed a secret-looking string: neither the job nor its list shows it.
    assert "SECRET" not in json.dumps(failed) and "SECRET" not in json.dumps(api.get("/v1/training/jobs", key=tenant.read).body)
    assert poll(api, tenant) == {"polled": 0}
    assert not any(m["model_id"].startswith("openai:ft:") for m in api.get("/v1/models", key=tenant.read).body["items"])


def test_cancelling_reaches_the_provider(api: Api, tenant: Tenant, fake_openai: Any) -> None:
    populate(api, tenant, n=12)
    job = create_job(api, tenant, build(api, tenant, validation_split=0)["id"])
    cancelled = api.post(f"/v1/training/jobs/{job['id']}/cancel", key=tenant.admin)
    assert cancelled.status == 200 and cancelled.body["status"] == "cancelled"
    assert cancelled.body["provider_status"] == "cancelled" and fake_openai.jobs["ftjob-001"]["status"] == "cancelled"
    assert api.post(f"/v1/training/jobs/{job['id']}/cancel", key=tenant.admin).status == 409
    assert poll(api, tenant) == {"polled": 0}


def test_a_finished_job_at_the_provider_cannot_be_cancelled_here(api: Api, tenant: Tenant, fake_openai: Any) -> None:
    populate(api, tenant, n=12)
    job = create_job(api, tenant, build(api, tenant, validation_split=0)["id"])
    for _ in range(3):  # the provider finishes it; we have not polled the last step yet
        fake_openai._fine_tuning_get("/v1/fine_tuning/jobs/ftjob-001")
    reply = api.post(f"/v1/training/jobs/{job['id']}/cancel", key=tenant.admin)
    assert reply.status == 409 and reply.body["error"]["code"] == "job_finished"
    assert job_of(api, tenant, job["id"])["status"] == "succeeded"


def test_preference_datasets_train_with_dpo(api: Api, tenant: Tenant, fake_openai: Any) -> None:
    for i in range(12):
        sid = record(api, tenant, f"user-{i % 3}", f"hook number {i}", f"weak hook {i}", feedback={"rating": 2})
        api.patch(f"/v1/sessions/{sid}", {"corrected_output": f"strong hook {i}"}, key=tenant.app)
    ds = build(api, tenant, format="openai-preference-jsonl", validation_split=0)
    assert ds["train_count"] == 12
    create_job(api, tenant, ds["id"], hyperparameters={"beta": 0.2})
    created = next(r["body"] for r in fake_openai.requests if r["path"].endswith("/fine_tuning/jobs"))
    assert created["method"] == {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2}}}
    line = json.loads(fake_openai.files[created["training_file"]]["data"].decode().splitlines()[0])
    assert set(line) == {"input", "preferred_output", "non_preferred_output"}


def test_a_submission_that_fails_is_retried_by_the_poller(
    api: Api, tenant: Tenant, fake_openai: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(api, tenant, n=12)
    ds = build(api, tenant, validation_split=0)
    working = {"openai": {"base_url": fake_openai.base_url, "api_key": "sk-test", "timeout_seconds": 0.5, "max_retries": 0}}
    unreachable = {
        "openai": {"base_url": "http://127.0.0.1:9/v1", "api_key": "sk-test", "timeout_seconds": 0.5, "max_retries": 0}
    }
    monkeypatch.setenv("LEARNLOOP_PROVIDERS", json.dumps(unreachable))
    job = create_job(api, tenant, ds["id"])
    assert job["status"] == "pending" and job["provider_job_id"] is None
    assert job["events"][-1]["level"] == "warning" and "attempt 1 of 5" in job["events"][-1]["message"]
    monkeypatch.setenv("LEARNLOOP_PROVIDERS", json.dumps(working))
    poll(api, tenant)
    submitted = job_of(api, tenant, job["id"])
    assert submitted["provider_job_id"] == "ftjob-001" and submitted["status"] == "pending"


def test_openai_needs_ten_examples(api: Api, tenant: Tenant, fake_openai: Any) -> None:
    populate(api, tenant, n=8)
    reply = api.post(
        "/v1/training/jobs", {"dataset_id": build(api, tenant)["id"], "base_model": "openai:gpt-4o-mini"}, key=tenant.admin
    )
    assert reply.status == 409 and "at least 10" in reply.body["error"]["message"]
    assert fake_openai.files == {} and fake_openai.jobs == {}


def test_the_routed_provider_model_writes_the_new_prompt_variant(api: Api, tenant: Tenant, fake_openai: Any) -> None:
    control = "Write a caption for {topic}."
    experiment = api.post(
        "/v1/experiments",
        {
            "name": "caption prompts",
            "category_key": "content_caption",
            "variants": [{"id": "original", "name": "Original", "prompt": control, "is_control": True}],
        },
        key=tenant.admin,
    ).body
    for i in range(6):
        record(api, tenant, f"user-{i}", f"caption {i}", f"Fresh roses, delivered today {i}", feedback={"rating": 5})
    routed = api.post("/v1/route", {"category_key": "content_caption"}, key=tenant.app).body["selected"]["model_id"]
    assert not routed.startswith("local:")
    reply = api.post("/v1/retrain", {"days": 30, "min_rating": 1, "start_job": False}, key=tenant.admin)
    assert reply.status == 200, reply.body
    [variant] = reply.body["new_variants"]
    assert variant["experiment_id"] == experiment["id"] and variant["written_by"] == routed
    assert variant["prompt"] == control + " Be vivid and specific."
    asked = next(r["body"] for r in fake_openai.requests if r["path"].endswith("/chat/completions"))
    assert "Fresh roses, delivered today" in asked["messages"][0]["content"]
