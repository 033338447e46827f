"""POST /v1/generations: offline end to end, templates, fallbacks, 502, sessions with usage, budgets under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.billing import service as billing
from chalicelib.core import clock
from chalicelib.core.extensions import SessionFacts
from chalicelib.model_stats import service as stats
from chalicelib.sessions import events
from chalicelib.sessions import service as sessions
from tests.conftest import Api, Tenant

CAPTION = {
    "user_id": "maker-1",
    "category_key": "content_caption",
    "prompt": "Caption for our spring tulips and daffodils bouquet in pastel colours",
}


def test_offline_a_generation_works_end_to_end(api: Api, tenant: Tenant) -> None:
    reply = api.post("/v1/generations", CAPTION, key=tenant.app)
    assert reply.status == 201
    body = reply.body
    assert body["model_id"] == "local:sage" and body["selected_by"] == "auto"
    assert body["output"].startswith("Caption spring tulips") and "#tulips" in body["output"]
    assert body["usage"]["input_tokens"] > 0 and body["usage"]["output_tokens"] > 0
    assert body["cost_usd"] == 0.0 and body["latency_ms"] >= 0 and 0 < body["confidence_score"] <= 1
    assert body["attempts"] == [
        {"model_id": "local:sage", "ok": True, "error": None, "latency_ms": body["attempts"][0]["latency_ms"]}
    ]
    session = api.get(f"/v1/sessions/{body['session_id']}", key=tenant.read).body
    assert session["source"] == "generation" and session["status"] == "succeeded"
    assert (session["input"], session["output"], session["model_id"]) == (CAPTION["prompt"], body["output"], "local:sage")
    assert session["usage"] == body["usage"] and session["selected_by"] == "auto"
    assert session["confidence_score"] == body["confidence_score"]
    assert [c["model_id"] for c in session["candidates"]] == ["local:sage", "local:swift", "local:echo"]
    assert session["attempts"][0]["ok"] is True
    day = clock.day_of(clock.now())
    counted = sessions.daily_counts(tenant.id, day, day)[day]
    assert (counted["sessions"], counted["generations"], counted["input_tokens"]) == (1, 1, body["usage"]["input_tokens"])


def test_a_named_template_is_rendered(api: Api, tenant: Tenant) -> None:
    body = {
        "user_id": "florist",
        "category_key": "content_caption",
        "prompt_name": "bouquet-basic",
        "variables": {"style": "romantic", "flowers": "roses", "colors": "pink", "occasion": "wedding"},
    }
    reply = api.post("/v1/generations", body, key=tenant.app)
    assert reply.status == 201 and (reply.body["prompt_name"], reply.body["prompt_version"]) == ("bouquet-basic", 1)
    session = api.get(f"/v1/sessions/{reply.body['session_id']}", key=tenant.read).body
    assert session["input"] == "Create a beautiful romantic bouquet with roses in pink colors for wedding"
    assert session["prompt"] == {"name": "bouquet-basic", "version": 1, "variables": body["variables"]}
    missing = api.post("/v1/generations", {**body, "variables": {"style": "romantic"}}, key=tenant.app)
    assert missing.status == 422
    assert {d["field"] for d in missing.body["error"]["details"]} == {
        "body.variables.flowers",
        "body.variables.colors",
        "body.variables.occasion",
    }


def test_request_validation(api: Api, tenant: Tenant) -> None:
    assert api.post("/v1/generations", {"user_id": "u", "category_key": "content_caption"}, key=tenant.app).status == 422
    both = api.post("/v1/generations", {**CAPTION, "prompt_name": "bouquet-basic"}, key=tenant.app)
    assert both.status == 422
    unknown = api.post("/v1/generations", {**CAPTION, "category_key": "nope"}, key=tenant.app)
    assert unknown.status == 422 and unknown.body["error"]["details"][0]["field"] == "body.category_key"
    override = api.post("/v1/generations", {**CAPTION, "model_id": "openai:gpt-4o"}, key=tenant.app)
    assert override.status == 422 and "no credentials" in override.body["error"]["message"]
    assert api.post("/v1/generations", CAPTION, key=tenant.read).status == 403
    assert api.get("/v1/sessions", key=tenant.read).body["items"] == []


def test_the_callers_model_goes_first(api: Api, tenant: Tenant) -> None:
    reply = api.post("/v1/generations", {**CAPTION, "model_id": "local:echo"}, key=tenant.app)
    assert reply.body["model_id"] == "local:echo" and reply.body["selected_by"] == "user_override"
    assert reply.body["output"] == CAPTION["prompt"]


def test_a_failing_provider_is_skipped_and_the_attempts_say_so(api: Api, tenant: Tenant, fake_openai) -> None:
    model = {"model_name": "Broken", "provider": "openai", "capabilities": ["text_generation"], "cost_bucket": "low"}
    api.put("/v1/models/openai:fail-500", model, key=tenant.admin)
    reply = api.post("/v1/generations", {**CAPTION, "model_id": "openai:fail-500"}, key=tenant.app)
    assert reply.status == 201
    body = reply.body
    assert body["attempts"][0] == {
        "model_id": "openai:fail-500",
        "ok": False,
        "error": "server_error: the provider answered 500",
        "latency_ms": body["attempts"][0]["latency_ms"],
    }
    assert body["attempts"][1]["ok"] is True and body["model_id"] == body["attempts"][1]["model_id"]
    assert body["selected_by"] == "fallback"
    assert body["model_id"] == "openai:gpt-4o-mini"  # the routed best, reached over HTTP
    assert body["output"].startswith("[gpt-4o-mini] Caption for our spring tulips")
    assert body["usage"] == {"input_tokens": len(CAPTION["prompt"].split()) + 7, "output_tokens": len(body["output"].split())}
    assert body["cost_usd"] == pytest.approx(
        body["usage"]["input_tokens"] / 1000 * 0.00015 + body["usage"]["output_tokens"] / 1000 * 0.0006
    )
    mapping = next(
        m
        for m in api.get("/v1/tasks/content_caption/models", key=tenant.read).body["items"]
        if m["model_id"] == "openai:gpt-4o-mini"
    )
    assert (mapping["total_uses"], mapping["error_rate"]) == (1, 0.0)


def test_every_candidate_failing_is_502_and_recorded(api: Api, tenant: Tenant, fake_openai) -> None:
    for model_id in ("local:echo", "local:swift", "local:sage", "openai:gpt-4o-mini", "openai:gpt-4o", "openai:gpt-4-turbo"):
        api.delete(f"/v1/models/{model_id}", key=tenant.admin)
    broken = {"provider": "openai", "capabilities": ["text_generation"], "cost_bucket": "low"}
    for name in ("fail-500", "fail-429", "slow"):
        api.put(f"/v1/models/openai:{name}", {**broken, "model_name": name}, key=tenant.admin)
    seen: list[tuple[str, ...]] = []

    def counter(facts: SessionFacts, deltas: dict[str, float]) -> list[Any]:
        seen.append(facts.failed_calls)
        return []

    events.subscribe(counter)
    try:
        reply = api.post("/v1/generations", CAPTION, key=tenant.app)
        assert reply.status == 502
        assert reply.error_code == "upstream_failed"
        details = reply.body["error"]["details"]
        session_id = details[0]["session_id"]
        api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": "u", "thumbs": "down"}, key=tenant.app)
    finally:
        events.unsubscribe(counter)
    # The failed calls reach the counters through the session's creation event, and through no later event.
    assert [sorted(calls) for calls in seen] == [["openai:fail-429", "openai:fail-500", "openai:slow"], []]
    assert {d["model_id"]: d["error"].split(":")[0] for d in details[1:]} == {
        "openai:fail-500": "server_error",
        "openai:fail-429": "rate_limited",
        "openai:slow": "timeout",
    }
    session = api.get(f"/v1/sessions/{session_id}", key=tenant.read).body
    assert session["status"] == "failed" and session["output"] is None and len(session["attempts"]) == 3
    day = clock.day_of(clock.now())
    counted = sessions.daily_counts(tenant.id, day, day)[day]
    assert (counted["failed_generations"], counted["attempt_errors"]) == (1, 3)
    evidence = stats.for_category(tenant.id, "content_caption")
    assert {m: (e.attempts, e.errors) for m, e in evidence.items()} == {
        "openai:fail-500": (1, 1),
        "openai:fail-429": (1, 1),
        "openai:slow": (1, 1),
    }
    rows = stats.day_rows(tenant.id, day, day)[day]
    assert {model: (r["attempts"], r["errors"]) for (_, model), r in rows.items()} == {
        "openai:fail-500": (1, 1),
        "openai:fail-429": (1, 1),
        "openai:slow": (1, 1),
    }


def priced_tenant(api: Api, tenant: Tenant, budget: float, on_budget: str = "block") -> None:
    for model_id, price in (("local:sage", 0.01), ("local:swift", 0.004), ("local:echo", 0.002)):
        spec = api.get(f"/v1/models/{model_id}", key=tenant.read).body
        keep = {
            k: spec[k]
            for k in (
                "model_name",
                "provider",
                "capabilities",
                "cost_bucket",
                "context_window",
                "max_tokens",
                "average_speed_ms",
                "description",
            )
        }
        api.put(f"/v1/models/{model_id}", {**keep, "cost_per_request": price}, key=tenant.admin)
    api.put("/v1/tenants/me/limits", {"monthly_budget_usd": budget, "on_budget": on_budget}, key=tenant.admin)


def test_thirty_concurrent_generations_spend_at_most_the_budget(api: Api, tenant: Tenant) -> None:
    priced_tenant(api, tenant, budget=0.10)

    def generate(i: int) -> int:
        return api.post("/v1/generations", {**CAPTION, "user_id": f"u{i}", "model_id": "local:sage"}, key=tenant.app).status

    with ThreadPoolExecutor(max_workers=30) as pool:
        statuses = list(pool.map(generate, range(30)))
    assert statuses.count(201) == 10 and statuses.count(429) == 20
    assert billing.committed(tenant.id) == pytest.approx(0.10)
    day = clock.day_of(clock.now())
    assert sessions.daily_counts(tenant.id, day, day)[day]["cost_usd"] == pytest.approx(0.10)
    blocked = api.post("/v1/generations", CAPTION, key=tenant.app)
    assert blocked.status == 429 and blocked.error_code == "budget_exceeded" and int(blocked.headers["retry-after"]) > 0


def test_downgrade_prefers_cheaper_models_as_the_budget_runs_out(api: Api, tenant: Tenant) -> None:
    priced_tenant(api, tenant, budget=0.05, on_budget="downgrade")
    first = api.post("/v1/generations", CAPTION, key=tenant.app).body
    assert first["model_id"] == "local:sage"
    chosen = [first["model_id"]]
    for _ in range(8):
        reply = api.post("/v1/generations", CAPTION, key=tenant.app)
        if reply.status != 201:
            assert reply.status == 429
            break
        chosen.append(reply.body["model_id"])
    assert chosen[-1] != "local:sage"  # once the budget tightens, cheaper models answer
    assert billing.committed(tenant.id) <= 0.05 + 1e-12


def test_idempotent_generation(api: Api, tenant: Tenant) -> None:
    first = api.post("/v1/generations", CAPTION, key=tenant.app, headers={"Idempotency-Key": "gen-1"})
    again = api.post("/v1/generations", CAPTION, key=tenant.app, headers={"Idempotency-Key": "gen-1"})
    assert again.body == first.body
    assert len(api.get("/v1/sessions", key=tenant.read).body["items"]) == 1


def test_an_experiments_variant_decides_prompt_and_model(api: Api, tenant: Tenant) -> None:
    experiment = api.post(
        "/v1/experiments",
        {
            "name": "Resize prompts",
            "category_key": "content_caption",
            "metric": "success",
            "auto_optimize": False,
            "min_exploration": 0.1,
            "variants": [
                {
                    "id": "original",
                    "name": "Original",
                    "prompt": "Resize the {thing}",
                    "model_id": "local:echo",
                    "weight": 1,
                    "is_control": True,
                },
                {"id": "enhanced", "name": "Enhanced", "prompt_name": "bouquet-basic", "model_id": "local:swift", "weight": 1},
            ],
        },
        key=tenant.admin,
    ).body
    variables = {"thing": "poster", "style": "modern", "flowers": "lilies", "colors": "white", "occasion": "launch"}
    seen = {}
    for i in range(12):
        reply = api.post(
            "/v1/generations",
            {
                "user_id": f"user-{i}",
                "category_key": "content_caption",
                "experiment_id": experiment["id"],
                "variables": variables,
            },
            key=tenant.app,
        )
        assert reply.status == 201, reply.body
        seen[reply.body["variant_id"]] = reply.body
        again = api.post(
            "/v1/generations",
            {
                "user_id": f"user-{i}",
                "category_key": "content_caption",
                "experiment_id": experiment["id"],
                "variables": variables,
            },
            key=tenant.app,
        )
        assert again.body["variant_id"] == reply.body["variant_id"]  # sticky
    assert set(seen) == {"original", "enhanced"}
    original, enhanced = seen["original"], seen["enhanced"]
    assert (original["model_id"], original["output"], original["selected_by"]) == ("local:echo", "Resize the poster", "auto")
    assert enhanced["model_id"] == "local:swift" and enhanced["prompt_name"] == "bouquet-basic"
    session = api.get(f"/v1/sessions/{enhanced['session_id']}", key=tenant.read).body
    assert (session["experiment_id"], session["variant_id"]) == (experiment["id"], "enhanced")
    results = api.get(f"/v1/experiments/{experiment['id']}/results", key=tenant.read).body
    assert sum(v["sessions"] for v in results["variants"]) == 24
    assert (
        api.post(
            "/v1/generations", {"user_id": "u", "category_key": "content_caption", "experiment_id": "exp_nope"}, key=tenant.app
        ).status
        == 404
    )
