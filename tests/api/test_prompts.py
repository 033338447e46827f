"""Prompt templates: seed 000's defaults, versions, rendering."""

from __future__ import annotations

from tests.conftest import Api, Tenant


def test_every_tenant_has_seed_000s_templates(api: Api, tenant: Tenant) -> None:
    items = api.get("/v1/prompts", key=tenant.read).body["items"]
    assert [(p["name"], p["version"]) for p in items] == [("arrangement-modern", 1), ("bouquet-basic", 1), ("style-specific", 1)]
    basic = api.get("/v1/prompts/bouquet-basic", key=tenant.read).body
    assert basic["template"] == "Create a beautiful {style} bouquet with {flowers} in {colors} colors for {occasion}"
    assert basic["variables"] == ["style", "flowers", "colors", "occasion"]
    rendered = api.post(
        "/v1/prompts/bouquet-basic/render",
        {"variables": {"style": "romantic", "flowers": "roses and peonies", "colors": "pink and white", "occasion": "wedding"}},
        key=tenant.app,
    )
    assert rendered.status == 200
    assert (
        rendered.body["text"] == "Create a beautiful romantic bouquet with roses and peonies in pink and white colors for wedding"
    )
    assert rendered.body["version"] == 1


def test_each_put_is_a_new_version(api: Api, tenant: Tenant) -> None:
    first = api.put("/v1/prompts/resize", {"template": "Resize to {width}x{height}", "category": "editor"}, key=tenant.admin)
    assert first.status == 201 and first.body["version"] == 1 and first.body["variables"] == ["width", "height"]
    second = api.put("/v1/prompts/resize", {"template": "Resize to {width}x{height} keeping {focus} centred"}, key=tenant.admin)
    assert second.body["version"] == 2
    assert api.get("/v1/prompts/resize", key=tenant.read).body["version"] == 2
    assert api.get("/v1/prompts/resize?version=1", key=tenant.read).body["template"] == "Resize to {width}x{height}"
    old = api.post("/v1/prompts/resize/render", {"variables": {"width": 1080, "height": 1920}, "version": 1}, key=tenant.app)
    assert old.body == {"text": "Resize to 1080x1920", "version": 1, "name": "resize"}
    assert api.get("/v1/prompts/resize?version=3", key=tenant.read).status == 404
    assert next(p for p in api.get("/v1/prompts", key=tenant.read).body["items"] if p["name"] == "resize")["version"] == 2


def test_a_missing_variable_is_422_naming_it(api: Api, tenant: Tenant) -> None:
    reply = api.post("/v1/prompts/bouquet-basic/render", {"variables": {"style": "rustic", "colors": "red"}}, key=tenant.app)
    assert reply.status == 422
    assert [d["field"] for d in reply.body["error"]["details"]] == ["body.variables.flowers", "body.variables.occasion"]
    assert "flowers" in reply.body["error"]["message"]


def test_bad_templates_and_unknown_prompts(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    bad = api.put("/v1/prompts/x", {"template": "Hello {user.name}"}, key=tenant.admin)
    assert bad.status == 422 and bad.body["error"]["details"][0]["field"] == "body.template"
    assert api.get("/v1/prompts/x", key=tenant.read).status == 404
    assert api.post("/v1/prompts/nope/render", {"variables": {}}, key=tenant.app).status == 404
    api.put("/v1/prompts/secret-sauce", {"template": "ours {x}"}, key=tenant.admin)
    assert api.get("/v1/prompts/secret-sauce", key=other_tenant.read).status == 404
    assert api.put("/v1/prompts/y", {"template": "t"}, key=tenant.app).status == 403
