"""Image providers against a fake server on 127.0.0.1: OpenAI's images API through the openai SDK (dall-e-3 answering
links, gpt-image-1 base64), Stability's SD3 REST API; provider errors, fallbacks across image models, prices per image,
budgets under concurrency, and a paid call kept under the Idempotency-Key when what follows it fails."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from chalicelib.billing import service as billing
from chalicelib.core.errors import StorageBusy
from chalicelib.generation import service as generation
from tests.conftest import Api, Tenant
from tests.fakes.image_server import FakeImages

DESIGN = {"user_id": "florist-1", "category_key": "image_social", "prompt": "Peonies and roses in blush tones"}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeImages]:
    server = FakeImages().start()
    providers = {
        "openai": {"base_url": server.base_url, "api_key": "sk-test", "timeout_seconds": 5, "max_retries": 0},
        "stability": {"base_url": server.root, "api_key": "sk-stability", "timeout_seconds": 5, "max_retries": 0},
    }
    monkeypatch.setenv("LEARNLOOP_PROVIDERS", json.dumps(providers))
    yield server
    server.stop()


def _stored(url: str) -> bytes:
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200
    return answer.content


def _declare(api: Api, tenant: Tenant, model_id: str, **image: Any) -> None:
    """Change a model's declared image parameters (PUT /v1/models with the rest as it is)."""
    model = next(m for m in api.get("/v1/models", key=tenant.read).body["items"] if m["model_id"] == model_id)
    body = {k: model[k] for k in ("model_name", "provider", "capabilities", "cost_bucket", "cost_per_request", "priority_rank")}
    body["metadata"] = {"image": {**model["metadata"]["image"], **image}}
    assert api.put(f"/v1/models/{model_id}", body, key=tenant.admin).status == 200


def test_dall_e_3_answers_a_link_that_is_copied_into_s3_at_once(api: Api, tenant: Tenant, fake: FakeImages) -> None:
    reply = api.post(
        "/v1/generations",
        {**DESIGN, "model_id": "openai:dall-e-3", "size": "1792x1024", "quality": "hd", "style": "natural"},
        key=tenant.app,
    )
    assert reply.status == 201, reply.body
    body = reply.body
    sent = [r["body"] for r in fake.requests if r["path"].endswith("/images/generations")]
    assert sent == [
        {
            "model": "dall-e-3",
            "prompt": DESIGN["prompt"],
            "n": 1,
            "size": "1792x1024",
            "quality": "hd",
            "style": "natural",
            "response_format": "url",
        }
    ]
    assert body["cost_usd"] == 0.12 and billing.committed(tenant.id) == pytest.approx(0.12)  # hd 1792x1024
    served = next(iter(fake.served.values()))
    image = body["images"][0]
    assert _stored(image["url"]) == served and image["sha256"] == hashlib.sha256(served).hexdigest()
    assert (image["width"], image["height"], image["bytes"]) == (1792, 1024, len(served))
    session = api.get(f"/v1/sessions/{body['session_id']}", key=tenant.read).body
    assert fake.root not in json.dumps(session)  # the provider's link is never what is kept
    assert session["output"]["revised_prompt"] == f"{DESIGN['prompt']} (revised)"
    assert session["images"][0]["sha256"] == image["sha256"] and session["cost_usd"] == 0.12


def test_gpt_image_1_answers_base64_several_images_priced_per_image(api: Api, tenant: Tenant, fake: FakeImages) -> None:
    body = api.post(
        "/v1/generations", {**DESIGN, "model_id": "openai:gpt-image-1", "n": 3, "quality": "low"}, key=tenant.app
    ).body
    sent = [r["body"] for r in fake.requests if r["path"].endswith("/images/generations")]
    assert sent == [{"model": "gpt-image-1", "prompt": DESIGN["prompt"], "n": 3, "size": "1024x1024", "quality": "low"}]
    assert body["cost_usd"] == pytest.approx(0.033) and len({i["sha256"] for i in body["images"]}) == 3
    assert [(i["width"], i["height"]) for i in body["images"]] == [(1024, 1024)] * 3
    assert fake.served == {}  # nothing was fetched: the bytes came in the answer
    style = api.post("/v1/generations", {**DESIGN, "model_id": "openai:gpt-image-1", "style": "vivid"}, key=tenant.app)
    assert style.status == 422 and style.body["error"]["details"][0]["field"] == "body.style"


def test_stability_sd3_through_its_rest_api(api: Api, tenant: Tenant, fake: FakeImages) -> None:
    body = api.post(
        "/v1/generations",
        {**DESIGN, "model_id": "stability:stable-diffusion-3", "size": "1344x768", "negative_prompt": "wilted leaves"},
        key=tenant.app,
    ).body
    call = next(r for r in fake.requests if r["path"].endswith("/sd3"))
    assert call["auth"] == "Bearer sk-stability"
    assert call["fields"] == {
        "prompt": DESIGN["prompt"],
        "model": "sd3-medium",
        "aspect_ratio": "16:9",
        "output_format": "png",
        "negative_prompt": "wilted leaves",
    }
    assert (body["model_id"], body["cost_usd"]) == ("stability:stable-diffusion-3", 0.035)
    assert (body["images"][0]["width"], body["images"][0]["height"]) == (1344, 768)
    dall_e = api.post("/v1/generations", {**DESIGN, "model_id": "openai:dall-e-3", "negative_prompt": "x"}, key=tenant.app)
    assert dall_e.status == 422 and dall_e.body["error"]["details"][0]["field"] == "body.negative_prompt"


def test_provider_errors_fall_back_across_image_models(api: Api, tenant: Tenant, fake: FakeImages) -> None:
    _declare(api, tenant, "openai:dall-e-3", api_model="fail-500")
    reply = api.post("/v1/generations", {**DESIGN, "model_id": "openai:dall-e-3", "size": "1024x1024"}, key=tenant.app)
    assert reply.status == 201
    body = reply.body
    assert body["attempts"][0] == {
        "model_id": "openai:dall-e-3",
        "ok": False,
        "error": "server_error: the provider answered 500",
        "latency_ms": body["attempts"][0]["latency_ms"],
    }
    assert body["attempts"][1]["ok"] is True and body["model_id"] != "openai:dall-e-3"
    assert body["selected_by"] == "fallback"
    assert billing.committed(tenant.id) == pytest.approx(body["cost_usd"])  # the failed call's reservation went back
    filtered = api.post(
        "/v1/generations",
        {**DESIGN, "prompt": "a forbidden bouquet", "model_id": "stability:stable-diffusion-3"},
        key=tenant.app,
    ).body
    assert filtered["attempts"][0]["error"] == "bad_request: the provider filtered the image out (CONTENT_FILTERED)"
    assert filtered["model_id"] != "stability:stable-diffusion-3"
    for model_id in ("local:petal", "local:sprig", "openai:gpt-image-1", "stability:stable-diffusion-3"):
        api.delete(f"/v1/models/{model_id}", key=tenant.admin)
    failed = api.post("/v1/generations", {**DESIGN, "model_id": "openai:dall-e-3"}, key=tenant.app)
    assert (failed.status, failed.error_code) == (502, "upstream_failed")


def test_concurrent_image_generations_spend_at_most_the_budget(api: Api, tenant: Tenant, fake: FakeImages) -> None:
    api.put("/v1/tenants/me/limits", {"monthly_budget_usd": 0.13, "on_budget": "block"}, key=tenant.admin)

    def generate(i: int) -> int:
        body = {**DESIGN, "user_id": f"u{i}", "model_id": "openai:dall-e-3"}
        return api.post("/v1/generations", body, key=tenant.app).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(generate, range(8)))
    assert sorted(statuses) == [201] * 3 + [429] * 5  # 0.04 each: three fit in 0.13
    assert billing.committed(tenant.id) == pytest.approx(0.12)
    assert fake.calls["dall-e-3"] == 3


def test_a_budget_of_twelve_cents_admits_exactly_three_four_cent_images(api: Api, tenant: Tenant, fake: FakeImages) -> None:
    # In binary floating point 0.12 - 0.04 < 0.08: the third image would be refused. The arithmetic is exact decimals.
    api.put("/v1/tenants/me/limits", {"monthly_budget_usd": 0.12, "on_budget": "block"}, key=tenant.admin)
    statuses = [
        api.post("/v1/generations", {**DESIGN, "user_id": f"u{i}", "model_id": "openai:dall-e-3"}, key=tenant.app).status
        for i in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    assert billing.committed(tenant.id) == 0.12 and fake.calls["dall-e-3"] == 3


def test_a_failure_after_the_paid_call_keeps_its_images_and_cost(
    api: Api, tenant: Tenant, fake: FakeImages, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = generation.sessions.record_generation
    failures = iter([True])

    def record_once_busy(*args: Any, **kwargs: Any) -> Any:
        if next(failures, False):
            raise StorageBusy()
        return real(*args, **kwargs)

    monkeypatch.setattr(generation.sessions, "record_generation", record_once_busy)
    headers = {"Idempotency-Key": "design-1"}
    body = {**DESIGN, "model_id": "openai:dall-e-3"}
    first = api.post("/v1/generations", body, key=tenant.app, headers=headers)
    assert first.status == 503
    again = api.post("/v1/generations", body, key=tenant.app, headers=headers)
    assert again.status == 201
    assert fake.calls["dall-e-3"] == 1 and billing.committed(tenant.id) == pytest.approx(0.04)  # called and paid once
    served = next(iter(fake.served.values()))
    assert _stored(again.body["images"][0]["url"]) == served
    assert api.get(f"/v1/sessions/{again.body['session_id']}", key=tenant.read).body["cost_usd"] == 0.04


def test_the_analytics_count_images_and_their_cost(api: Api, tenant: Tenant, fake: FakeImages) -> None:
    for i in range(2):
        assert (
            api.post("/v1/generations", {**DESIGN, "user_id": f"u{i}", "model_id": "openai:dall-e-3"}, key=tenant.app).status
            == 201
        )
    local = {**DESIGN, "model_id": "local:petal", "n": 3, "size": "256x256"}
    assert api.post("/v1/generations", local, key=tenant.app).status == 201
    text = {"user_id": "u9", "category_key": "content_caption", "prompt": "a caption for roses", "model_id": "local:sage"}
    assert api.post("/v1/generations", text, key=tenant.app).body["output_type"] == "text"
    summary = api.get("/v1/analytics/summary?days=1", key=tenant.read).body
    assert (summary["total_sessions"], summary["total_images"], summary["total_image_cost_usd"]) == (4, 5, 0.08)
    assert summary["total_cost_usd"] == 0.08
    today = [d for d in summary["daily"] if d["sessions"]]
    assert [(d["images"], d["image_cost_usd"]) for d in today] == [(5, 0.08)]
