"""Context windows: store data, the last 10 conversations and 50 actions of 30 days, contextual prompts, generations."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from chalicelib.core import clock
from chalicelib.core.keys import user_partition
from chalicelib.core.table import TableItem
from tests.conftest import Api, Tenant

WINDOW = "/v1/contexts/merchant-1/mystore.myshopify.com"
STORE = {
    "store_url": "mystore.myshopify.com",
    "store_type": "shopify",
    "store_data": {"productCount": 150, "themes": ["dawn", "sense"]},
    "current_issues": ["slow_loading", "poor_seo"],
}


def stored_entries(tenant: Tenant, kind: str) -> int:
    items = TableItem.query(
        user_partition(tenant.id, "merchant-1"), TableItem.sk.startswith(f"CONTEXT#mystore.myshopify.com#{kind}#")
    )
    return sum(1 for _ in items)


def test_the_window_holds_store_data_conversations_and_actions(api: Api, tenant: Tenant) -> None:
    put = api.put(WINDOW, STORE, key=tenant.app)
    assert put.status == 200 and put.body["store_type"] == "shopify" and put.body["conversations"] == []
    conversation = api.post(
        WINDOW + "/conversations",
        {
            "user_message": "How to improve my product descriptions?",
            "ai_response": "I'll help you optimize...",
            "category": "product_optimization",
        },
        key=tenant.app,
    )
    assert conversation.status == 201 and conversation.body["seq"] == 1 and conversation.body["session_id"].startswith("ses_")
    action = api.post(
        WINDOW + "/optimizations",
        {"action": "Image optimization", "result": "success", "details": {"saved_kb": 812}},
        key=tenant.app,
    )
    assert action.status == 201
    window = api.get(WINDOW, key=tenant.read).body
    assert window["store_data"] == STORE["store_data"] and window["current_issues"] == STORE["current_issues"]
    assert [c["user_message"] for c in window["conversations"]] == ["How to improve my product descriptions?"]
    assert window["optimizations"][0]["details"] == {"saved_kb": 812}
    assert (window["max_conversations"], window["max_optimizations"], window["retention_days"]) == (10, 50, 30)
    session = api.get(f"/v1/sessions/{conversation.body['session_id']}", key=tenant.read).body
    assert (session["input"], session["category_key"]) == ("How to improve my product descriptions?", "product_optimization")
    assert api.get("/v1/contexts/merchant-1/other-store", key=tenant.read).status == 404
    assert api.put("/v1/contexts/merchant-1/bad%20store", STORE, key=tenant.app).status == 422


def test_never_more_than_10_conversations_or_50_actions(api: Api, tenant: Tenant) -> None:
    for i in range(14):
        api.post(WINDOW + "/conversations", {"user_message": f"question {i}", "ai_response": f"answer {i}"}, key=tenant.app)

    def act(i: int) -> int:
        return api.post(
            WINDOW + "/optimizations", {"action": f"action {i}", "result": "failure" if i % 3 else "success"}, key=tenant.app
        ).status

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert set(pool.map(act, range(60))) == {201}
    window = api.get(WINDOW, key=tenant.read).body
    assert [c["user_message"] for c in window["conversations"]] == [f"question {i}" for i in range(4, 14)]
    assert len(window["optimizations"]) == 50
    seqs = sorted(o["seq"] for o in window["optimizations"])
    assert seqs == list(range(11, 61)), f"the ring holds {seqs}"
    assert stored_entries(tenant, "CONV") == 10 and stored_entries(tenant, "OPT") == 50


def test_nothing_older_than_30_days(api: Api, tenant: Tenant) -> None:
    now = clock.now()
    with clock.frozen(now - timedelta(days=31)):
        api.post(WINDOW + "/conversations", {"user_message": "old", "ai_response": "old answer"}, key=tenant.app)
    with clock.frozen(now - timedelta(days=29)):
        api.post(WINDOW + "/conversations", {"user_message": "recent", "ai_response": "recent answer"}, key=tenant.app)
    window = api.get(WINDOW, key=tenant.read).body
    assert [c["user_message"] for c in window["conversations"]] == ["recent"]
    entry = next(
        i for i in TableItem.query(user_partition(tenant.id, "merchant-1")) if getattr(i, "user_message", None) == "recent"
    )
    assert entry.expires_at is not None  # DynamoDB's TTL removes it after 30 days


def test_the_contextual_prompt_fits_max_chars(api: Api, tenant: Tenant) -> None:
    api.put(WINDOW, STORE, key=tenant.app)
    for i in range(10):
        api.post(
            WINDOW + "/conversations", {"user_message": f"question {i} " * 10, "ai_response": f"answer {i} " * 20}, key=tenant.app
        )
    full = api.post(WINDOW + "/prompt", {"message": "How to fix my homepage speed?"}, key=tenant.app).body
    assert full["prompt"].startswith("Store Context:\n- URL: mystore.myshopify.com\n- Type: shopify\n- Products: 150 products")
    assert full["prompt"].endswith(
        "User Message: How to fix my homepage speed?\n\nProvide a context-aware response based on the "
        "store's specific situation and optimization history."
    )
    assert full["conversations_included"] == 10 and full["truncated"] is False
    for limit in (300, 800, 1500):
        fitted = api.post(
            WINDOW + "/prompt", {"message": "How to fix my homepage speed?", "max_chars": limit}, key=tenant.app
        ).body
        assert len(fitted["prompt"]) <= limit and fitted["truncated"] is True
        assert "How to fix my homepage speed?" in fitted["prompt"]
    assert api.post(WINDOW + "/prompt", {"message": "x", "max_chars": 10}, key=tenant.app).status == 422


def test_a_generation_with_a_store_uses_and_extends_its_context(api: Api, tenant: Tenant) -> None:
    api.put(WINDOW, STORE, key=tenant.app)
    api.post(WINDOW + "/optimizations", {"action": "SEO improvements", "result": "success"}, key=tenant.app)
    made = api.post(
        "/v1/generations",
        {
            "user_id": "merchant-1",
            "category_key": "content_caption",
            "prompt": "Speed up my homepage",
            "model_id": "local:echo",
            "context": {"store_id": "mystore.myshopify.com"},
        },
        key=tenant.app,
    ).body
    assert made["output"].startswith("Store Context:\n- URL: mystore.myshopify.com")  # echo shows what the model was given
    assert "- SEO improvements: Success" in made["output"] and "User Message: Speed up my homepage" in made["output"]
    window = api.get(WINDOW, key=tenant.read).body
    assert window["conversations"][-1]["user_message"] == "Speed up my homepage"
    assert window["conversations"][-1]["session_id"] == made["session_id"]


def test_contexts_are_per_tenant(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    api.put(WINDOW, STORE, key=tenant.app)
    assert api.get(WINDOW, key=other_tenant.read).status == 404
    assert api.put(WINDOW, STORE, key=tenant.read).status == 403


def test_the_list_holds_each_window_most_recently_updated_first(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    assert api.put(WINDOW, STORE, key=tenant.app).status == 200
    exchange = {"user_message": "Faster homepage?", "ai_response": "Compress the hero image."}
    assert api.post("/v1/contexts/merchant-2/other.example/conversations", exchange, key=tenant.app).status == 201
    api.put(WINDOW, STORE, key=other_tenant.app)

    listed = api.get("/v1/contexts", key=tenant.read)
    assert listed.status == 200
    assert [(w["id"], w["store_type"], w["conversations_recorded"]) for w in listed.body["items"]] == [
        ("merchant-2/other.example", None, 1),
        ("merchant-1/mystore.myshopify.com", "shopify", 0),
    ]
    assert listed.body["items"][1]["current_issues"] == ["slow_loading", "poor_seo"]
    api.post(WINDOW + "/optimizations", {"action": "Image optimization", "result": "success"}, key=tenant.app)
    mine = api.get("/v1/contexts?user_id=merchant-1", key=tenant.read).body["items"]
    assert [(w["id"], w["optimizations_recorded"]) for w in mine] == [("merchant-1/mystore.myshopify.com", 1)]
    assert next(w["id"] for w in api.get("/v1/contexts", key=tenant.read).body["items"]) == "merchant-1/mystore.myshopify.com"
