"""Tenants, API keys, roles and limits through the HTTP API."""

from __future__ import annotations

from chalicelib.core import clock
from tests.conftest import ROOT_KEY, Api, Tenant, make_tenant


def test_root_creates_a_tenant_with_an_admin_key(api: Api) -> None:
    reply = api.post("/v1/tenants", {"name": "Bloom & Co", "domain": "Bloom.Example"}, key=ROOT_KEY)
    assert reply.status == 201
    tenant, key = reply.body["tenant"], reply.body["api_key"]
    assert tenant["name"] == "Bloom & Co"
    assert tenant["domain"] == "bloom.example"
    assert tenant["id"] == tenant["tenant_id"]
    assert tenant["created_at"].endswith("Z") and len(tenant["created_at"]) == 24
    assert key["role"] == "admin" and key["key"].startswith("ll.")
    me = api.get("/v1/tenants/me", key=key["key"])
    assert me.status == 200
    assert me.body["id"] == tenant["id"]


def test_a_taken_domain_is_409_and_writes_nothing(api: Api) -> None:
    first = api.post("/v1/tenants", {"name": "A", "domain": "same.example"}, key=ROOT_KEY)
    second = api.post("/v1/tenants", {"name": "B", "domain": "SAME.example"}, key=ROOT_KEY)
    assert first.status == 201
    assert second.status == 409
    assert second.error_code == "domain_taken"
    from chalicelib.tenancy.store import iter_tenant_ids

    assert list(iter_tenant_ids()) == [first.body["tenant"]["id"]]


def test_tenant_creation_needs_the_root_key(api: Api, tenant: Tenant) -> None:
    assert api.post("/v1/tenants", {"name": "X", "domain": "x.example"}).status == 401
    assert api.post("/v1/tenants", {"name": "X", "domain": "x.example"}, key="nope").status == 401
    reply = api.post("/v1/tenants", {"name": "X", "domain": "x.example"}, key=tenant.admin)
    assert reply.status == 403
    assert reply.error_code == "forbidden"


def test_invalid_tenant_bodies_name_the_field(api: Api) -> None:
    reply = api.post("/v1/tenants", {"name": "X", "domain": "not a domain!"}, key=ROOT_KEY)
    assert reply.status == 422
    assert [d["field"] for d in reply.body["error"]["details"]] == ["body.domain"]
    reply = api.post("/v1/tenants", {"name": "X"}, key=ROOT_KEY)
    assert reply.status == 422
    assert reply.body["error"]["details"][0]["field"] == "body.domain"
    assert reply.body["error"]["details"][0]["type"] == "missing"


def test_root_key_has_no_tenant(api: Api) -> None:
    reply = api.get("/v1/tenants/me", key=ROOT_KEY)
    assert reply.status == 403


def test_roles_are_ordered(api: Api, tenant: Tenant) -> None:
    assert api.get("/v1/tenants/me", key=tenant.read).status == 200
    assert api.get("/v1/api-keys", key=tenant.read).status == 403
    assert api.get("/v1/api-keys", key=tenant.app).status == 403
    assert api.get("/v1/api-keys", key=tenant.admin).status == 200
    reply = api.post("/v1/api-keys", {"name": "x", "role": "read"}, key=tenant.app)
    assert reply.status == 403
    assert "admin" in reply.body["error"]["message"]


def test_keys_are_listed_without_secrets_and_revoked_keys_get_401(api: Api, tenant: Tenant) -> None:
    created = api.post("/v1/api-keys", {"name": "ci", "role": "app"}, key=tenant.admin)
    assert created.status == 201
    assert set(created.body) >= {"id", "key", "role", "name"}
    token = created.body["key"]
    assert api.get("/v1/tenants/me", key=token).status == 200

    listed = api.get("/v1/api-keys", key=tenant.admin)
    assert listed.status == 200
    assert {k["name"] for k in listed.body["items"]} == {"default admin key", "app key", "read key", "ci"}
    assert all("key" not in k and "secret_sha256" not in k for k in listed.body["items"])
    assert listed.body["next_cursor"] is None

    assert api.delete(f"/v1/api-keys/{created.body['id']}", key=tenant.admin).status == 204
    assert api.get("/v1/tenants/me", key=token).status == 401
    assert api.delete(f"/v1/api-keys/{created.body['id']}", key=tenant.admin).status == 404
    names = {k["name"] for k in api.get("/v1/api-keys", key=tenant.admin).body["items"]}
    assert "ci" not in names


def test_a_tampered_secret_is_refused(api: Api, tenant: Tenant) -> None:
    forged = tenant.app[:-3] + ("AAA" if not tenant.app.endswith("AAA") else "BBB")
    assert api.get("/v1/tenants/me", key=forged).status == 401
    assert api.get("/v1/tenants/me", headers={"Authorization": f"Basic {tenant.app}"}).status == 401


def test_the_last_admin_key_cannot_be_revoked(api: Api, tenant: Tenant) -> None:
    keys = api.get("/v1/api-keys", key=tenant.admin).body["items"]
    admin_id = next(k["id"] for k in keys if k["role"] == "admin")
    reply = api.delete(f"/v1/api-keys/{admin_id}", key=tenant.admin)
    assert reply.status == 409
    assert reply.error_code == "last_admin_key"
    second = api.post("/v1/api-keys", {"name": "second admin", "role": "admin"}, key=tenant.admin).body
    assert api.delete(f"/v1/api-keys/{admin_id}", key=second["key"]).status == 204
    assert api.get("/v1/tenants/me", key=tenant.admin).status == 401


def test_key_listing_pages_with_a_cursor(api: Api, tenant: Tenant) -> None:
    for i in range(4):
        api.post("/v1/api-keys", {"name": f"k{i}", "role": "read"}, key=tenant.admin)
    seen, cursor = [], None
    while True:
        path = "/v1/api-keys?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(path, key=tenant.admin).body
        assert len(page["items"]) <= 2
        seen += [k["id"] for k in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7


def test_another_tenants_key_is_404(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = api.get("/v1/api-keys", key=other_tenant.admin).body["items"][0]["id"]
    reply = api.delete(f"/v1/api-keys/{theirs}", key=tenant.admin)
    assert reply.status == 404
    assert api.get("/v1/tenants/me", key=other_tenant.admin).status == 200


def test_limits_are_replaced_and_read_back(api: Api, tenant: Tenant) -> None:
    reply = api.put(
        "/v1/tenants/me/limits",
        {"monthly_budget_usd": 25.5, "on_budget": "downgrade", "requests_per_minute": 100},
        key=tenant.admin,
    )
    assert reply.status == 200
    assert reply.body == {"monthly_budget_usd": 25.5, "on_budget": "downgrade", "requests_per_minute": 100}
    assert api.get("/v1/tenants/me", key=tenant.read).body["limits"] == reply.body
    reply = api.put("/v1/tenants/me/limits", {"on_budget": "block"}, key=tenant.admin)
    assert reply.body == {"monthly_budget_usd": None, "on_budget": "block", "requests_per_minute": None}
    bad = api.put("/v1/tenants/me/limits", {"on_budget": "explode", "requests_per_minute": 0}, key=tenant.admin)
    assert bad.status == 422
    assert {d["field"] for d in bad.body["error"]["details"]} == {"body.on_budget", "body.requests_per_minute"}
    assert api.put("/v1/tenants/me/limits", {"on_budget": "block"}, key=tenant.app).status == 403


def test_requests_per_minute_is_enforced_with_retry_after(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    from datetime import UTC, datetime

    with clock.frozen(datetime(2026, 11, 22, 10, 5, 20, tzinfo=UTC)):
        assert api.put("/v1/tenants/me/limits", {"requests_per_minute": 3}, key=tenant.admin).status == 200
        statuses = [api.get("/v1/tenants/me", key=tenant.read).status for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = api.get("/v1/tenants/me", key=tenant.read)
        assert limited.error_code == "rate_limited"
        assert limited.headers["retry-after"] == "40"
        # Another tenant is not affected.
        assert api.get("/v1/tenants/me", key=other_tenant.read).status == 200
    with clock.frozen(datetime(2026, 11, 22, 10, 6, 1, tzinfo=UTC)):
        assert api.get("/v1/tenants/me", key=tenant.read).status == 200


def test_a_second_tenant_is_independent(api: Api) -> None:
    a, b = make_tenant(api, "One"), make_tenant(api, "Two")
    assert api.get("/v1/tenants/me", key=a.read).body["id"] == a.id
    assert api.get("/v1/tenants/me", key=b.read).body["id"] == b.id


def test_a_request_never_sees_another_threads_request(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    """Chalice keeps one `current_request` per app, which concurrent threads (the local server, the tests) overwrite.

    Simulate the worst interleaving: another request lands on the app after ours entered the middleware and
    before our view runs. The view must still serve our request, with our key.
    """
    from chalice.app import Request

    import app as chalice_app

    intruder = Request(
        {
            "headers": {"authorization": f"Bearer {other_tenant.read}"},
            "queryStringParameters": None,
            "pathParameters": None,
            "requestContext": {"httpMethod": "GET", "resourcePath": "/v1/tenants/me"},
            "body": None,
            "stageVariables": None,
            "isBase64Encoded": False,
            "multiValueQueryStringParameters": None,
        },
    )

    def overwrite(request, get_response):
        chalice_app.app.current_request = intruder
        return get_response(request)

    handlers = chalice_app.app.middleware_handlers
    chalice_app.app.middleware_handlers = [*handlers, (overwrite, "http")]
    try:
        me = api.get("/v1/tenants/me", key=tenant.read)
    finally:
        chalice_app.app.middleware_handlers = handlers
    assert me.status == 200 and me.body["id"] == tenant.id


def test_a_key_reads_its_own_tenant_id_role_and_name(api: Api, tenant: Tenant) -> None:
    created = api.post("/v1/api-keys", {"name": "console viewer", "role": "read"}, key=tenant.admin)
    me = api.get("/v1/me", key=created.body["key"])
    assert me.status == 200
    assert me.body == {
        "tenant_id": tenant.id,
        "key_id": created.body["id"],
        "role": "read",
        "name": "console viewer",
        "company_id": None,
    }
    assert api.get("/v1/me", key=tenant.admin).body["role"] == "admin"
    assert api.get("/v1/me", key=tenant.app).body["name"] == "app key"
    assert api.get("/v1/me", key=ROOT_KEY).status == 403
    assert api.get("/v1/me").status == 401
    assert api.delete(f"/v1/api-keys/{created.body['id']}", key=tenant.admin).status == 204
    assert api.get("/v1/me", key=created.body["key"]).status == 401
