"""A fine-tuning job is submitted to the provider exactly once: the SDK never retries the create, a submission whose
answer was lost is found at the provider by its metadata instead of submitted again, and a poll during a
submission in flight leaves it alone (the submission is claimed on the job first)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from tests.api.test_fine_tuning_openai import job_of
from tests.api.test_training import build, poll, populate
from tests.conftest import Api, Tenant


def use_provider(monkeypatch: pytest.MonkeyPatch, fake: Any, *, timeout: float, retries: int) -> None:
    providers = {"openai": {"base_url": fake.base_url, "api_key": "sk-test", "timeout_seconds": timeout, "max_retries": retries}}
    monkeypatch.setenv("LEARNLOOP_PROVIDERS", json.dumps(providers))


def test_a_submission_whose_answer_was_lost_is_found_not_submitted_again(
    api: Api, tenant: Tenant, fake_openai: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(api, tenant, n=12)
    ds = build(api, tenant, validation_split=0)
    use_provider(monkeypatch, fake_openai, timeout=0.5, retries=2)
    fake_openai.create_delay_seconds = 1.5  # the provider creates the job, but answers after the client gave up
    created = api.post("/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "openai:gpt-4o-mini"}, key=tenant.admin)
    assert created.status == 201, created.body
    job = created.body
    assert (job["status"], job["provider_job_id"]) == ("pending", None)
    assert job["events"][-1]["level"] == "warning" and "attempt 1 of 5" in job["events"][-1]["message"]
    assert list(fake_openai.jobs) == ["ftjob-001"]  # the SDK did not retry the create

    fake_openai.create_delay_seconds = 0
    assert poll(api, tenant) == {"polled": 1, "pending": 1}
    found = job_of(api, tenant, job["id"])
    assert found["provider_job_id"] == "ftjob-001" and found["provider_status"] == "validating_files"
    assert any(e["message"].startswith("found at openai as ftjob-001") for e in found["events"])
    assert list(fake_openai.jobs) == ["ftjob-001"]  # looked for, not submitted again
    creates = [r for r in fake_openai.requests if r.get("method") != "GET" and r["path"].endswith("/fine_tuning/jobs")]
    assert len(creates) == 1
    poll(api, tenant)
    assert job_of(api, tenant, job["id"])["provider_status"] == "queued"


def test_a_poll_during_the_submission_leaves_it_to_its_submitter(
    api: Api, tenant: Tenant, fake_openai: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(api, tenant, n=12)
    ds = build(api, tenant, validation_split=0)
    use_provider(monkeypatch, fake_openai, timeout=10, retries=0)
    fake_openai.create_delay_seconds = 1.5
    replies: list[Any] = []
    body = {"dataset_id": ds["id"], "base_model": "openai:gpt-4o-mini"}
    creating = threading.Thread(target=lambda: replies.append(api.post("/v1/training/jobs", body, key=tenant.admin)))
    creating.start()
    try:
        for _ in range(100):  # the job is stored, its submission under way
            if fake_openai.jobs:
                break
            time.sleep(0.05)
        assert list(fake_openai.jobs) == ["ftjob-001"]
        assert poll(api, tenant) == {"polled": 1, "pending": 1}
    finally:
        creating.join()
    assert replies[0].status == 201 and replies[0].body["provider_job_id"] == "ftjob-001"
    assert list(fake_openai.jobs) == ["ftjob-001"]
