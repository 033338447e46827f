"""The tenant's own catalog: items of any kind, exact usage counts, seed 000's style templates; customers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import Api, Tenant

ROSE = {"name": "Red Rose", "attributes": {"variety": "Rose", "color": "Red", "seasonality": "all year", "price_range": "mid"}}


def test_items_of_any_kind_with_usage_counts(api: Api, tenant: Tenant) -> None:
    created = api.put("/v1/catalog/flowers/red-rose", ROSE, key=tenant.admin)
    assert created.status == 201 and created.body["usage_count"] == 0 and created.body["kind"] == "flowers"
    assert api.put("/v1/catalog/flowers/red-rose", {**ROSE, "is_active": False}, key=tenant.admin).status == 200
    api.put("/v1/catalog/flowers/peony", {"name": "Peony"}, key=tenant.admin)
    api.put("/v1/catalog/occasions/wedding", {"name": "Wedding", "attributes": {"typical_colors": ["white"]}}, key=tenant.admin)

    def generate(i: int) -> int:
        refs = {"flowers": ["red-rose"] + (["peony"] if i % 2 else []), "occasions": ["wedding"]}
        return api.post(
            "/v1/generations",
            {"user_id": f"u{i}", "category_key": "content_caption", "prompt": "a bouquet", "features": {"catalog": refs}},
            key=tenant.app,
        ).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(generate, range(12))) == {201}
    api.post(
        "/v1/sessions",
        {"user_id": "x", "category_key": "design", "input": "made elsewhere", "features": {"catalog": {"flowers": "peony"}}},
        key=tenant.app,
    )
    flowers = api.get("/v1/catalog/flowers", key=tenant.read).body["items"]
    assert [(f["id"], f["usage_count"]) for f in flowers] == [("red-rose", 12), ("peony", 7)]
    assert flowers[0]["is_active"] is False and flowers[0]["attributes"] == ROSE["attributes"]
    assert api.get("/v1/catalog/occasions", key=tenant.read).body["items"][0]["usage_count"] == 12
    unknown = api.post(
        "/v1/generations",
        {
            "user_id": "u",
            "category_key": "content_caption",
            "prompt": "a bouquet",
            "features": {"catalog": {"flowers": ["tulip"]}},
        },
        key=tenant.app,
    )
    assert unknown.status == 422 and unknown.body["error"]["details"][0]["field"] == "body.features.catalog.flowers"
    assert api.get("/v1/catalog/flowers/red-rose", key=tenant.read).body["usage_count"] == 12


def test_catalog_validation_and_isolation(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    assert api.put("/v1/catalog/Flowers!/x", ROSE, key=tenant.admin).status == 422
    assert api.put("/v1/catalog/flowers/red-rose", {"attributes": {}}, key=tenant.admin).status == 422
    assert api.put("/v1/catalog/flowers/red-rose", ROSE, key=tenant.app).status == 403
    api.put("/v1/catalog/flowers/red-rose", ROSE, key=tenant.admin)
    assert api.get("/v1/catalog/flowers", key=other_tenant.read).body["items"] == []
    assert api.get("/v1/catalog/flowers/red-rose", key=other_tenant.read).status == 404


def test_seed_000s_style_templates_for_those_who_want_them(api: Api, tenant: Tenant) -> None:
    offered = api.get("/v1/catalog-templates/styles", key=tenant.read).body["items"]
    assert [t["name"] for t in offered] == [
        "Romantic Classic",
        "Modern Minimalist",
        "Rustic Natural",
        "Elegant Formal",
        "Tropical Vibrant",
    ]
    assert api.get("/v1/catalog/styles", key=tenant.read).body["items"] == []  # not installed unless asked
    api.put("/v1/catalog/styles/rustic-natural", {"name": "Our rustic"}, key=tenant.admin)
    installed = api.post("/v1/catalog-templates/styles/install", key=tenant.admin).body
    assert installed["installed"] == 4 and len(installed["items"]) == 5
    assert next(i for i in installed["items"] if i["id"] == "rustic-natural")["name"] == "Our rustic"  # kept as it was
    assert api.post("/v1/catalog-templates/styles/install", key=tenant.admin).body["installed"] == 0
    assert api.post("/v1/catalog-templates/nope/install", key=tenant.admin).status == 404


CUSTOMER = {
    "recipient_name": "Ada Lovelace",
    "birthday": "1815-12-10",
    "anniversary": "2010-06-01",
    "special_dates": ["2026-02-14", {"date": "2026-05-10", "label": "Mother's Day"}],
    "preferences": {"delivery": "morning"},
    "allergies": ["lilies"],
    "favorite_flowers": ["peonies"],
    "favorite_colors": ["white", "blush"],
    "budget_preference": "premium",
}


def test_customers_are_validated_and_read_by_admins_only(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    created = api.put("/v1/customers/cust-1", CUSTOMER, key=tenant.app)
    assert created.status == 201
    for field, value in CUSTOMER.items():
        assert created.body[field] == value, field
    assert api.put("/v1/customers/cust-1", {**CUSTOMER, "allergies": []}, key=tenant.app).status == 200
    assert api.get("/v1/customers/cust-1", key=tenant.admin).body["allergies"] == []
    assert api.get("/v1/customers/cust-1", key=tenant.app).status == 403
    assert api.get("/v1/customers/cust-1", key=other_tenant.admin).status == 404
    bad = api.put(
        "/v1/customers/cust-2", {"birthday": "2026-02-30", "special_dates": ["soon"], "allergies": "lilies"}, key=tenant.app
    )
    assert bad.status == 422
    assert {d["field"].split(".")[1] for d in bad.body["error"]["details"]} == {"birthday", "special_dates", "allergies"}
    assert api.get("/v1/customers/cust-2", key=tenant.admin).status == 404
