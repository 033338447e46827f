"""Time budgets of a generation: attempts end inside the request's budget (a recorded 504), provider retries fit the
deadline, and the budget reservation is released however the request ends, or reclaimed once a killed one expires."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.billing import service as billing
from chalicelib.core import clock, deadline
from chalicelib.core.settings import ProviderSettings
from chalicelib.providers.base import CompletionRequest, ProviderError
from chalicelib.providers.local import LocalProvider
from chalicelib.providers.openai_compat import OpenAICompatibleProvider
from chalicelib.tenancy.schemas import Limits
from tests.api.test_generations import CAPTION, priced_tenant
from tests.conftest import Api, Tenant
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture
def slow_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """A provider whose own timeout (10 s, 2 retries) is far beyond a request budget lowered to 4 s (1.5 s of margin)."""
    server = FakeOpenAI(slow_seconds=5.0).start()
    providers = {"openai": {"base_url": server.base_url, "api_key": "sk-test", "timeout_seconds": 10, "max_retries": 2}}
    monkeypatch.setenv("LEARNLOOP_PROVIDERS", json.dumps(providers))
    monkeypatch.setenv("LEARNLOOP_REQUEST_BUDGET_SECONDS", "4")
    monkeypatch.setenv("LEARNLOOP_DEADLINE_MARGIN_SECONDS", "1.5")
    monkeypatch.setenv("LEARNLOOP_MIN_ATTEMPT_SECONDS", "0.5")
    yield server
    server.stop()


def test_a_slow_provider_ends_inside_the_budget_as_a_recorded_504(api: Api, tenant: Tenant, slow_openai: FakeOpenAI) -> None:
    slow = {"model_name": "slow", "provider": "openai", "capabilities": ["text_generation"], "cost_bucket": "low"}
    assert api.put("/v1/models/openai:slow", slow, key=tenant.admin).status in (200, 201)
    began = time.monotonic()
    reply = api.post("/v1/generations", {**CAPTION, "model_id": "openai:slow"}, key=tenant.app)
    elapsed = time.monotonic() - began
    assert reply.status == 504, reply.body
    assert reply.error_code == "deadline_exceeded"
    assert reply.body["error"]["message"] == "no model answered within the request's 4 s budget"
    assert 2.4 <= elapsed < 4.0  # the call was cut at the budget less the margin; the 5 s answer was never awaited
    details = reply.body["error"]["details"]
    assert details[1:] == [
        {"model_id": "openai:slow", "error": "timeout: the provider did not answer in time"},
        {"model_id": "openai:gpt-4o-mini", "error": "skipped: the request's time ran out"},
    ]
    assert slow_openai.calls["slow"] == 1  # no retry started without the time for it
    session = api.get(f"/v1/sessions/{details[0]['session_id']}", key=tenant.read).body
    assert (session["status"], session["output"]) == ("failed", None)
    assert [(a["model_id"], a["ok"]) for a in session["attempts"]] == [("openai:slow", False), ("openai:gpt-4o-mini", False)]


def test_the_openapi_document_lists_504_for_generations(api: Api) -> None:
    responses = api.get("/openapi.json").body["paths"]["/v1/generations"]["post"]["responses"]
    described = "The request's 29 s budget ran out before a model answered (the session is recorded)"
    assert responses["504"]["description"] == described
    assert "502" in responses


def test_provider_retries_stop_at_the_deadline(slow_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = OpenAICompatibleProvider(
        "openai", ProviderSettings(base_url=slow_openai.base_url, api_key="sk-test", timeout_seconds=10, max_retries=5)
    )
    began = time.monotonic()
    with deadline.within(2.5, margin=0.5), pytest.raises(ProviderError) as failed:
        provider.complete(CompletionRequest("openai:fail-500", [{"role": "user", "content": "x"}]))
    # tries at 0 s, 0.5 s (after a 0.5 s pause), then a 1 s pause would leave less than min_attempt_seconds (0.5 s)
    assert str(failed.value) == "server_error: the provider answered 500"
    assert slow_openai.calls["fail-500"] == 2
    assert time.monotonic() - began < 2.0


def test_a_local_model_slower_than_the_time_left_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLOOP_LOCAL_LATENCY_SCALE", "100")  # local:sage takes 9 s and more
    began = time.monotonic()
    with deadline.within(1.0, margin=0.2), pytest.raises(ProviderError) as failed:
        LocalProvider().complete(CompletionRequest("local:sage", [{"role": "user", "content": "spring tulips"}]))
    assert str(failed.value) == "timeout: local:sage did not answer within the deadline"
    assert time.monotonic() - began < 1.0


def test_the_reservation_is_released_however_the_request_ends(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    priced_tenant(api, tenant, budget=0.10)

    def broken(self: Any, request: CompletionRequest) -> Any:
        raise RuntimeError("a bug, not a provider error")

    monkeypatch.setattr(LocalProvider, "complete", broken)
    reply = api.post("/v1/generations", {**CAPTION, "model_id": "local:sage"}, key=tenant.app)
    assert reply.status == 500
    assert billing.committed(tenant.id) == 0.0


def test_a_reservation_of_a_killed_request_expires(api: Api, tenant: Tenant) -> None:
    priced_tenant(api, tenant, budget=0.01)
    limits = Limits(monthly_budget_usd=0.01)
    # A request reserved the whole budget and was then killed by the platform: it never settles.
    held = billing.reserve(tenant.id, limits, 0.01)
    assert held is not None and held.hold is not None
    blocked = api.post("/v1/generations", {**CAPTION, "model_id": "local:sage"}, key=tenant.app)
    assert blocked.status == 429 and blocked.error_code == "budget_exceeded"
    later = clock.now() + timedelta(seconds=deadline.reservation_seconds() + 1)
    with clock.frozen(later):
        reply = api.post("/v1/generations", {**CAPTION, "model_id": "local:sage"}, key=tenant.app)
    assert reply.status == 201, reply.body
    assert billing.committed(tenant.id) == pytest.approx(0.01)  # the new call's cost; the killed one's hold went back
    billing.settle(held, 0.0)  # the killed request's settle, had it come late, gives back nothing twice
    assert billing.committed(tenant.id) == pytest.approx(0.01)


def test_time_budgets_fit_the_platform() -> None:
    """The Lambda timeout the code assumes is the one deployed, and a killed run's lock is stale before SQS redelivers."""
    import yaml

    from tests.infra.test_template import TEMPLATE

    config = json.loads((TEMPLATE.parents[1] / ".chalice" / "config.json").read_text())
    assert {stage["lambda_timeout"] for stage in config["stages"].values()} == {60}
    assert deadline.lock_seconds() == 60 + 30
    visibility = yaml.safe_load(TEMPLATE.read_text())["Resources"]["TaskQueue"]["Properties"]["VisibilityTimeout"]
    assert visibility > deadline.lock_seconds()
