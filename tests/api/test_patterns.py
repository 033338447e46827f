"""Optimisation patterns: create, match ranked by estimated success, outcomes."""

from __future__ import annotations

from tests.conftest import Api, Tenant

DESCRIPTIONS = {
    "pattern": "product_description_optimization",
    "description": "Improve product descriptions for SEO and conversions",
    "category": "product_optimization",
    "store_type": "shopify",
    "conditions": {"hasShortDescriptions": True, "productCount": ">10"},
    "solution": {"steps": ["expand_descriptions", "add_keywords", "include_benefits"]},
    "success_rate": 0.85,
}


def test_seed_004s_pattern_is_saved_matched_and_learns(api: Api, tenant: Tenant) -> None:
    created = api.post("/v1/patterns", DESCRIPTIONS, key=tenant.admin)
    assert created.status == 201
    pattern = created.body
    assert (pattern["success_rate"], pattern["usage_count"], pattern["solution"]) == (0.85, 0, DESCRIPTIONS["solution"])
    other = api.post(
        "/v1/patterns",
        {**DESCRIPTIONS, "pattern": "bulk_rewrite", "conditions": {"productCount": ">5"}, "success_rate": 0.6},
        key=tenant.admin,
    ).body
    api.post("/v1/patterns", {**DESCRIPTIONS, "pattern": "few_products", "conditions": {"productCount": "<5"}}, key=tenant.admin)
    facts = {"hasShortDescriptions": True, "productCount": 15}
    matched = api.post(
        "/v1/patterns/match", {"store_type": "shopify", "category": "product_optimization", "facts": facts}, key=tenant.app
    ).body["items"]
    assert [p["pattern"] for p in matched] == ["product_description_optimization", "bulk_rewrite"]

    for _ in range(3):
        outcome = api.post(f"/v1/patterns/{pattern['id']}/outcome", {"success": False}, key=tenant.app)
    assert outcome.status == 200
    assert (outcome.body["usage_count"], outcome.body["failures"]) == (3, 3)
    assert outcome.body["success_rate"] == round(5 * 0.85 / 8, 6)
    for _ in range(4):
        api.post(f"/v1/patterns/{other['id']}/outcome", {"success": True}, key=tenant.app)
    matched = api.post(
        "/v1/patterns/match", {"store_type": "shopify", "category": "product_optimization", "facts": facts}, key=tenant.app
    ).body["items"]
    assert [p["pattern"] for p in matched] == ["bulk_rewrite", "product_description_optimization"]
    assert matched[0]["success_rate"] == round((5 * 0.6 + 4) / 9, 6)
    assert (
        api.post(
            "/v1/patterns/match", {"store_type": "wix", "category": "product_optimization", "facts": facts}, key=tenant.app
        ).body["items"]
        == []
    )


def test_pattern_validation_and_isolation(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    bad = api.post("/v1/patterns", {**DESCRIPTIONS, "conditions": {"productCount": {"around": 10}}}, key=tenant.admin)
    assert bad.status == 422 and bad.body["error"]["details"][0]["field"] == "body.conditions.productCount"
    assert api.post("/v1/patterns", {**DESCRIPTIONS, "success_rate": 1.5}, key=tenant.admin).status == 422
    assert api.post("/v1/patterns", DESCRIPTIONS, key=tenant.app).status == 403
    mine = api.post("/v1/patterns", DESCRIPTIONS, key=tenant.admin).body
    assert api.post(f"/v1/patterns/{mine['id']}/outcome", {"success": True}, key=other_tenant.app).status == 404
    assert api.post("/v1/patterns/pat_nope/outcome", {"success": True}, key=tenant.app).status == 404
    assert api.get(f"/v1/patterns/{mine['id']}", key=tenant.read).body["id"] == mine["id"]


def test_outcomes_are_exact_under_replays(api: Api, tenant: Tenant) -> None:
    pattern = api.post("/v1/patterns", DESCRIPTIONS, key=tenant.admin).body
    for _ in range(5):
        api.post(f"/v1/patterns/{pattern['id']}/outcome", {"success": True}, key=tenant.app, headers={"Idempotency-Key": "o-1"})
    assert api.get(f"/v1/patterns/{pattern['id']}", key=tenant.read).body["usage_count"] == 1


def test_the_list_holds_every_pattern_newest_first_filtered_and_paged(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    names = ["speed_images", "seo_titles", "wix_menus"]
    for name in names:
        store_type = "wix" if name.startswith("wix") else "shopify"
        assert (
            api.post("/v1/patterns", {**DESCRIPTIONS, "pattern": name, "store_type": store_type}, key=tenant.admin).status == 201
        )
    api.post("/v1/patterns", {**DESCRIPTIONS, "pattern": "elsewhere"}, key=other_tenant.admin)

    listed = api.get("/v1/patterns", key=tenant.read)
    assert listed.status == 200
    assert [p["pattern"] for p in listed.body["items"]] == names[::-1] and listed.body["next_cursor"] is None
    assert [p["pattern"] for p in api.get("/v1/patterns?store_type=shopify", key=tenant.read).body["items"]] == names[1::-1]
    assert api.get("/v1/patterns?category=nothing_here", key=tenant.read).body["items"] == []
    first = api.get("/v1/patterns?limit=2", key=tenant.read).body
    rest = api.get(f"/v1/patterns?limit=2&cursor={first['next_cursor']}", key=tenant.read).body
    assert [p["pattern"] for p in first["items"] + rest["items"]] == names[::-1] and rest["next_cursor"] is None
    assert api.get(f"/v1/patterns?cursor={first['next_cursor']}", key=other_tenant.read).status == 422
