"""Request-level routing through the API: cold start unchanged, a planted easy/hard split learnt, exactly-once
statistics under retried and replaced feedback, the explanation, 422s on bad shapes, erasure."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.routing import features, request_level, request_model, store
from chalicelib.routing import service as routing
from tests.conftest import Api, Tenant

CAPTION = ["bouquet", "roses", "tulips", "vase", "mug", "candle", "scarf", "pastel", "linen", "ceramic", "gift", "photo"]
STRATEGY = ["campaign", "quarter", "funnel", "audience", "budget", "channels", "retention", "positioning", "launch", "kpis"]
FILLER = ["for", "the", "our", "new", "with", "and", "a", "of"]


def easy_text(rng: random.Random) -> str:
    return "Caption for " + " ".join(rng.sample(CAPTION, 3) + rng.sample(FILLER, 2))


def hard_text(rng: random.Random) -> str:
    return "Plan a " + " ".join(rng.sample(STRATEGY, 6) + rng.sample(FILLER, 4))


@pytest.fixture(autouse=True)
def seeded() -> Iterator[None]:
    routing.reseed(21)
    request_level.forget()
    yield
    routing.reseed(None)


@pytest.fixture
def sim(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> Tenant:
    """Two simulated models with equal priors on a `captions` category (balanced): premium and a hundred times cheaper."""
    monkeypatch.setenv("LEARNLOOP_PROVIDERS", json.dumps({"sim": {"base_url": "http://sim.invalid/v1"}}))
    task = {"category_name": "Captions", "required_capabilities": ["text_generation"], "default_priority": "balanced"}
    assert api.put("/v1/tasks/captions", task, key=tenant.admin).status in (200, 201)
    for model_id in ("local:echo", "local:swift", "local:sage"):  # only the simulated models compete
        assert api.delete(f"/v1/models/{model_id}", key=tenant.admin).status == 204
    for model_id, price in (("sim:premium", 0.01), ("sim:cheap", 0.0001)):
        spec = {
            "model_name": model_id,
            "provider": "sim",
            "capabilities": ["text_generation"],
            "cost_bucket": "low",
            "cost_per_request": price,
            "average_speed_ms": 1000,
            "context_window": 100_000,
        }
        assert api.put(f"/v1/models/{model_id}", spec, key=tenant.admin).status in (200, 201)
        assert api.put(f"/v1/tasks/captions/models/{model_id}", {"suitability_score": 0.5}, key=tenant.admin).status in (200, 201)
    return tenant


def record(
    api: Api, tenant: Tenant, category: str, model_id: str, text: Any, up: bool | None, user: str = "u1", **extra: Any
) -> str:
    """A session made outside with `text` as its input, and its user's thumbs (None: unrated)."""
    body = {"user_id": user, "category_key": category, "input": text, "output": "(made outside)", "model_id": model_id}
    made = api.post("/v1/sessions", body | extra, key=tenant.app)
    assert made.status == 201, made.body
    if up is not None:
        thumbs = {"user_id": user, "thumbs": "up" if up else "down"}
        fb = api.post(f"/v1/sessions/{made.body['session_id']}/feedback", thumbs, key=tenant.app)
        assert fb.status == 201, fb.body
    return str(made.body["session_id"])


def route(api: Api, tenant: Tenant, **body: Any) -> dict[str, Any]:
    reply = api.post("/v1/route", body, key=tenant.app)
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def test_a_cold_tenant_routes_exactly_as_per_category_routing(api: Api, tenant: Tenant) -> None:
    text = "A romantic caption for pink roses at a spring wedding"
    tokens = routing.count_tokens(text)

    def both(seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
        routing.reseed(seed)
        plain = route(api, tenant, category_key="content_caption", user_id="ann", estimated_input_tokens=tokens)
        routing.reseed(seed)
        read = route(api, tenant, category_key="content_caption", user_id="ann", input=text, features={"device": "mobile"})
        return plain, read

    plain, read = both(3)
    assert plain["request_routing"]["used"] is False and "no input or features" in plain["request_routing"]["reason"]
    assert read["request_routing"] == {
        "used": False,
        "reason": "per-category routing (cold start): request-level routing has 0 rated answers on this category "
        "and decides from 20",
        "rated_answers": 0,
        "needed": 20,
        "terms": [],
    }
    assert {k: v for k, v in read.items() if k != "request_routing"} == {k: v for k, v in plain.items() if k != "request_routing"}
    assert all(c["request_estimate"] is None and c["request_terms"] == [] for c in read["candidates"])

    # Some per-category evidence (each model rated, Thompson sampling in play) but too little request-level evidence.
    for i, model_id in enumerate(["local:sage", "local:swift", "local:echo", "local:sage", "local:swift"]):
        record(api, tenant, "content_caption", model_id, f"caption number {i}", up=i % 2 == 0, user=f"u{i}")
    for seed in (4, 5, 6):
        plain, read = both(seed)
        assert read["request_routing"]["used"] is False and read["request_routing"]["rated_answers"] == 5
        assert {k: v for k, v in read.items() if k != "request_routing"} == {
            k: v for k, v in plain.items() if k != "request_routing"
        }


def test_it_learns_a_planted_easy_hard_split_that_no_per_category_choice_can_serve(api: Api, sim: Tenant) -> None:
    """The cheap model satisfies captions and fails strategies; the premium one satisfies both (planted, through
    POST /v1/sessions and feedback). Request-level routing then sends captions to the cheap model and strategies to
    the premium one; per-category routing (the same requests without input) sends both kinds to one model."""
    rng = random.Random(5)
    for i in range(12):
        record(api, sim, "captions", "sim:cheap", easy_text(rng), up=True, user=f"e{i}")
        record(api, sim, "captions", "sim:cheap", hard_text(rng), up=False, user=f"h{i}")
        record(api, sim, "captions", "sim:premium", easy_text(rng), up=True, user=f"pe{i}")
        record(api, sim, "captions", "sim:premium", hard_text(rng), up=True, user=f"ph{i}")
    easy = [route(api, sim, category_key="captions", input=easy_text(rng)) for _ in range(10)]
    hard = [route(api, sim, category_key="captions", input=[{"role": "user", "content": hard_text(rng)}]) for _ in range(10)]
    assert all(r["request_routing"]["used"] and r["request_routing"]["rated_answers"] == 48 for r in easy + hard)

    def estimate(routes: list[dict[str, Any]], model_id: str) -> float:
        return sum(next(c for c in r["candidates"] if c["model_id"] == model_id)["request_estimate"] for r in routes) / 10

    # Per request, the cheap model is estimated good on captions and bad on strategies; per category it is 0.5 on both.
    assert estimate(easy, "sim:cheap") >= 0.7 and estimate(hard, "sim:cheap") <= 0.3
    assert estimate(easy, "sim:premium") >= 0.85 and estimate(hard, "sim:premium") >= 0.85
    hard_picks = [r["selected"]["model_id"] for r in hard]
    assert hard_picks.count("sim:premium") == 10
    easy_picks = [r["selected"]["model_id"] for r in easy]
    per_category = [route(api, sim, category_key="captions")["selected"]["model_id"] for _ in range(10)]
    assert per_category.count("sim:cheap") == 0  # at 0.5 against the premium's 1.0 on the category: never here
    assert easy_picks.count("sim:cheap") >= 7  # within 5% of the premium on captions, per request: mostly picked
    # The explanation: which model decided, from what, and the words that moved the selected model's estimate.
    explained = hard[0]
    assert explained["request_routing"]["reason"].startswith("request-level routing: ")
    assert explained["request_routing"]["needed"] == 20 and explained["request_routing"]["terms"]
    words = set(explained["request_routing"]["terms"][0]["term"].split()) | {"length:"}
    assert words & set(hard[0]["candidates"][0]["reasons"][1].replace("'", " ").split())
    for candidate in explained["candidates"]:
        assert candidate["reasons"][1].startswith("for this request: estimated satisfaction ")
        assert candidate["request_sd"] > 0 and candidate["request_terms"]
        assert {t["kind"] for t in candidate["request_terms"]} <= {"word", "feature", "length"}


def test_each_feedback_counts_once_retried_and_replaced(api: Api, sim: Tenant) -> None:
    text, given = "Caption for the linen scarf in sage", {"device": "mobile", "width": 1080}
    session_id = record(api, sim, "captions", "sim:cheap", text, up=None, features=given)
    url = f"/v1/sessions/{session_id}/feedback"
    for _ in range(2):  # a retry with the same Idempotency-Key replays, and counts nothing again
        first = api.post(url, {"user_id": "u1", "rating": 5}, key=sim.app, headers={"Idempotency-Key": "rate-1"})
        assert first.status == 201, first.body
    for _ in range(2):  # the user re-rates: the new rating replaces the old one's contribution
        second = api.post(url, {"user_id": "u1", "rating": 2}, key=sim.app, headers={"Idempotency-Key": "rate-2"})
        assert second.status == 200, second.body
    x = features.encode(text, given).x
    # the length (7 words: log2(8) = 3, the fifth length weight), and the words and both features in their buckets
    assert x[5] == 1.0 and len(x) > 6
    expected: dict[int, int] = {}
    for part in (request_model.observation_deltas(x, 1, 1.0), request_model.observation_deltas(x, 0, 0.25 - 1.0)):
        for slot, value in part.items():
            expected[slot] = expected.get(slot, 0) + value
    state = store.read(sim.id, "captions")
    assert state == {"sim:cheap": {slot: value for slot, value in expected.items() if value}}
    assert state["sim:cheap"][0] == 60 * request_model.X_SCALE  # b[0]: the quality score 0.25 (60/240), once
    assert state["sim:cheap"][request_model.a_slot(0, 0)] == request_model.A_UNIT  # n: one rated answer
    # A second user's feedback on the same session adds its own contribution, once.
    other = api.post(url, {"user_id": "u2", "thumbs": "up"}, key=sim.app)
    assert other.status == 201
    assert store.read(sim.id, "captions")["sim:cheap"][request_model.a_slot(0, 0)] == 2 * request_model.A_UNIT


def test_bad_input_and_features_are_422_naming_the_field(api: Api, tenant: Tenant) -> None:
    cases = [
        ({"input": 5}, "body.input", "text or a list of messages"),
        ({"input": [{"role": "user"}]}, "body.input", "message 0"),
        ({"input": [{"role": "user", "content": ["x"]}]}, "body.input", "content must be text"),
        ({"input": {"text": "hello"}}, "body.input", "text or a list of messages"),
        ({"features": [1, 2]}, "body.features", ""),
        ({"features": {"size": {"w": {"px": {"n": 1}}}}}, "body.features.size", "two levels at most"),
        ({"features": {"tags": [{"a": 1}]}}, "body.features.tags", "a list must hold"),
        ({"features": {"": 1}}, "body.features", ""),
    ]
    for body, field, words in cases:
        reply = api.post("/v1/route", {"category_key": "content_caption", **body}, key=tenant.app)
        assert reply.status == 422, (body, reply.body)
        details = reply.body["error"]["details"]
        assert any(d["field"].startswith(field) and words in d["message"] for d in details), (body, details)
    fine = {"input": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "A caption"}]}
    fine["features"] = {"device": "mobile", "aspect": 0.8, "pro": True, "tags": ["spring", 2], "canvas": {"w": 1080}}
    assert api.post("/v1/route", {"category_key": "content_caption", **fine}, key=tenant.app).status == 200


def test_erasure_takes_the_users_part_back_and_leaves_no_raw_text(api: Api, sim: Tenant) -> None:
    import boto3

    from chalicelib.core.settings import get_settings

    kept = record(api, sim, "captions", "sim:premium", "Caption for an oak lamp", up=True, user="kept")
    before = store.read(sim.id, "captions")
    for i in range(3):
        record(api, sim, "captions", "sim:cheap", f"zanzibar quokka caption number {i}", up=i != 1, user="zed")
    assert api.post(f"/v1/sessions/{kept}/feedback", {"user_id": "zed", "rating": 1}, key=sim.app).status == 201
    assert store.read(sim.id, "captions") != before
    erased = api.delete("/v1/users/zed/data", key=sim.admin)
    assert erased.status == 200, erased.body
    assert store.read(sim.id, "captions") == before  # exactly what the kept user's feedback had added
    table = boto3.resource("dynamodb").Table(get_settings().table_name)
    items = [item for item in table.scan()["Items"] if "#REQROUTE#" in item["pk"]]
    assert items  # the kept user's contribution is stored, as numbers
    for item in items:
        text = " ".join(str(v) for k, v in item.items() if k not in ("pk", "sk"))
        assert "zanzibar" not in text and "quokka" not in text and "zed" not in text and "oak" not in text
        assert all(k in ("pk", "sk", "kind") or k.startswith("s") for k in item)


def test_generations_route_on_their_rendered_prompt_and_features(
    api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[features.Encoded | None] = []
    assess = request_level.assess

    def spy(tenant_id: str, category_key: str, encoded: features.Encoded | None, eligible: list[Any]) -> Any:
        seen.append(encoded)
        return assess(tenant_id, category_key, encoded, eligible)

    monkeypatch.setattr(request_level, "assess", spy)
    reply = api.post(
        "/v1/generations",
        {
            "user_id": "florist-1",
            "category_key": "content_caption",
            "prompt": "Spring {flowers} for mum",
            "variables": {"flowers": "tulips"},
            "features": {"device": "mobile"},
        },
        key=tenant.app,
    )
    assert reply.status == 201, reply.body
    assert seen and seen[0] is not None
    assert {t.name for t in seen[0].terms} == {"spring", "tulips", "for", "mum", "device=mobile"}
    session = api.get(f"/v1/sessions/{reply.body['session_id']}", key=tenant.app).body
    assert session["input"] == "Spring tulips for mum"  # what the session records is what routing read
