"""The model catalog: every new tenant's defaults, models, task categories, mappings with live stats."""

from __future__ import annotations

from chalicelib.catalog.defaults import DEFAULT_MAPPINGS, DEFAULT_MODELS, DEFAULT_TASKS
from tests.conftest import Api, Tenant

NEW_MODEL = {
    "model_name": "Llama 3 70B (vLLM)",
    "provider": "vllm",
    "capabilities": ["text_generation", "text_chat"],
    "cost_bucket": "medium",
    "cost_per_1k_input": 0.0006,
    "cost_per_1k_output": 0.0008,
    "context_window": 8192,
    "max_tokens": 2048,
    "average_speed_ms": 900,
    "is_active": True,
    "is_recommended": False,
    "priority_rank": 1,
    "description": "Self-hosted",
    "use_cases": ["captions"],
    "limitations": "8k context",
}


def test_a_new_tenant_starts_with_the_default_catalog(api: Api, tenant: Tenant) -> None:
    models = api.get("/v1/models", key=tenant.read).body["items"]
    assert {m["model_id"] for m in models} == {m["model_id"] for m in DEFAULT_MODELS}
    assert len(models) == 16  # seed 002's 10, gpt-image-1, the offline echo, swift, sage and the image models petal, sprig
    gpt = next(m for m in models if m["model_id"] == "openai:gpt-4o")
    assert gpt["capabilities"] == ["text_generation", "text_reasoning", "vision", "json_mode", "function_calling", "streaming"]
    assert (gpt["cost_bucket"], gpt["context_window"], gpt["max_tokens"], gpt["is_recommended"]) == ("high", 128000, 4096, True)
    assert gpt["available"] is False  # no key configured here
    echo = next(m for m in models if m["model_id"] == "local:echo")
    assert echo["available"] is True and {"text_generation", "text_chat"} <= set(echo["capabilities"])
    tasks = api.get("/v1/tasks", key=tenant.read).body["items"]
    assert [t["category_key"] for t in tasks] == sorted(t["category_key"] for t in DEFAULT_TASKS)
    assert {t["category_key"] for t in tasks} == {
        "content_caption",
        "content_hooks",
        "content_hashtags",
        "content_ideas",
        "image_social",
        "video_short",
    }
    ideas = next(t for t in tasks if t["category_key"] == "content_ideas")
    assert ideas["required_capabilities"] == ["text_generation", "text_reasoning"] and ideas["typical_max_tokens"] == 2000
    captions = api.get("/v1/tasks/content_caption/models", key=tenant.read).body["items"]
    expected = [m for m in DEFAULT_MAPPINGS if m["category_key"] == "content_caption"]
    assert captions[0]["model_id"] == "openai:gpt-4o-mini"
    assert {m["model_id"]: m["suitability_score"] for m in captions} == {m["model_id"]: m["suitability_score"] for m in expected}


def test_models_are_filtered(api: Api, tenant: Tenant) -> None:
    images = api.get("/v1/models?capability=image_generation", key=tenant.read).body["items"]
    assert {m["model_id"] for m in images} == {
        "openai:dall-e-3",
        "openai:gpt-image-1",
        "stability:stable-diffusion-3",
        "local:petal",
        "local:sprig",
    }
    local = api.get("/v1/models?provider=local", key=tenant.read).body["items"]
    assert {m["model_id"] for m in local} == {"local:echo", "local:swift", "local:sage", "local:petal", "local:sprig"}
    assert api.get("/v1/models?active=false", key=tenant.read).body["items"] == []
    assert api.get("/v1/models?active=maybe", key=tenant.read).status == 422


def test_put_creates_then_replaces_a_model(api: Api, tenant: Tenant) -> None:
    created = api.put("/v1/models/vllm:llama-3-70b", NEW_MODEL, key=tenant.admin)
    assert created.status == 201
    assert created.body["model_id"] == created.body["id"] == "vllm:llama-3-70b"
    for field, value in NEW_MODEL.items():
        assert created.body[field] == value, field
    replaced = api.put("/v1/models/vllm:llama-3-70b", {**NEW_MODEL, "cost_per_1k_output": 0.001}, key=tenant.admin)
    assert replaced.status == 200
    assert replaced.body["cost_per_1k_output"] == 0.001 and replaced.body["created_at"] == created.body["created_at"]
    assert api.get("/v1/models/vllm:llama-3-70b", key=tenant.read).body["cost_per_1k_output"] == 0.001
    assert api.put("/v1/models/vllm:llama-3-70b", NEW_MODEL, key=tenant.app).status == 403


def test_model_validation(api: Api, tenant: Tenant) -> None:
    mismatch = api.put("/v1/models/openai:x", NEW_MODEL, key=tenant.admin)
    assert mismatch.status == 422 and mismatch.body["error"]["details"][0]["field"] == "body.provider"
    bad_id = api.put("/v1/models/no-provider", NEW_MODEL, key=tenant.admin)
    assert bad_id.status == 422 and bad_id.body["error"]["details"][0]["field"] == "path.model_id"
    bad = api.put(
        "/v1/models/vllm:x", {**NEW_MODEL, "cost_bucket": "free", "context_window": 0, "capabilities": []}, key=tenant.admin
    )
    assert {d["field"] for d in bad.body["error"]["details"]} == {"body.cost_bucket", "body.context_window", "body.capabilities"}


def test_delete_deprecates(api: Api, tenant: Tenant) -> None:
    assert api.delete("/v1/models/openai:gpt-4-turbo", key=tenant.admin).status == 204
    model = api.get("/v1/models/openai:gpt-4-turbo", key=tenant.read).body
    assert model["is_active"] is False and model["deprecated_at"]
    assert [m["model_id"] for m in api.get("/v1/models?active=false", key=tenant.read).body["items"]] == ["openai:gpt-4-turbo"]
    assert api.delete("/v1/models/openai:nope", key=tenant.admin).status == 404


def test_task_categories_and_mappings(api: Api, tenant: Tenant) -> None:
    body = {
        "category_name": "Product descriptions",
        "description": "Shop product copy",
        "required_capabilities": ["text_generation"],
        "preferred_capabilities": ["json_mode"],
        "default_priority": "quality",
        "default_complexity": "moderate",
        "typical_max_tokens": 800,
        "typical_temperature": 0.6,
    }
    created = api.put("/v1/tasks/product_description", body, key=tenant.admin)
    assert created.status == 201 and created.body["category_key"] == "product_description"
    assert api.put("/v1/tasks/product_description", body, key=tenant.admin).status == 200
    mapping = {
        "suitability_score": 0.8,
        "is_recommended": True,
        "priority_rank": 1,
        "min_complexity": "simple",
        "max_complexity": "complex",
        "recommended_for_priority": "quality",
    }
    made = api.put("/v1/tasks/product_description/models/local:sage", mapping, key=tenant.admin)
    assert made.status == 201
    assert {k: made.body[k] for k in mapping} == mapping
    assert (made.body["total_uses"], made.body["average_quality"], made.body["success_rate"]) == (0, None, None)
    assert api.put("/v1/tasks/product_description/models/local:sage", mapping, key=tenant.admin).status == 200
    assert api.put("/v1/tasks/nope/models/local:sage", mapping, key=tenant.admin).status == 404
    assert api.put("/v1/tasks/product_description/models/local:nope", mapping, key=tenant.admin).status == 404
    bad = api.put(
        "/v1/tasks/product_description/models/local:sage",
        {"suitability_score": 1.5, "min_complexity": "complex", "max_complexity": "simple"},
        key=tenant.admin,
    )
    assert bad.status == 422


def test_mapping_stats_are_live(api: Api, tenant: Tenant) -> None:
    for rating in (5, 4, 1):
        made = api.post(
            "/v1/generations",
            {"user_id": "u", "category_key": "content_caption", "prompt": "tulips", "model_id": "local:sage"},
            key=tenant.app,
        ).body
        api.post(f"/v1/sessions/{made['session_id']}/feedback", {"user_id": "u", "rating": rating}, key=tenant.app)
    api.post(f"/v1/sessions/{made['session_id']}/feedback", {"user_id": "v", "feedback_type": "regenerate"}, key=tenant.app)
    sage = next(
        m for m in api.get("/v1/tasks/content_caption/models", key=tenant.read).body["items"] if m["model_id"] == "local:sage"
    )
    assert (sage["total_uses"], sage["total_feedback"], sage["total_regenerates"]) == (3, 4, 1)
    assert sage["success_rate"] == 2 / 4
    assert sage["average_quality"] == 1 + 4 * ((1.0 + 0.75 + 0.0 + 0.1) / 4)
    assert sage["error_rate"] == 0.0


def test_catalogs_are_per_tenant(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    api.put("/v1/models/vllm:mine", NEW_MODEL | {"provider": "vllm"}, key=tenant.admin)
    assert api.get("/v1/models/vllm:mine", key=other_tenant.read).status == 404
    assert "vllm:mine" not in {m["model_id"] for m in api.get("/v1/models", key=other_tenant.read).body["items"]}
