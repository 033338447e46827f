"""POST /v1/route: filters, reasons, learning from feedback, user preferences."""

from __future__ import annotations

from tests.conftest import Api, Tenant


def route(api: Api, tenant: Tenant, **body) -> dict:
    reply = api.post("/v1/route", {"category_key": "content_caption", **body}, key=tenant.app)
    assert reply.status == 200, reply.body
    return reply.body


def rate(api: Api, tenant: Tenant, model_id: str, rating: int, times: int, user: str | None = None) -> None:
    """`times` generations on `model_id`, each rated `rating` by its user (a different user each, unless `user`)."""
    for i in range(times):
        who = user or f"crowd-{i}"
        made = api.post(
            "/v1/generations",
            {"user_id": who, "category_key": "content_caption", "prompt": "spring tulips for mum", "model_id": model_id},
            key=tenant.app,
        ).body
        api.post(f"/v1/sessions/{made['session_id']}/feedback", {"user_id": who, "rating": rating}, key=tenant.app)


def test_offline_the_route_is_among_the_local_models(api: Api, tenant: Tenant) -> None:
    answer = route(api, tenant)
    assert answer["selected"]["model_id"] == "local:sage"
    assert answer["selected"]["selected_by"] == "auto"
    assert 0 < answer["selected"]["confidence_score"] <= 1
    assert [c["model_id"] for c in answer["candidates"]] == ["local:sage", "local:swift", "local:echo"]
    assert answer["candidates"][0]["score"] > answer["candidates"][1]["score"]
    assert any("suitability 0.60" in r for r in answer["candidates"][0]["reasons"])
    excluded = {e["model_id"]: e["reasons"][0] for e in answer["excluded"]}
    assert excluded["openai:gpt-4o-mini"] == "provider openai has no credentials configured"
    assert (answer["priority"], answer["complexity"]) == ("balanced", "moderate")


def test_hard_filters_never_select_the_wrong_model(api: Api, tenant: Tenant) -> None:
    api.delete("/v1/models/local:sage", key=tenant.admin)
    answer = route(api, tenant)
    assert answer["selected"]["model_id"] == "local:swift"
    assert {e["model_id"]: e["reasons"][0] for e in answer["excluded"]}["local:sage"] == "inactive (deprecated)"
    # Only Sage reasons among the offline models, and it is deprecated: nothing may be selected.
    reasoning = api.post(
        "/v1/route", {"category_key": "content_caption", "required_capabilities": ["text_reasoning"]}, key=tenant.app
    )
    assert reasoning.status == 422 and reasoning.error_code == "no_eligible_model"
    big = api.post("/v1/route", {"category_key": "content_caption", "estimated_input_tokens": 40000}, key=tenant.app)
    assert big.status == 422 and big.error_code == "no_eligible_model"
    assert any("context window" in d["message"] for d in big.body["error"]["details"])
    images = api.post("/v1/route", {"category_key": "image_social"}, key=tenant.app)
    assert images.status == 422 and images.error_code == "no_eligible_model"


def test_required_capabilities_and_unknown_categories(api: Api, tenant: Tenant) -> None:
    answer = route(api, tenant, category_key="content_ideas")
    assert [c["model_id"] for c in answer["candidates"]] == ["local:sage"]  # the only offline model that reasons
    unknown = api.post("/v1/route", {"category_key": "poetry"}, key=tenant.app)
    assert unknown.status == 422 and unknown.body["error"]["details"][0]["field"] == "body.category_key"


def test_priority_speed_picks_the_fast_model(api: Api, tenant: Tenant) -> None:
    assert route(api, tenant, category_key="content_hooks")["selected"]["model_id"] == "local:swift"
    assert route(api, tenant, category_key="content_hooks", priority="quality")["priority"] == "quality"


def test_bad_feedback_moves_the_route_away(api: Api, tenant: Tenant) -> None:
    assert route(api, tenant)["selected"]["model_id"] == "local:sage"
    rate(api, tenant, "local:sage", 1, 12)
    answer = route(api, tenant)
    assert answer["selected"]["model_id"] == "local:swift"
    sage = next(c for c in answer["candidates"] if c["model_id"] == "local:sage")
    assert any("mean quality 0.00 over 12 rated answers" in r for r in sage["reasons"])


def test_a_users_own_preference_can_decide(api: Api, tenant: Tenant) -> None:
    rate(api, tenant, "local:sage", 5, 10)  # the crowd likes Sage,
    rate(api, tenant, "local:swift", 3, 10)  # finds Swift so-so,
    rate(api, tenant, "local:swift", 5, 4, user="fan")  # but this user loves Swift
    rate(api, tenant, "local:sage", 1, 2, user="fan")  # and dislikes Sage.
    mine = route(api, tenant, user_id="fan")
    assert mine["selected"] == {
        "model_id": "local:swift",
        "confidence_score": mine["selected"]["confidence_score"],
        "selected_by": "user_preference",
    }
    assert any("this user's feedback" in r for r in mine["candidates"][0]["reasons"])
    assert route(api, tenant, user_id="someone-else")["selected"]["model_id"] == "local:sage"
