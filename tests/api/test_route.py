"""POST /v1/route: filters, the objective and its reasons, exploration, learning from feedback, user preferences."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.routing import service as routing
from tests.conftest import Api, Tenant


@pytest.fixture(autouse=True)
def seeded() -> Iterator[None]:
    """The Thompson samples of these tests are reproducible."""
    routing.reseed(21)
    yield
    routing.reseed(None)


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
    videos = api.post("/v1/route", {"category_key": "video_short"}, key=tenant.app)  # no offline model makes videos
    assert videos.status == 422 and videos.error_code == "no_eligible_model"


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


def test_a_users_own_preference_moves_the_route(api: Api, tenant: Tenant) -> None:
    # Issue 21 changed this test: the pick is a Thompson sample of each model's posterior, so the user's preference
    # (at most +-0.15) moves the odds of a pick rather than settling it; Echo is rated too, else it would be tried first.
    rate(api, tenant, "local:echo", 1, 2)
    rate(api, tenant, "local:sage", 5, 10)  # the crowd likes Sage,
    rate(api, tenant, "local:swift", 3, 10)  # finds Swift so-so,
    rate(api, tenant, "local:swift", 5, 4, user="fan")  # but this user loves Swift
    rate(api, tenant, "local:sage", 1, 2, user="fan")  # and dislikes Sage.
    mine = route(api, tenant, user_id="fan")
    theirs = route(api, tenant, user_id="someone-else")
    for answer in (mine, theirs):  # the posterior means, without any user: (2 x prior + quality sum) / (2 + rated)
        assert {c["model_id"]: (c["estimated_satisfaction"], c["rated_answers"]) for c in answer["candidates"]} == {
            "local:sage": (round(11.2 / 14, 4), 12),
            "local:swift": (round(10 / 16, 4), 14),
            "local:echo": (0.2, 2),
        }
    reasons = {c["model_id"]: c["reasons"] for c in mine["candidates"]}
    assert "this user's feedback on it: mean quality 1.00 over 4 answers" in reasons["local:swift"]
    assert "this user's feedback on it: mean quality 0.00 over 2 answers" in reasons["local:sage"]
    assert not any("this user's" in r for c in theirs["candidates"] for r in c["reasons"])
    fan = [route(api, tenant, user_id="fan")["selected"] for _ in range(30)]
    other = [route(api, tenant, user_id="someone-else")["selected"] for _ in range(30)]
    swift_for_fan = sum(s["model_id"] == "local:swift" for s in fan)
    assert swift_for_fan > sum(s["model_id"] == "local:swift" for s in other)
    assert any(
        s == {"model_id": "local:swift", "confidence_score": s["confidence_score"], "selected_by": "user_preference"} for s in fan
    )
    assert all(s["selected_by"] == "auto" for s in other)


def test_the_answer_states_the_objective_that_picked(api: Api, tenant: Tenant) -> None:
    answer = route(api, tenant)  # a cold tenant: the priors' order (sage 0.60, swift 0.50, echo 0.40), all free
    stated = "balanced: the cheapest model within 5% of the best estimated satisfaction (it is the best, 0.60)"
    assert (answer["objective"], answer["explored"]) == (stated, False)
    reasons = {c["model_id"]: c["reasons"][0] for c in answer["candidates"]}
    assert reasons == {
        "local:sage": stated,
        "local:swift": "not picked: estimated satisfaction 0.50 is more than 5% below the best (0.60)",
        "local:echo": "not picked: estimated satisfaction 0.40 is more than 5% below the best (0.60)",
    }
    hooks = route(api, tenant, category_key="content_hooks")  # default priority speed: swift 0.60, sage 0.55
    assert hooks["objective"] == "speed: the fastest model within 10% of the best estimated satisfaction (it is the best, 0.60)"
    assert hooks["candidates"][1]["reasons"][0] == (
        "not picked: within 10% of the best (0.55) but local:swift is faster or as fast and estimated higher"
    )
    best = route(api, tenant, category_key="content_hooks", priority="quality")
    assert best["objective"] == "quality: the best estimated satisfaction (0.60; next 0.55)"


def test_every_model_is_tried_within_k_rated_requests(api: Api, tenant: Tenant) -> None:
    """K = 3 eligible models for captions offline: routed and rated generations try each by the third request."""
    served = []
    for i in range(3):
        made = api.post(
            "/v1/generations", {"user_id": f"u{i}", "category_key": "content_caption", "prompt": "tulips"}, key=tenant.app
        ).body
        served.append(made["model_id"])
        api.post(f"/v1/sessions/{made['session_id']}/feedback", {"user_id": f"u{i}", "rating": 5}, key=tenant.app)
    assert served == ["local:sage", "local:swift", "local:echo"]  # the priors' order: each tried once
    model = {"model_name": "Fresh", "provider": "local", "capabilities": ["text_generation"], "cost_bucket": "low"}
    api.put("/v1/models/local:fresh", model, key=tenant.admin)
    answer = route(api, tenant)  # a model added later is tried on the next request, before the rated ones
    assert (answer["selected"]["model_id"], answer["explored"]) == ("local:fresh", True)
    assert answer["objective"] == (
        "exploration: no rated answer yet on this category, so it is tried before the rated models; among the untried, "
        "balanced: the cheapest model within 5% of the best estimated satisfaction (it is the best, 0.40)"
    )
    assert answer["candidates"][1]["reasons"][0] == "not picked: local:fresh had no rated answer yet and is tried first"
    assert answer["candidates"][0]["rated_answers"] == 0
    assert {c["model_id"]: c["rated_answers"] for c in answer["candidates"][1:]} == {
        "local:sage": 1,
        "local:swift": 1,
        "local:echo": 1,
    }
