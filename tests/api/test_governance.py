"""Governance: policies, checks of performance windows, drift reports and data-quality runs, violations' life cycle."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.core import clock
from tests.api.registry_helpers import CASHFLOW, activate, labelled, path, register
from tests.conftest import Api, Tenant

DAY = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)


def policy(api: Api, tenant: Tenant, **body: Any) -> dict[str, Any]:
    reply = api.post("/v1/governance/policies", {"rules": {}, "thresholds": {}, **body}, key=tenant.admin)
    assert reply.status == 201, reply.body
    return reply.body


def violations(api: Api, tenant: Tenant, query: str = "") -> list[dict[str, Any]]:
    reply = api.get(f"/v1/governance/violations{query}", key=tenant.read)
    assert reply.status == 200
    return reply.body["items"]


def run_task(api: Api, tenant: Tenant) -> dict[str, Any]:
    reply = api.post("/v1/scheduler/tasks/detect-drift/run", key=tenant.admin)
    assert reply.status == 200 and reply.body["status"] == "succeeded", reply.body
    return reply.body["result"]


# --- policies ------------------------------------------------------------------------------------------


def test_policies_are_created_validated_and_unique(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    created = policy(api, tenant, policy_name="minimum accuracy", policy_type="performance", thresholds={"min_accuracy": 0.8})
    assert created["id"] == created["policy_id"] and created["id"].startswith("pol_")
    assert (created["status"], created["checked"], created["rules"], created["thresholds"]) == (
        "active",
        True,
        {},
        {"min_accuracy": 0.8},
    )
    duplicate = api.post(
        "/v1/governance/policies",
        {"policy_name": "minimum accuracy", "policy_type": "drift", "rules": {}, "thresholds": {}},
        key=tenant.admin,
    )
    assert duplicate.status == 409 and duplicate.error_code == "policy_exists"
    bad = api.post(
        "/v1/governance/policies",
        {
            "policy_name": "broken",
            "policy_type": "performance",
            "rules": {"window": "hourly", "min_samples": 0, "owner": "risk team"},
            "thresholds": {"min_accuracy": 1.5, "max_banana": 1},
        },
        key=tenant.admin,
    )
    assert bad.status == 422
    assert {d["field"] for d in bad.body["error"]["details"]} == {
        "body.rules.window",
        "body.rules.min_samples",
        "body.thresholds.min_accuracy",
        "body.thresholds.max_banana",
    }
    fairness = api.post(
        "/v1/governance/policies",
        {"policy_name": "f", "policy_type": "fairness", "rules": {}, "thresholds": {}},
        key=tenant.admin,
    )
    assert {d["field"] for d in fairness.body["error"]["details"]} >= {
        "body.thresholds.max_disparity",
        "body.rules.segment_attribute",
    }
    assert api.post("/v1/governance/policies", {"policy_name": "x", "policy_type": "Not A Type"}, key=tenant.admin).status == 422
    generic = policy(
        api, tenant, policy_name="team type", policy_type="accuracy_floor", rules={"metric": "f1_score"}, thresholds={"min": 0.7}
    )
    assert generic["checked"] is True
    wrong = api.post(
        "/v1/governance/policies",
        {"policy_name": "y", "policy_type": "drift", "rules": {"metric": "vibes"}, "thresholds": {"max": 1}},
        key=tenant.admin,
    )
    assert {d["field"] for d in wrong.body["error"]["details"]} == {"body.rules.metric", "body.thresholds.max"}
    assert api.post("/v1/governance/policies", {"policy_name": "x", "policy_type": "drift"}, key=tenant.app).status == 403
    manual = policy(api, tenant, policy_name="no PII in features", policy_type="privacy", rules={"forbidden": ["email"]})
    assert manual["checked"] is False
    listed = api.get("/v1/governance/policies", key=tenant.read).body["items"]
    assert {p["policy_name"] for p in listed} == {"minimum accuracy", "no PII in features", "team type"}
    assert api.get(f"/v1/governance/policies/{created['id']}", key=other_tenant.read).status == 404
    assert api.patch(f"/v1/governance/policies/{created['id']}", {"status": "inactive"}, key=other_tenant.admin).status == 404
    off = api.patch(f"/v1/governance/policies/{created['id']}", {"status": "inactive"}, key=tenant.admin)
    assert off.status == 200 and off.body["status"] == "inactive"
    assert (
        api.patch(f"/v1/governance/policies/{created['id']}", {"thresholds": {"min_accuracy": 2}}, key=tenant.admin).status == 422
    )
    assert api.get("/v1/governance/policies", key=other_tenant.read).body["items"] == []


# --- performance -----------------------------------------------------------------------------------------


def test_accuracy_below_the_minimum_opens_exactly_one_violation_per_window(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    activate(api, tenant, model)
    rule = policy(
        api,
        tenant,
        policy_name="expense accuracy",
        policy_type="performance",
        thresholds={"min_accuracy": 0.8, "min_f1_score": 0.1},
    )
    with clock.frozen(DAY):
        labelled(api, tenant, model, [("office", "office")] * 6 + [("office", "travel")] * 4)  # accuracy 0.6
        for _ in range(3):
            assert api.get(path(model, "/performance?window=daily&periods=2"), key=tenant.read).status == 200
            run_task(api, tenant)
        with ThreadPoolExecutor(max_workers=6) as pool:
            replies = list(pool.map(lambda _: api.get(path(model, "/performance?periods=1"), key=tenant.read), range(6)))
        assert {r.status for r in replies} == {200}
    found = violations(api, tenant)
    assert len(found) == 1
    violation = found[0]
    assert violation["id"] == violation["violation_id"] and violation["id"].startswith("vio_")
    assert (violation["policy_id"], violation["policy_name"], violation["violation_type"]) == (
        rule["id"],
        "expense accuracy",
        "performance",
    )
    assert (violation["metric"], violation["value"], violation["threshold"]) == ("accuracy", 0.6, 0.8)
    assert (violation["window"], violation["status"], violation["severity"]) == ("daily:2026-06-03", "open", "high")  # 25 % short
    assert (violation["model_id"], violation["model_name"], violation["model_version"]) == (
        model["id"],
        "expense_classifier",
        "v1.0",
    )
    assert "accuracy 0.6 is below the minimum 0.8" in violation["description"]
    assert violation["latest_value"] == 0.6
    # More ground truth in the same window: still one violation, its latest figure follows the window.
    with clock.frozen(DAY + timedelta(hours=2)):
        labelled(api, tenant, model, [("office", "office")] * 2)  # 8 of 12
        run_task(api, tenant)
    [again] = violations(api, tenant)
    assert (again["id"], again["value"], again["latest_value"]) == (violation["id"], 0.6, pytest.approx(8 / 12))
    # The next day's window breaches again: a second violation, for that window.
    with clock.frozen(DAY + timedelta(days=1)):
        labelled(api, tenant, model, [("office", "travel")] * 3 + [("office", "office")])
        run_task(api, tenant)
        run_task(api, tenant)
    windows = sorted(v["window"] for v in violations(api, tenant))
    assert windows == ["daily:2026-06-03", "daily:2026-06-04"]
    latest = next(v for v in violations(api, tenant) if v["window"] == "daily:2026-06-04")
    assert (latest["value"], latest["severity"]) == (0.25, "critical")


def test_policy_scope_window_and_status_decide_what_is_checked(api: Api, tenant: Tenant) -> None:
    expenses, cashflow = register(api, tenant), register(api, tenant, CASHFLOW)
    policy(
        api,
        tenant,
        policy_name="weekly",
        policy_type="performance",
        rules={"window": "weekly", "model_name": "expense_classifier", "min_samples": 5},
        thresholds={"min_accuracy": 0.9},
    )
    policy(
        api,
        tenant,
        policy_name="other model",
        policy_type="performance",
        rules={"model_name": "anomaly_detection"},
        thresholds={"min_accuracy": 0.99},
    )
    policy(api, tenant, policy_name="off", policy_type="performance", status="inactive", thresholds={"min_accuracy": 0.99})
    rmse = policy(api, tenant, policy_name="cash rmse", policy_type="performance", thresholds={"max_rmse": 10})
    with clock.frozen(DAY):
        labelled(api, tenant, expenses, [("office", "travel")] * 4)  # 4 samples: under the weekly policy's minimum
        labelled(api, tenant, cashflow, [(100.0, 130.0), (100.0, 90.0)])  # RMSE sqrt((900 + 100) / 2) = 22.4
        api.get(path(expenses, "/performance?window=daily"), key=tenant.read)
        run_task(api, tenant)
    assert [(v["policy_id"], v["metric"]) for v in violations(api, tenant)] == [(rmse["id"], "rmse")]
    assert violations(api, tenant)[0]["value"] == pytest.approx(22.360679, rel=1e-6)
    with clock.frozen(DAY + timedelta(hours=1)):
        labelled(api, tenant, expenses, [("office", "travel")])
        reply = api.get(path(expenses, "/performance?window=weekly&periods=1"), key=tenant.read)
    assert reply.body["violations_opened"] == 1
    weekly = next(v for v in violations(api, tenant) if v["policy_name"] == "weekly")
    assert (weekly["window"], weekly["value"]) == ("weekly:2026-06-01", 0.0)


def test_fairness_compares_a_metric_across_segments(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    rule = policy(
        api,
        tenant,
        policy_name="equal accuracy by region",
        policy_type="fairness",
        rules={"segment_attribute": "region"},
        thresholds={"max_disparity": 0.2},
    )
    with clock.frozen(DAY):
        labelled(api, tenant, model, [("office", "office")] * 4, {"region": "eu"})
        labelled(
            api,
            tenant,
            model,
            [("office", "office"), ("office", "travel"), ("office", "travel"), ("office", "travel")],
            {"region": "us"},
        )
        labelled(api, tenant, model, [("office", "office")], {})  # no region: its own segment
        run_task(api, tenant)
        run_task(api, tenant)
    found = violations(api, tenant)
    assert len(found) == 1
    violation = found[0]
    assert (violation["policy_id"], violation["violation_type"], violation["metric"], violation["subject"]) == (
        rule["id"],
        "fairness",
        "disparity:accuracy",
        "region",
    )
    assert (violation["value"], violation["threshold"], violation["severity"]) == (0.75, 0.2, "critical")
    assert violation["details"]["segments"] == {"eu": 1.0, "us": 0.25, "__missing__": 1.0}


def test_violations_move_through_their_life_cycle(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    model = register(api, tenant)
    policy(api, tenant, policy_name="p", policy_type="performance", thresholds={"min_accuracy": 0.95})
    with clock.frozen(DAY):
        labelled(api, tenant, model, [("a", "b")])
        run_task(api, tenant)
    vid = violations(api, tenant)[0]["id"]
    url = f"/v1/governance/violations/{vid}"
    investigating = api.patch(url, {"status": "investigating"}, key=tenant.admin)
    assert investigating.status == 200 and investigating.body["status"] == "investigating"
    assert [v["id"] for v in violations(api, tenant, "?status=investigating")] == [vid]
    assert violations(api, tenant, "?status=open") == []
    resolved = api.patch(url, {"status": "resolved", "resolution": "retrained on May data"}, key=tenant.admin)
    assert (resolved.body["status"], resolved.body["resolution"]) == ("resolved", "retrained on May data")
    assert resolved.body["resolved_by"] and resolved.body["resolved_at"]
    refused = api.patch(url, {"status": "investigating"}, key=tenant.admin)
    assert refused.status == 409 and refused.error_code == "illegal_transition"
    assert "from resolved to investigating" in refused.body["error"]["message"]
    reopened = api.patch(url, {"status": "open"}, key=tenant.admin)
    assert (reopened.body["status"], reopened.body["resolved_at"]) == ("open", None)
    false_positive = api.patch(url, {"status": "false_positive", "resolution": "label noise"}, key=tenant.admin)
    assert false_positive.body["status"] == "false_positive"
    assert [c["to_status"] for c in false_positive.body["status_history"]] == [
        "open",
        "investigating",
        "resolved",
        "open",
        "false_positive",
    ]
    # However often the check runs again, the same window's violation is not reopened or duplicated.
    with clock.frozen(DAY):
        run_task(api, tenant)
    assert [(v["id"], v["status"]) for v in violations(api, tenant)] == [(vid, "false_positive")]
    assert api.patch(url, {"status": "closed"}, key=tenant.admin).status == 422
    assert api.patch(url, {"status": "open"}, key=tenant.read).status == 403
    assert api.patch(url, {"status": "open"}, key=other_tenant.admin).status == 404
    assert api.get(url, key=other_tenant.read).status == 404
    assert violations(api, other_tenant) == []
    assert api.get("/v1/governance/violations?status=done", key=tenant.read).status == 422


# --- drift and data quality -------------------------------------------------------------------------------


def test_drift_reports_are_checked_against_drift_policies(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    psi = policy(
        api,
        tenant,
        policy_name="stable amounts",
        policy_type="drift",
        rules={"features": ["amount"]},
        thresholds={"max_psi": 0.25},
    )
    any_drift = policy(api, tenant, policy_name="any drift", policy_type="drift")
    api.post(
        path(model, "/baseline"),
        {"features": {"amount": [float(i % 50) for i in range(200)], "category": ["a", "b"] * 50}},
        key=tenant.admin,
    )
    with clock.frozen(DAY):
        for i in range(60):
            body = {
                "prediction_type": "classification",
                "input_data": {"amount": float(40 + i % 10), "category": "a" if i % 2 else "b"},
                "prediction": "x",
            }
            assert api.post(path(model, "/predictions"), body, key=tenant.app).status == 201
        first = run_task(api, tenant)
        second = run_task(api, tenant)
    assert first["violations_opened"] == 3 and second["violations_opened"] == 0  # psi (max_psi), ks and psi (detected)
    found = violations(api, tenant)
    assert sorted((v["policy_name"], v["metric"]) for v in found) == [
        ("any drift", "ks"),
        ("any drift", "psi"),
        ("stable amounts", "psi"),
    ]
    strict = next(v for v in found if v["policy_id"] == psi["id"])
    assert strict["threshold"] == 0.25 and strict["value"] > 0.25
    assert (strict["violation_type"], strict["subject"], strict["window"]) == ("drift", "data_drift:amount", "daily:2026-06-03")
    assert all(v["policy_id"] in (psi["id"], any_drift["id"]) for v in found)


def test_a_failing_data_quality_run_opens_a_violation(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    policy(
        api,
        tenant,
        policy_name="complete amounts",
        policy_type="data_quality",
        rules={"table": "predictions:expense_classifier:v1.0"},
        thresholds={"min_completeness": 0.9},
    )
    for data in ({"amount": 1}, {"amount": 2}, {}, {}):
        body = {"prediction_type": "classification", "input_data": data, "prediction": "x"}
        assert api.post(path(model, "/predictions"), body, key=tenant.app).status == 201
    definition = {
        "pipeline_name": "amounts",
        "pipeline_type": "validation",
        "source_tables": ["predictions:expense_classifier:v1.0"],
        "validation_rules": {"input_data.amount": {"required": True}},
    }
    assert api.post("/v1/registry/pipelines", definition, key=tenant.admin).status == 201
    run = api.post("/v1/registry/pipelines/amounts/runs", {}, key=tenant.admin, headers={"Idempotency-Key": "dq-1"})
    assert run.status == 201 and run.body["violations_opened"] == 1
    replay = api.post("/v1/registry/pipelines/amounts/runs", {}, key=tenant.admin, headers={"Idempotency-Key": "dq-1"})
    assert replay.body == run.body
    found = violations(api, tenant)
    assert len(found) == 1
    assert (found[0]["metric"], found[0]["value"], found[0]["threshold"], found[0]["severity"]) == (
        "completeness",
        0.5,
        0.9,
        "high",
    )
    assert found[0]["window"] == f"run:{run.body['run_id']}" and found[0]["model_id"] == model["id"]
    assert len(api.get("/v1/registry/pipelines/amounts/runs", key=tenant.read).body["items"]) == 1


def test_thresholds_decide_what_is_checked_whatever_the_policy_type(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    seed_type = policy(
        api, tenant, policy_name="transparent and accurate", policy_type="transparency", thresholds={"accuracy": 0.9}
    )
    assert seed_type["checked"] is True and seed_type["thresholds"] == {"accuracy": 0.9}  # kept as given
    bias = policy(
        api,
        tenant,
        policy_name="no bias by vendor size",
        policy_type="bias_detection",
        rules={"segment_attribute": "vendor_size", "metric": "recall", "owner": "risk team"},
        thresholds={"max_disparity": 0.3},
    )
    drift = policy(api, tenant, policy_name="maximum drift", policy_type="drift", thresholds={"max_drift": 0.5})
    assert drift["checked"] is True
    with clock.frozen(DAY):
        labelled(api, tenant, model, [("office", "office"), ("travel", "travel")], {"vendor_size": "large"})
        labelled(api, tenant, model, [("office", "travel"), ("travel", "office")], {"vendor_size": "small"})
        run_task(api, tenant)
    found = {v["policy_id"]: v for v in violations(api, tenant)}
    assert set(found) == {seed_type["id"], bias["id"]}
    assert (found[seed_type["id"]]["metric"], found[seed_type["id"]]["value"], found[seed_type["id"]]["violation_type"]) == (
        "accuracy",
        0.5,
        "transparency",
    )
    assert (found[bias["id"]]["metric"], found[bias["id"]]["value"], found[bias["id"]]["violation_type"]) == (
        "disparity:recall",
        1.0,
        "bias",
    )


def test_fairness_of_a_regressor_compares_errors_across_segments(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant, CASHFLOW, segment_columns=["region"])
    policy(
        api,
        tenant,
        policy_name="equal error by region",
        policy_type="fairness",
        rules={"segment_attribute": "region", "metric": "mae", "window": "weekly", "min_samples": 2},
        thresholds={"max_disparity": 5},
    )
    with clock.frozen(DAY):
        labelled(api, tenant, model, [(100.0, 102.0), (100.0, 98.0)], {"region": "north"})  # MAE 2
        labelled(api, tenant, model, [(100.0, 110.0), (100.0, 90.0), (50.0, 62.0)], {"region": "south"})  # MAE 32/3
        labelled(api, tenant, model, [(100.0, 200.0)], {"region": "east"})  # one sample: under min_samples
        reply = api.get(path(model, "/performance?window=weekly&periods=1"), key=tenant.read)
    assert reply.body["violations_opened"] == 1
    [violation] = violations(api, tenant)
    assert (violation["metric"], violation["window"]) == ("disparity:mae", "weekly:2026-06-01")
    assert violation["value"] == pytest.approx(32 / 3 - 2)
    assert violation["details"]["segments"] == {"north": 2.0, "south": pytest.approx(32 / 3)}
