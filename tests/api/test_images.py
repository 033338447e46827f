"""Images on POST /v1/generations, offline: output types, image parameters checked before any call, the images stored
in S3 under the tenant's prefix and read back through presigned links, the session keeping only references."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
import requests

from chalicelib.providers import compose
from tests.conftest import Api, Tenant

DESIGN = {
    "user_id": "florist-1",
    "category_key": "image_social",
    "prompt": "A romantic bouquet of roses and peonies in pink and white colors in a glass vase",
}


def _png(url: str) -> bytes:
    answer = requests.get(url, timeout=10)  # moto answers presigned links inside the mocked account
    assert answer.status_code == 200
    return answer.content


def test_an_image_generation_stores_real_pngs_and_answers_presigned_links(api: Api, tenant: Tenant) -> None:
    from PIL import Image

    reply = api.post("/v1/generations", {**DESIGN, "model_id": "local:petal", "n": 2}, key=tenant.app)
    assert reply.status == 201, reply.body
    body = reply.body
    assert (body["output_type"], body["model_id"], body["cost_usd"]) == ("image", "local:petal", 0.0)
    assert len(body["images"]) == 2 and body["images"][0]["sha256"] != body["images"][1]["sha256"]
    for image in body["images"]:
        data = _png(image["url"])
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert (len(data), hashlib.sha256(data).hexdigest()) == (image["bytes"], image["sha256"])
        assert Image.open(io.BytesIO(data)).size == (image["width"], image["height"]) == (512, 512)
        assert Image.open(io.BytesIO(_png(image["thumbnail_url"]))).size == (256, 256)
        assert image["content_type"] == "image/png" and image["expires_in_seconds"] == 3600
        assert "X-Amz-Expires=3600" in image["url"]
    # The session keeps references (S3 under the tenant's prefix), never bytes or a provider's link; reads sign anew.
    session = api.get(f"/v1/sessions/{body['session_id']}", key=tenant.read).body
    refs = session["output"]["images"]
    assert [r["location"].split("/", 3)[3].rsplit("/", 1)[0] for r in refs] == [f"tenants/{tenant.id}/images"] * 2
    assert [(r["id"], r["sha256"]) for r in refs] == [(i["id"], i["sha256"]) for i in body["images"]]
    assert [(i["id"], i["sha256"], i["width"]) for i in session["images"]] == [
        (i["id"], i["sha256"], i["width"]) for i in body["images"]
    ]
    assert (session["output"]["size"], session["output"]["quality"], session["output"]["n"]) == ("512x512", "standard", 2)


def test_the_same_prompt_renders_the_same_image_and_petal_paints_the_colours_asked_for(api: Api, tenant: Tenant) -> None:
    first = api.post("/v1/generations", {**DESIGN, "model_id": "local:petal", "size": "256x256"}, key=tenant.app).body
    again = api.post("/v1/generations", {**DESIGN, "model_id": "local:petal", "size": "256x256"}, key=tenant.app).body
    rough = api.post("/v1/generations", {**DESIGN, "model_id": "local:sprig", "size": "256x256"}, key=tenant.app).body
    assert first["images"][0]["sha256"] == again["images"][0]["sha256"] != rough["images"][0]["sha256"]
    assert compose.colour_match(_png(first["images"][0]["url"]), ["pink", "white"]) == 1.0
    assert compose.colour_match(_png(rough["images"][0]["url"]), ["pink", "white"]) == 0.0


def test_link_expiry_is_configurable(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLOOP_IMAGE_LINK_SECONDS", "120")
    image = api.post("/v1/generations", {**DESIGN, "size": "256x256"}, key=tenant.app).body["images"][0]
    assert image["expires_in_seconds"] == 120 and "X-Amz-Expires=120" in image["url"]


def test_parameters_the_models_cannot_honour_are_422_before_any_call(api: Api, tenant: Tenant) -> None:
    reply = api.post("/v1/generations", {**DESIGN, "size": "2048x2048", "style": "baroque"}, key=tenant.app)
    assert reply.status == 422
    fields = {(d["field"], d["message"].split(": ")[0]) for d in reply.body["error"]["details"]}
    assert fields == {
        ("body.size", "local:petal"),
        ("body.size", "local:sprig"),
        ("body.style", "local:petal"),
        ("body.style", "local:sprig"),
    }
    too_many = api.post("/v1/generations", {**DESIGN, "n": 5}, key=tenant.app)
    assert too_many.status == 422 and too_many.body["error"]["details"][0]["field"] == "body.n"
    bad_size = api.post("/v1/generations", {**DESIGN, "size": "big"}, key=tenant.app)
    assert bad_size.status == 422 and bad_size.body["error"]["details"][0]["field"] == "body.size"
    text_with_size = api.post(
        "/v1/generations", {**DESIGN, "category_key": "content_caption", "output_type": "text", "size": "512x512"}, key=tenant.app
    )
    assert text_with_size.status == 422
    assert api.get("/v1/sessions", key=tenant.read).body["items"] == []  # nothing was called, nothing recorded


def test_video_and_outputs_no_model_can_make_are_422_unsupported_output(api: Api, tenant: Tenant) -> None:
    video = api.post("/v1/generations", {**DESIGN, "category_key": "video_short"}, key=tenant.app)
    assert (video.status, video.error_code) == (422, "unsupported_output")
    assert video.body["error"]["details"][0]["field"] == "body.output_type"
    asked = api.post("/v1/generations", {**DESIGN, "output_type": "video"}, key=tenant.app)
    assert (asked.status, asked.error_code) == (422, "unsupported_output")
    as_text = api.post("/v1/generations", {**DESIGN, "output_type": "text"}, key=tenant.app)
    assert (as_text.status, as_text.error_code) == (422, "unsupported_output")
    for model_id in ("local:petal", "local:sprig"):
        assert api.delete(f"/v1/models/{model_id}", key=tenant.admin).status == 204
    none_left = api.post("/v1/generations", DESIGN, key=tenant.app)
    assert (none_left.status, none_left.error_code) == (422, "unsupported_output")
    assert api.get("/v1/sessions", key=tenant.read).body["items"] == []


def test_a_text_category_answers_text_and_refuses_images(api: Api, tenant: Tenant) -> None:
    image = api.post("/v1/generations", {**DESIGN, "category_key": "content_caption", "output_type": "image"}, key=tenant.app)
    assert (image.status, image.error_code) == (422, "unsupported_output")
    text = api.post("/v1/generations", {**DESIGN, "category_key": "content_caption"}, key=tenant.app).body
    assert text["output_type"] == "text" and text["images"] is None and isinstance(text["output"], str)


def test_ratings_of_designs_move_routing_to_the_better_image_model(api: Api, tenant: Tenant) -> None:
    from chalicelib.routing import service as routing

    routing.reseed(16)  # Thompson samples: reproducible
    for i in range(4):
        for model_id, rating in (("local:petal", 5), ("local:sprig", 1)):
            body = {**DESIGN, "user_id": f"florist-{i}", "model_id": model_id, "size": "256x256"}
            session = api.post("/v1/generations", body, key=tenant.app).body["session_id"]
            feedback = {"user_id": f"florist-{i}", "rating": rating, "aspect": "style"}
            assert api.post(f"/v1/sessions/{session}/feedback", feedback, key=tenant.app).status == 201
    routed = api.post("/v1/route", {"category_key": "image_social", "user_id": "florist-new"}, key=tenant.app).body
    assert routed["selected"]["model_id"] == "local:petal"
    petal = next(c for c in routed["candidates"] if c["model_id"] == "local:petal")
    assert any("over 4 rated answers" in r for r in petal["reasons"])
    design = api.post("/v1/generations", {**DESIGN, "user_id": "florist-new", "size": "256x256"}, key=tenant.app).body
    assert design["model_id"] == "local:petal"


def test_the_fault_layer_reaches_the_image_providers(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core import faults

    def chaos(spec: str) -> faults.Faults:
        faults.reset()
        monkeypatch.setenv("LEARNLOOP_CHAOS", spec)
        active = faults.active()
        assert active is not None
        return active

    injected = chaos("provider_error_first=1")  # the first image model answers 500: the next one makes the design
    body = api.post("/v1/generations", {**DESIGN, "size": "256x256"}, key=tenant.app).body
    assert body["attempts"][0] == {"model_id": body["attempts"][0]["model_id"], "ok": False,
                                   "error": "server_error: the provider answered 500 (injected)",
                                   "latency_ms": body["attempts"][0]["latency_ms"]}  # fmt: skip
    assert body["attempts"][1]["ok"] and body["selected_by"] == "fallback" and len(body["images"]) == 1
    assert injected.injected["provider_server_error"] == 1 and injected.provider_calls == 2
    for spec, error in (("provider_429=1", "rate_limited: the provider is rate limiting (429, Retry-After: 1) (injected)"),
                        ("provider_timeout=1", "timeout: the provider did not answer in time (injected)")):  # fmt: skip
        chaos(spec)
        failed = api.post("/v1/generations", {**DESIGN, "size": "256x256"}, key=tenant.app)
        assert (failed.status, failed.error_code) == (502, "upstream_failed")
        assert [d.get("error") for d in failed.body["error"]["details"][1:]] == [error, error]
    faults.reset()


def test_training_datasets_of_designs_export_prompts_s3_references_and_preference_pairs(api: Api, tenant: Tenant) -> None:
    import json

    def generate(model_id: str) -> dict[str, Any]:
        return api.post("/v1/generations", {**DESIGN, "model_id": model_id, "size": "256x256"}, key=tenant.app).body

    def download(dataset_id: str) -> list[dict[str, Any]]:
        reply = api.request("GET", f"/v1/training/datasets/{dataset_id}/download?split=train", key=tenant.admin)
        assert reply.status == 200, reply.body
        text = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)  # one line parses as JSON
        return [json.loads(line) for line in text.splitlines()]

    rough, good = generate("local:sprig"), generate("local:petal")  # the florist regenerates the rough one, rates the next
    feedback = api.post(f"/v1/sessions/{rough['session_id']}/feedback", {"user_id": "florist-1", "feedback_type": "regenerate"},
                        key=tenant.app)  # fmt: skip
    assert feedback.status == 201
    assert (
        api.post(f"/v1/sessions/{good['session_id']}/feedback", {"user_id": "florist-1", "rating": 5}, key=tenant.app).status
        == 201
    )
    request = {"days": 1, "min_rating": 4, "category_key": "image_social", "validation_split": 0.0}
    chat = api.post("/v1/training/datasets", request, key=tenant.admin).body
    (line,) = download(chat["id"])
    assert line["messages"][0] == {"role": "user", "content": DESIGN["prompt"]}
    answer = json.loads(line["messages"][-1]["content"])
    (ref,) = answer["images"]
    assert ref["location"].startswith("s3://") and f"/tenants/{tenant.id}/images/" in ref["location"]
    assert (ref["sha256"], ref["model_id"], ref["width"]) == (good["images"][0]["sha256"], "local:petal", 256)
    pairs = api.post("/v1/training/datasets", {**request, "format": "openai-preference-jsonl"}, key=tenant.admin).body
    (pair,) = download(pairs["id"])
    preferred = json.loads(pair["preferred_output"][-1]["content"])["images"][0]
    other = json.loads(pair["non_preferred_output"][-1]["content"])["images"][0]
    assert (preferred["sha256"], other["sha256"]) == (good["images"][0]["sha256"], rough["images"][0]["sha256"])
    assert pair["input"]["messages"][-1]["content"] == DESIGN["prompt"]
