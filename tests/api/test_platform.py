"""Cost and abuse controls through the HTTP API: the platform settings (requests per minute, providers and prices on
the platform's keys), suspension and recovery of a tenant, budgets on fine-tuning and retraining, failed
authentications throttled per source address."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.core import clock
from chalicelib.providers.base import count_tokens
from chalicelib.tenancy import throttle
from tests.api.test_training import build, poll, populate, raw_file
from tests.conftest import ROOT_KEY, Api, Tenant

SETTINGS = "/v1/platform/settings"
MODEL_FIELDS = (
    "model_name provider capabilities cost_bucket cost_per_1k_input cost_per_1k_output cost_per_request "
    "cost_per_1k_training context_window max_tokens average_speed_ms is_active is_recommended priority_rank"
).split()


def put_settings(api: Api, **settings: Any) -> dict[str, Any]:
    reply = api.put(SETTINGS, settings, key=ROOT_KEY)
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def model_body(api: Api, tenant: Tenant, model_id: str, **changes: Any) -> dict[str, Any]:
    model = api.get(f"/v1/models/{model_id}", key=tenant.read).body
    return {name: model[name] for name in MODEL_FIELDS} | changes


def field_of(reply: Any) -> tuple[str, str]:
    detail = reply.body["error"]["details"][0]
    return detail["field"], detail["type"]


# --- platform settings ----------------------------------------------------------------------------------------


def test_the_platform_settings_belong_to_root(api: Api, tenant: Tenant) -> None:
    defaults = api.get(SETTINGS, key=ROOT_KEY)
    assert defaults.status == 200
    assert defaults.body == {
        "default_requests_per_minute": None,
        "max_requests_per_minute": None,
        "allowed_providers": None,
        "prices": {},
        "auth_failures_per_minute": 60,
        "updated_at": None,
    }
    assert api.get(SETTINGS, key=tenant.admin).status == 403
    assert api.put(SETTINGS, {}, key=tenant.admin).error_code == "forbidden"
    assert api.get(SETTINGS).status == 401

    bad = api.put(SETTINGS, {"default_requests_per_minute": 20, "max_requests_per_minute": 10}, key=ROOT_KEY)
    assert bad.status == 422 and bad.error_code == "validation_failed"
    bad_price = api.put(SETTINGS, {"prices": {"openai:gpt-4o": {"cost_per_1k_input": -1}}}, key=ROOT_KEY)
    assert bad_price.status == 422
    assert field_of(bad_price)[0] == "body.prices.openai:gpt-4o.cost_per_1k_input"

    written = put_settings(
        api,
        default_requests_per_minute=100,
        max_requests_per_minute=600,
        allowed_providers=["openai"],
        prices={"openai:gpt-4o-mini": {"cost_per_1k_input": 0.00015, "cost_per_1k_output": 0.0006}},
    )
    assert written["prices"] == {
        "openai:gpt-4o-mini": {
            "cost_per_1k_input": 0.00015,
            "cost_per_1k_output": 0.0006,
            "cost_per_request": 0.0,
            "cost_per_1k_training": 0.0,
        }
    }
    assert written["updated_at"].endswith("Z")
    assert api.get(SETTINGS, key=ROOT_KEY).body == written


def test_requests_per_minute_follow_the_platforms_default_and_ceiling(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    put_settings(api, default_requests_per_minute=3, max_requests_per_minute=10)
    assert api.get("/v1/tenants/me/limits", key=tenant.read).body["requests_per_minute"] == 3

    above = api.put("/v1/tenants/me/limits", {"requests_per_minute": 11}, key=tenant.admin)
    assert above.status == 422 and above.error_code == "validation_failed"
    assert field_of(above) == ("body.requests_per_minute", "above_ceiling")
    assert api.put("/v1/tenants/me/limits", {"requests_per_minute": 10}, key=tenant.admin).body["requests_per_minute"] == 10
    assert api.put("/v1/tenants/me/limits", {}, key=tenant.admin).body["requests_per_minute"] == 3  # absent: the default
    assert api.put("/v1/tenants/me/limits", {"requests_per_minute": 7}, key=other_tenant.admin).status == 200

    with clock.frozen(datetime(2026, 11, 22, 10, 5, 20, tzinfo=UTC)):
        statuses = [api.get("/v1/tenants/me", key=tenant.read).status for _ in range(4)]
        assert statuses == [200, 200, 200, 429]  # the platform's default limits a tenant that sets none
        assert api.get("/v1/tenants/me", key=tenant.read).headers["retry-after"] == "40"

    # A ceiling lowered below a tenant's own limit caps it.
    put_settings(api, default_requests_per_minute=3, max_requests_per_minute=5)
    assert api.get("/v1/tenants/me/limits", key=other_tenant.read).body["requests_per_minute"] == 5
    with clock.frozen(datetime(2026, 11, 22, 10, 7, 0, tzinfo=UTC)):
        statuses = [api.get("/v1/tenants/me", key=other_tenant.read).status for _ in range(6)]
        assert statuses == [200, 200, 200, 200, 200, 429]


# --- prices and providers on the platform's keys -------------------------------------------------------------------


def test_a_tenant_may_not_price_a_platform_model_below_the_platforms_list(api: Api, tenant: Tenant) -> None:
    # Before the list: a tenant sets $0 on a platform model.
    free = model_body(api, tenant, "openai:gpt-4o", cost_per_1k_input=0.0, cost_per_1k_output=0.0, cost_per_1k_training=0.0)
    assert api.put("/v1/models/openai:gpt-4o", free, key=tenant.admin).status == 200
    put_settings(
        api,
        prices={
            "openai:gpt-4o": {"cost_per_1k_input": 0.0025, "cost_per_1k_output": 0.01, "cost_per_1k_training": 0.025},
            "openai:gpt-4o-mini": {"cost_per_1k_input": 0.00015, "cost_per_1k_output": 0.0006},
        },
    )
    # What was stored below the list reads (and is billed) at the list.
    model = api.get("/v1/models/openai:gpt-4o", key=tenant.read).body
    assert (model["cost_per_1k_input"], model["cost_per_1k_output"], model["cost_per_1k_training"]) == (0.0025, 0.01, 0.025)

    for changes, field, message in (
        ({"cost_per_1k_input": 0.0}, "body.cost_per_1k_input", "must be at least 0.00015, the platform's price"),
        ({"cost_per_1k_output": 0.0005}, "body.cost_per_1k_output", "must be at least 0.0006, the platform's price"),
    ):
        body = model_body(api, tenant, "openai:gpt-4o-mini", **changes)
        reply = api.put("/v1/models/openai:gpt-4o-mini", body, key=tenant.admin)
        assert reply.status == 422 and field_of(reply) == (field, "below_platform_price"), reply.body
        assert reply.body["error"]["details"][0]["message"] == f"{message} of openai:gpt-4o-mini"
    dearer = model_body(api, tenant, "openai:gpt-4o-mini", cost_per_1k_input=0.0002, cost_per_1k_output=0.0006)
    assert api.put("/v1/models/openai:gpt-4o-mini", dearer, key=tenant.admin).status == 200
    assert api.get("/v1/models/openai:gpt-4o-mini", key=tenant.read).body["cost_per_1k_input"] == 0.0002

    # A fine-tuned model is held to its base's price; a new model of the list too.
    tuned = model_body(api, tenant, "openai:gpt-4o", cost_per_1k_input=0.001)
    reply = api.put("/v1/models/openai:ft:gpt-4o:acme::abc123", tuned, key=tenant.admin)
    assert reply.status == 422 and field_of(reply) == ("body.cost_per_1k_input", "below_platform_price")
    # The offline models run on no key of the platform's: the tenant prices them as it likes.
    local = model_body(api, tenant, "local:sage", cost_per_1k_input=0.0, cost_per_1k_training=5.0)
    assert api.put("/v1/models/local:sage", local, key=tenant.admin).status == 200


def test_only_the_allowed_providers_run_on_the_platforms_keys(api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLOOP_PROVIDERS", json.dumps({"openai": {"api_key": "sk-x"}, "anthropic": {"api_key": "sk-y"}}))
    assert api.get("/v1/models/openai:gpt-4o-mini", key=tenant.read).body["available"] is True
    put_settings(api, allowed_providers=["anthropic"])
    assert api.get("/v1/models/openai:gpt-4o-mini", key=tenant.read).body["available"] is False
    assert api.get("/v1/models/anthropic:claude-3-5-haiku-20241022", key=tenant.read).body["available"] is True
    assert api.get("/v1/models/local:sage", key=tenant.read).body["available"] is True
    generated = api.post(
        "/v1/generations",
        {"user_id": "u1", "category_key": "content_caption", "prompt": "tulips", "model_id": "openai:gpt-4o-mini"},
        key=tenant.app,
    )
    assert generated.status == 422 and field_of(generated) == ("body.model_id", "model_unavailable")


# --- suspension and recovery -----------------------------------------------------------------------------------------


def test_a_suspended_tenants_keys_answer_403_and_only_root_resumes_it(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    assert api.post(f"/v1/tenants/{tenant.id}/suspend", {}, key=tenant.admin).error_code == "forbidden"
    suspended = api.post(f"/v1/tenants/{tenant.id}/suspend", {"reason": "leaked admin key"}, key=ROOT_KEY)
    assert suspended.status == 200
    assert suspended.body["status"] == "suspended" and suspended.body["suspended_reason"] == "leaked admin key"
    assert api.get(f"/v1/tenants/{tenant.id}/status", key=ROOT_KEY).body["status"] == "suspended"

    for key in (tenant.admin, tenant.app, tenant.read):
        for method, path, body in (
            ("GET", "/v1/tenants/me", None),
            ("GET", "/v1/api-keys", None),
            ("POST", "/v1/sessions", {"user_id": "u", "category_key": "content_caption", "input": "a", "output": "b"}),
            ("DELETE", "/v1/api-keys/key_whatever", None),
        ):
            reply = api.request(method, path, json_body=body, key=key)
            assert (reply.status, reply.error_code) == (403, "tenant_suspended"), (method, path)
    # The leaked admin key cannot undo the suspension, nor mint or revoke keys.
    for path in (f"/v1/tenants/{tenant.id}/resume", f"/v1/tenants/{tenant.id}/recovery-key"):
        reply = api.post(path, {}, key=tenant.admin)
        assert (reply.status, reply.error_code) == (403, "tenant_suspended")
    assert api.post("/v1/api-keys", {"name": "x", "role": "admin"}, key=tenant.admin).error_code == "tenant_suspended"
    # A wrong secret still reads as an unknown key (a suspension tells nothing to a guesser).
    forged = tenant.admin.rsplit(".", 1)[0] + ".not-the-secret"
    assert api.get("/v1/tenants/me", key=forged).status == 401
    assert api.get("/v1/tenants/me", key=other_tenant.read).status == 200

    resumed = api.post(f"/v1/tenants/{tenant.id}/resume", key=ROOT_KEY)
    assert resumed.status == 200 and resumed.body == {
        "tenant_id": tenant.id,
        "status": "active",
        "suspended_at": None,
        "suspended_reason": None,
    }
    assert api.get("/v1/tenants/me", key=tenant.read).status == 200
    assert api.post("/v1/tenants/ten_nope/suspend", {}, key=ROOT_KEY).status == 404
    assert api.post("/v1/tenants/ten_nope/recovery-key", {}, key=ROOT_KEY).status == 404


def test_a_recovery_key_takes_the_tenant_back_from_a_leaked_admin_key(api: Api, tenant: Tenant) -> None:
    # The leaked admin key mints its own admin key and revokes every other key it can.
    intruder = api.post("/v1/api-keys", {"name": "intruder", "role": "admin"}, key=tenant.admin).body
    for listed in api.get("/v1/api-keys", key=intruder["key"]).body["items"]:
        if listed["id"] != intruder["id"]:
            assert api.delete(f"/v1/api-keys/{listed['id']}", key=intruder["key"]).status == 204
    assert api.get("/v1/tenants/me", key=tenant.admin).status == 401

    assert api.post(f"/v1/tenants/{tenant.id}/suspend", {}, key=ROOT_KEY).status == 200
    headers = {"Idempotency-Key": "recover-1"}
    recovery = api.post(f"/v1/tenants/{tenant.id}/recovery-key", {}, key=ROOT_KEY, headers=headers)
    assert recovery.status == 201, recovery.body
    assert recovery.body["api_key"]["role"] == "admin" and recovery.body["api_key"]["name"] == "recovery admin key"
    assert recovery.body["revoked_key_ids"] == [intruder["id"]]
    token = recovery.body["api_key"]["key"]
    replay = api.post(f"/v1/tenants/{tenant.id}/recovery-key", {}, key=ROOT_KEY, headers=headers)
    assert replay.status == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.body["api_key"]["key"] is None and replay.body["api_key"]["id"] == recovery.body["api_key"]["id"]

    assert api.get("/v1/tenants/me", key=token).error_code == "tenant_suspended"  # until the operator resumes it
    assert api.post(f"/v1/tenants/{tenant.id}/resume", key=ROOT_KEY).status == 200
    assert api.get("/v1/tenants/me", key=token).status == 200
    assert api.get("/v1/tenants/me", key=intruder["key"]).status == 401
    assert api.get("/v1/tenants/me", key=tenant.admin).status == 401
    listed = api.get("/v1/api-keys", key=token).body["items"]
    assert [k["id"] for k in listed] == [recovery.body["api_key"]["id"]]
    # The admin count followed: the recovery key is the last admin key, so it cannot be revoked.
    last = api.delete(f"/v1/api-keys/{recovery.body['api_key']['id']}", key=token)
    assert (last.status, last.error_code) == (409, "last_admin_key")
    assert api.post("/v1/api-keys", {"name": "ci", "role": "app"}, key=token).status == 201


# --- budgets on fine-tuning and retraining -----------------------------------------------------------------------


def price_training(api: Api, tenant: Tenant, model_id: str, per_1k: float) -> None:
    reply = api.put(f"/v1/models/{model_id}", model_body(api, tenant, model_id, cost_per_1k_training=per_1k), key=tenant.admin)
    assert reply.status == 200, reply.body


def test_fine_tuning_reserves_its_estimate_from_the_budget_and_settles_when_the_job_ends(api: Api, tenant: Tenant) -> None:
    populate(api, tenant, n=12)
    ds = build(api, tenant)
    price_training(api, tenant, "local:sage", 0.5)
    estimate = round(count_tokens(raw_file(tenant, ds["id"], "train").decode()) * 3 / 1000 * 0.5, 10)
    assert estimate > 0
    body = {"dataset_id": ds["id"], "base_model": "local:sage"}

    api.put("/v1/tenants/me/limits", {"monthly_budget_usd": round(estimate * 0.9, 6)}, key=tenant.admin)
    refused = api.post("/v1/training/jobs", body, key=tenant.admin)
    assert (refused.status, refused.error_code) == (429, "budget_exceeded")
    assert int(refused.headers["retry-after"]) > 0
    assert api.get("/v1/training/jobs", key=tenant.read).body["items"] == []

    api.put("/v1/tenants/me/limits", {"monthly_budget_usd": round(estimate * 1.5, 6)}, key=tenant.admin)
    first = api.post("/v1/training/jobs", body, key=tenant.admin)
    assert first.status == 201 and first.body["estimated_cost_usd"] == pytest.approx(estimate) and first.body["cost_usd"] is None
    second = api.post("/v1/training/jobs", body, key=tenant.admin)  # half the estimate is left
    assert (second.status, second.error_code) == (429, "budget_exceeded")

    # A job cancelled before it ran costs nothing: its reservation goes back to the budget.
    cancelled = api.post(f"/v1/training/jobs/{first.body['id']}/cancel", key=tenant.admin)
    assert cancelled.body["status"] == "cancelled" and cancelled.body["cost_usd"] == 0.0
    third = api.post("/v1/training/jobs", body | {"hyperparameters": {"n_epochs": 2}}, key=tenant.admin)
    assert third.status == 201 and third.body["estimated_cost_usd"] == pytest.approx(estimate * 2 / 3)
    assert poll(api, tenant) == {"polled": 1, "succeeded": 1}
    done = api.get(f"/v1/training/jobs/{third.body['id']}", key=tenant.read).body
    assert done["status"] == "succeeded" and done["cost_usd"] == pytest.approx(estimate * 2 / 3)
    # Spent: two thirds of the estimate; the budget is 1.5 estimates, so a full job no longer fits.
    assert api.post("/v1/training/jobs", body, key=tenant.admin).error_code == "budget_exceeded"


def test_retraining_answers_429_when_its_job_is_beyond_the_budget(api: Api, tenant: Tenant) -> None:
    populate(api, tenant, n=12)
    price_training(api, tenant, "local:sage", 0.5)
    api.put("/v1/tenants/me/limits", {"monthly_budget_usd": 0.0001}, key=tenant.admin)
    refused = api.post("/v1/retrain", {"days": 30, "base_model": "local:sage"}, key=tenant.admin)
    assert (refused.status, refused.error_code) == (429, "budget_exceeded"), refused.body
    built = refused.body["error"]["details"][-1]["dataset_id"]
    assert api.get(f"/v1/training/datasets/{built}", key=tenant.read).status == 200
    assert api.get("/v1/training/jobs", key=tenant.read).body["items"] == []

    api.put("/v1/tenants/me/limits", {"monthly_budget_usd": 100}, key=tenant.admin)
    run = api.post("/v1/retrain", {"days": 30, "base_model": "local:sage"}, key=tenant.admin)
    assert run.status == 200 and run.body["job"]["estimated_cost_usd"] > 0


def test_an_openai_job_settles_at_the_tokens_it_trained(api: Api, tenant: Tenant, fake_openai: Any) -> None:
    populate(api, tenant, n=12)
    ds = build(api, tenant, validation_split=0)
    api.put("/v1/tenants/me/limits", {"monthly_budget_usd": 50}, key=tenant.admin)
    job = api.post("/v1/training/jobs", {"dataset_id": ds["id"], "base_model": "openai:gpt-4o-mini"}, key=tenant.admin).body
    tokens = count_tokens(raw_file(tenant, ds["id"], "train").decode())
    assert job["estimated_cost_usd"] == pytest.approx(tokens * 3 / 1000 * 0.003)  # the default catalog's training price
    for _ in range(3):
        poll(api, tenant)
    done = api.get(f"/v1/training/jobs/{job['id']}", key=tenant.read).body
    assert done["status"] == "succeeded" and done["metrics"]["trained_tokens"] == 4096
    assert done["cost_usd"] == pytest.approx(4096 / 1000 * 0.003)


# --- failed authentication ---------------------------------------------------------------------------------------


def test_failed_authentications_are_throttled_per_source_before_any_read(
    api: Api, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalice.local import LambdaEventConverter

    from chalicelib.core import storage

    put_settings(api, auth_failures_per_minute=3)
    wrong = tenant.read.rsplit(".", 1)[0] + ".wrong-secret"
    reads = {"n": 0}
    real_get_many = storage.get_many

    def counting(*args: Any, **kwargs: Any) -> Any:
        reads["n"] += 1
        return real_get_many(*args, **kwargs)

    monkeypatch.setattr(storage, "get_many", counting)
    with clock.frozen(datetime(2026, 11, 22, 10, 5, 15, tzinfo=UTC)):
        assert api.get("/v1/tenants/me").status == 401  # no key at all: nothing tried, nothing read, not counted
        assert [api.get("/v1/tenants/me", key=wrong).status for _ in range(3)] == [401, 401, 401]
        before = reads["n"]
        blocked = api.get("/v1/tenants/me", key=wrong)
        assert (blocked.status, blocked.error_code, blocked.headers["retry-after"]) == (429, "rate_limited", "45")
        # Every key from that address waits for the minute's end, a good one too; nothing is read meanwhile.
        assert api.get("/v1/tenants/me", key=tenant.read).status == 429
        assert reads["n"] == before

        # The count is shared through the table: a Lambda that never saw this address blocks it at its next failure.
        throttle.forget()
        assert api.get("/v1/tenants/me", key=wrong).status == 401
        assert api.get("/v1/tenants/me", key=tenant.read).status == 429

        # Another address is not affected.
        monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "198.51.100.7")
        assert api.get("/v1/tenants/me", key=tenant.read).status == 200
        monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "127.0.0.1")
    with clock.frozen(datetime(2026, 11, 22, 10, 6, 0, tzinfo=UTC)):
        assert api.get("/v1/tenants/me", key=tenant.read).status == 200
