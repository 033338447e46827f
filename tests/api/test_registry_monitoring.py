"""Drift baselines and the detect-drift task, data pipelines that run over the tenant's data, data quality."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from scipy import stats

from chalicelib.core import clock
from chalicelib.monitoring import predictions as prediction_service
from chalicelib.monitoring.schemas import GroundTruth, PredictionCreate
from tests.api.registry_helpers import activate, path, predict, register
from tests.conftest import Api, Tenant

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
SEED = 7


def bulk(tenant: Tenant, model: dict[str, Any], rows: list[tuple[dict[str, Any], Any]]) -> list[str]:
    """Many predictions at once through the service the route calls (the route itself is tested elsewhere)."""
    made = []
    for input_data, predicted in rows:
        body = PredictionCreate(prediction_type="classification", input_data=input_data, prediction=predicted)
        made.append(
            prediction_service.record_prediction(tenant.id, model["model_name"], model["model_version"], body).prediction_id
        )
    return made


def label(tenant: Tenant, prediction_ids: list[str], actuals: list[Any]) -> None:
    for prediction_id, actual in zip(prediction_ids, actuals, strict=True):
        prediction_service.record_ground_truth(tenant.id, prediction_id, GroundTruth(actual_value=actual))


def run_drift(api: Api, tenant: Tenant) -> dict[str, Any]:
    reply = api.post("/v1/scheduler/tasks/detect-drift/run", key=tenant.admin)
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "succeeded", reply.body
    return reply.body["result"]


def latest(api: Api, tenant: Tenant, model: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    reply = api.get(path(model, "/drift"), key=tenant.read)
    assert reply.status == 200
    return {(r["feature_name"], r["metric"]): r for r in reply.body["items"]}


# --- drift ---------------------------------------------------------------------------------------------


def test_a_shifted_feature_drifts_and_unshifted_ones_do_not(api: Api, tenant: Tenant) -> None:
    rng = np.random.default_rng(SEED)
    model = register(api, tenant, feature_columns=["amount", "vendor_score", "category"])
    activate(api, tenant, model)
    kinds = ["office", "travel", "meals"]
    base_amount = rng.normal(100, 15, 600).round(2).tolist()
    base_vendor = rng.normal(0.5, 0.1, 600).round(4).tolist()
    base_category = rng.choice(kinds, 600, p=[0.5, 0.3, 0.2]).tolist()
    baseline = api.post(
        path(model, "/baseline"),
        {"features": {"amount": base_amount, "vendor_score": base_vendor, "category": base_category, "memo": [None, {"x": 1}]}},
        key=tenant.admin,
    )
    assert baseline.status == 201
    features = {f["feature_name"]: f for f in baseline.body["features"]}
    assert (features["amount"]["kind"], features["amount"]["sample_size"], features["amount"]["stored_size"]) == (
        "numeric",
        600,
        600,
    )
    assert features["amount"]["mean"] == pytest.approx(float(np.mean(base_amount)))
    assert features["category"]["kind"] == "categorical" and sum(features["category"]["categories"].values()) == 600
    assert (baseline.body["source"], baseline.body["skipped"]) == ("given", ["memo"])

    now_amount = rng.normal(130, 15, 200).round(2).tolist()  # two standard deviations up
    now_vendor = rng.normal(0.5, 0.1, 200).round(4).tolist()
    now_category = rng.choice(kinds, 200, p=[0.5, 0.3, 0.2]).tolist()
    with clock.frozen(NOW - timedelta(days=1)):
        rows = [
            ({"amount": a, "vendor_score": v, "category": c}, c)
            for a, v, c in zip(now_amount, now_vendor, now_category, strict=True)
        ]
        bulk(tenant, model, rows)
    with clock.frozen(NOW - timedelta(days=9)):
        bulk(
            tenant, model, [({"amount": 1e6, "vendor_score": 9.0, "category": "yachts"}, "yachts")] * 5
        )  # outside the 7-day window
    with clock.frozen(NOW):
        result = run_drift(api, tenant)
    assert result["models_checked"] == 1 and result["features_checked"] == 3
    assert sorted(result["drifted"]) == ["expense_classifier:v1.0:amount:ks", "expense_classifier:v1.0:amount:psi"]
    reports = latest(api, tenant, model)
    assert set(reports) == {
        ("amount", "ks"),
        ("amount", "psi"),
        ("vendor_score", "ks"),
        ("vendor_score", "psi"),
        ("category", "chi_square"),
        ("category", "jensen_shannon"),
    }
    ks = reports[("amount", "ks")]
    reference = stats.ks_2samp(base_amount, now_amount)
    assert ks["drift_score"] == pytest.approx(float(reference.statistic), abs=1e-12)
    assert ks["p_value"] == pytest.approx(float(reference.pvalue), rel=1e-9, abs=1e-300)
    assert (ks["drift_type"], ks["threshold"], ks["status"], ks["current_size"], ks["baseline_size"]) == (
        "data_drift",
        0.1,
        "detected",
        200,
        600,
    )
    assert ks["id"] == ks["drift_id"] and ks["model_id"] == model["id"]
    assert ks["window_end"] == clock.iso(NOW) and ks["recommendations"]
    assert reports[("amount", "psi")]["status"] == "detected" and reports[("amount", "psi")]["threshold"] == 0.2
    assert reports[("vendor_score", "ks")]["status"] == reports[("vendor_score", "psi")]["status"] == "normal"
    # Sampling noise on 200 categories can reach the warning band (half the threshold), never the threshold.
    assert reports[("category", "chi_square")]["status"] != "detected"
    assert reports[("category", "jensen_shannon")]["status"] != "detected"
    category = stats.chi2_contingency(
        [
            [base_category.count(k) for k in sorted(kinds)],
            [now_category.count(k) for k in sorted(kinds)],
        ],
        correction=False,
    )
    assert reports[("category", "chi_square")]["statistic"] == pytest.approx(float(category.statistic), rel=1e-12)
    assert reports[("category", "chi_square")]["p_value"] == pytest.approx(float(category.pvalue), rel=1e-9)
    # Running again reports the same (the latest per feature and test is replaced, not duplicated).
    with clock.frozen(NOW + timedelta(minutes=5)):
        again = run_drift(api, tenant)
    assert again["reports"] == 6 and len(latest(api, tenant, model)) == 6


def test_baseline_from_a_window_of_predictions_with_label_and_concept_drift(api: Api, tenant: Tenant) -> None:
    rng = np.random.default_rng(SEED + 1)
    model = register(api, tenant, feature_columns=["amount", "category"])
    with clock.frozen(NOW - timedelta(days=20)):
        amounts = rng.normal(50, 10, 120).round(2).tolist()
        ids = bulk(
            tenant, model, [({"amount": a, "category": "office"}, "office" if i % 4 else "travel") for i, a in enumerate(amounts)]
        )
        label(tenant, ids, ["office" if i % 10 else "meals" for i in range(120)])  # 90% right... of the office ones
    window = {"from": clock.iso(NOW - timedelta(days=21)), "to": clock.iso(NOW - timedelta(days=19))}
    reply = api.post(path(model, "/baseline"), {"from_predictions": window, "thresholds": {"min_samples": 20}}, key=tenant.admin)
    assert reply.status == 201
    assert reply.body["source"] == "predictions" and reply.body["window_start"] == window["from"]
    features = {(f["drift_type"], f["feature_name"]): f for f in reply.body["features"]}
    assert set(features) == {("data_drift", "amount"), ("data_drift", "category"), ("label_drift", "prediction")}
    assert features[("data_drift", "amount")]["sample_size"] == 120
    assert features[("label_drift", "prediction")]["categories"] == {"office": 90, "travel": 30}
    empty = api.post(path(model, "/baseline"), {"from_predictions": {"days": 3}}, key=tenant.admin)
    assert empty.status == 409 and empty.error_code == "no_predictions"

    with clock.frozen(NOW - timedelta(days=2)):
        ids = bulk(
            tenant, model, [({"amount": a, "category": "office"}, "travel") for a in rng.normal(50, 10, 40).round(2).tolist()]
        )
        label(tenant, ids, ["office"] * 40)  # every one wrong
    with clock.frozen(NOW):
        run_drift(api, tenant)
    reports = latest(api, tenant, model)
    assert reports[("amount", "ks")]["status"] == "normal"
    assert reports[("prediction", "chi_square")]["drift_type"] == "label_drift"
    assert reports[("prediction", "chi_square")]["status"] == "detected"
    concept = reports[("expense_type", "accuracy_drop")]
    assert concept["drift_type"] == "concept_drift"
    baseline_accuracy = sum(1 for i in range(120) if i % 4 and i % 10) / 120
    assert concept["baseline_value"] == pytest.approx(baseline_accuracy)
    assert (concept["current_value"], concept["status"]) == (0.0, "detected")
    assert concept["drift_score"] == pytest.approx(baseline_accuracy)


def test_baseline_validation(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    for default in ({}, {"from_predictions": True}):  # the last 7 days of predictions: none yet
        refused = api.post(path(model, "/baseline"), default, key=tenant.admin)
        assert refused.status == 409 and refused.error_code == "no_predictions"
    assert api.post(path(model, "/baseline"), {"from_predictions": False}, key=tenant.admin).status == 422
    both = api.post(path(model, "/baseline"), {"features": {"a": [1]}, "from_predictions": {"days": 1}}, key=tenant.admin)
    assert both.status == 422
    assert api.post(path(model, "/baseline"), {"features": {"a": []}}, key=tenant.admin).status == 422
    nothing = api.post(path(model, "/baseline"), {"features": {"a": [None, [1]]}}, key=tenant.admin)
    assert nothing.status == 409 and nothing.error_code == "baseline_empty"
    assert api.post(path(model, "/baseline"), {"features": {"a": [1, 2]}}, key=tenant.app).status == 403
    big = api.post(path(model, "/baseline"), {"features": {"a": list(range(5000))}}, key=tenant.admin).body["features"][0]
    assert (big["sample_size"], big["stored_size"]) == (5000, 2000)
    # A new baseline replaces the old one as a whole.
    replaced = api.post(path(model, "/baseline"), {"features": {"b": ["x", "y"]}}, key=tenant.admin)
    assert [f["feature_name"] for f in replaced.body["features"]] == ["b"]


def test_too_few_recent_values_are_skipped_not_reported(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    api.post(path(model, "/baseline"), {"features": {"amount": list(range(100))}}, key=tenant.admin)
    with clock.frozen(NOW):
        bulk(tenant, model, [({"amount": 5}, "office")] * 10)
        result = run_drift(api, tenant)
    assert result["skipped"] == ["expense_classifier:v1.0:amount"] and result["reports"] == 0
    assert latest(api, tenant, model) == {}


# --- pipelines and data quality ----------------------------------------------------------------------------


def test_a_validation_pipeline_runs_over_predictions_and_measures_quality(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    table = "predictions:expense_classifier:v1.0"
    with clock.frozen(NOW - timedelta(days=3)):
        predict(api, tenant, model, "office", {"invoice": "i-0", "amount": 10, "category": "office", "source": "erp"})
    with clock.frozen(NOW - timedelta(hours=2)):
        inputs = [
            {"invoice": "i-1", "amount": 20, "category": "office", "source": "erp"},
            {"invoice": "i-2", "amount": -5, "category": "travel", "source": "erp"},  # below min
            {"invoice": "i-3", "category": "meals", "source": "erp"},  # amount missing
            {"invoice": "i-4", "amount": "60", "category": "office", "source": "erp"},  # amount a string
            {"invoice": "i-5", "amount": 30, "category": "yachts", "source": "erp"},  # category not allowed
            {"invoice": "i-6", "amount": 40, "category": "meals", "source": "manual"},  # skipped by `where`
            {"invoice": "i-1", "amount": 20, "category": "office", "source": "erp"},  # duplicate: skipped
            {"invoice": "i-7", "amount": 50, "category": "travel", "source": "erp"},
        ]
        for item in inputs:
            predict(api, tenant, model, "office", item)
    definition = {
        "pipeline_name": "validate-expense-inputs",
        "pipeline_type": "validation",
        "schedule": "0 2 * * *",
        "config": {
            "days": 7,
            "where": {"input_data.source": "erp"},
            "dedupe_key": "input_data.invoice",
            "thresholds": {"completeness": 0.9},
        },
        "source_tables": [table],
        "target_tables": ["data_quality"],
        "validation_rules": {
            "input_data.amount": {"required": True, "type": "number", "min": 0},
            "input_data.category": {"allowed": ["office", "travel", "meals"]},
            "created_at": {"type": "timestamp", "max_age_days": 1},
        },
    }
    created = api.post("/v1/registry/pipelines", definition, key=tenant.admin)
    assert created.status == 201
    assert (created.body["status"], created.body["id"], created.body["pipeline_type"]) == (
        "active",
        created.body["pipeline_id"],
        "validation",
    )
    assert api.post("/v1/registry/pipelines", definition, key=tenant.admin).status == 409
    with clock.frozen(NOW):
        run = api.post("/v1/registry/pipelines/validate-expense-inputs/runs", {}, key=tenant.admin)
    assert run.status == 201
    body = run.body
    # Read 9 (the last 7 days); skipped 2 (manual source, duplicate invoice); processed 7, of which 5 break a rule:
    # i-0 (stale), i-2 (below min), i-3 (missing), i-4 (a string), i-5 (not allowed).
    assert (body["status"], body["records_processed"], body["records_failed"], body["records_skipped"]) == ("completed", 7, 5, 2)
    assert body["metrics"]["records_read"] == 9 and body["metrics"]["records_valid"] == 2
    assert "input_data.amount -5 is below the minimum 0" in body["logs"] and "input_data.amount is missing" in body["logs"]
    assert "'yachts' is not one of the allowed values" in body["logs"]
    figures = {(q["column_name"], q["quality_metric"]): q for q in body["data_quality"]}
    assert figures[("input_data.amount", "completeness")]["metric_value"] == pytest.approx(6 / 7)
    assert figures[("input_data.amount", "completeness")]["threshold"] == 0.9
    assert figures[("input_data.amount", "completeness")]["status"] == "warning"  # within 0.05 below 0.9
    assert figures[("input_data.amount", "validity")]["metric_value"] == pytest.approx(4 / 6)  # -5 and "60" invalid
    assert figures[("input_data.amount", "consistency")]["metric_value"] == pytest.approx(5 / 6)  # one string among numbers
    assert figures[("input_data.category", "validity")]["metric_value"] == pytest.approx(6 / 7)
    assert figures[("input_data.category", "completeness")]["status"] == "pass"
    assert figures[("created_at", "timeliness")]["metric_value"] == pytest.approx(6 / 7)
    assert figures[("created_at", "timeliness")]["threshold"] == 0.95
    assert figures[("created_at", "timeliness")]["status"] == "fail"
    listed = api.get(f"/v1/registry/data-quality?table={table}", key=tenant.read)
    assert listed.status == 200
    assert {(q["column_name"], q["quality_metric"], q["status"]) for q in listed.body["items"]} == {
        (q["column_name"], q["quality_metric"], q["status"]) for q in body["data_quality"]
    }
    assert all(q["table_name"] == table and q["run_id"] == body["run_id"] for q in listed.body["items"])
    assert api.get("/v1/registry/data-quality?table=sessions", key=tenant.read).body["items"] == []
    runs = api.get("/v1/registry/pipelines/validate-expense-inputs/runs", key=tenant.read).body["items"]
    assert [r["run_id"] for r in runs] == [body["run_id"]]
    pipeline = api.get("/v1/registry/pipelines", key=tenant.read).body["items"][0]
    assert (pipeline["runs"], pipeline["last_run_status"]) == (1, "completed")


def test_pipelines_over_sessions_and_the_registry_and_their_errors(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    for ms in (1200, None, 800):
        body = {"user_id": "u1", "category_key": "ai_resize", "input": {"w": 1}, **({"processing_time_ms": ms} if ms else {})}
        assert api.post("/v1/sessions", body, key=tenant.app).status == 201
    register(api, tenant)
    definition = {
        "pipeline_name": "sessions-check",
        "pipeline_type": "data_collection",
        "source_tables": ["sessions", "registry_models"],
        "validation_rules": {
            "processing_time_ms": {"type": "number", "min": 0},
            "algorithm": {"required": False, "type": "string"},
        },
    }
    assert api.post("/v1/registry/pipelines", definition, key=tenant.admin).status == 201
    run = api.post("/v1/registry/pipelines/sessions-check/runs", key=tenant.admin).body
    assert (run["status"], run["records_processed"], run["records_failed"], run["records_skipped"]) == ("completed", 4, 0, 0)
    assert run["metrics"]["tables"] == {"sessions": {"read": 3, "processed": 3}, "registry_models": {"read": 1, "processed": 1}}
    figures = {(q["table_name"], q["column_name"], q["quality_metric"]): q["metric_value"] for q in run["data_quality"]}
    assert figures[("sessions", "processing_time_ms", "completeness")] == pytest.approx(2 / 3)
    assert figures[("registry_models", "algorithm", "completeness")] == 1.0

    bad = api.post(
        "/v1/registry/pipelines",
        {**definition, "pipeline_name": "x", "source_tables": ["payroll"], "pipeline_type": "magic"},
        key=tenant.admin,
    )
    assert bad.status == 422
    assert {d["field"] for d in bad.body["error"]["details"]} == {"body.source_tables", "body.pipeline_type"}
    rules = {**definition, "pipeline_name": "y", "validation_rules": {"a": {"type": "decimal", "pattern": "("}}}
    assert {d["field"] for d in api.post("/v1/registry/pipelines", rules, key=tenant.admin).body["error"]["details"]} == {
        "body.validation_rules.a.type",
        "body.validation_rules.a.pattern",
    }
    ghost = {**definition, "pipeline_name": "ghost", "source_tables": ["predictions:nothing:v9"]}
    assert api.post("/v1/registry/pipelines", ghost, key=tenant.admin).status == 201
    failed = api.post("/v1/registry/pipelines/ghost/runs", {}, key=tenant.admin).body
    assert failed["status"] == "failed" and "no model nothing version v9" in failed["logs"]
    assert [p["status"] for p in api.get("/v1/registry/pipelines", key=tenant.read).body["items"]] == ["error", "active"]
    paused = api.patch("/v1/registry/pipelines/sessions-check", {"status": "paused"}, key=tenant.admin)
    assert paused.status == 200 and paused.body["status"] == "paused"
    refused = api.post("/v1/registry/pipelines/sessions-check/runs", {}, key=tenant.admin)
    assert refused.status == 409 and refused.error_code == "pipeline_paused"
    assert api.post("/v1/registry/pipelines/sessions-check/runs", {}, key=other_tenant.admin).status == 404
    assert api.post("/v1/registry/pipelines/sessions-check/runs", {}, key=tenant.app).status == 403
    assert api.post("/v1/registry/pipelines/sessions-check/runs", {"dry_run": True}, key=tenant.admin).status == 422
    assert api.get("/v1/registry/pipelines/sessions-check/runs", key=other_tenant.read).status == 404
    assert api.get("/v1/registry/data-quality", key=other_tenant.read).body["items"] == []


def test_a_feature_engineering_pipeline_profiles_features_and_writes_the_baseline(api: Api, tenant: Tenant) -> None:
    rng = np.random.default_rng(SEED + 2)
    model = register(api, tenant, feature_columns=["amount", "category"])
    with clock.frozen(NOW - timedelta(days=12)):
        amounts = rng.normal(200, 20, 80).round(2).tolist()
        bulk(tenant, model, [({"amount": a, "category": "Office "}, "office") for a in amounts])
    definition = {
        "pipeline_name": "expense-features",
        "pipeline_type": "feature_engineering",
        "config": {"days": 30},
        "source_tables": ["predictions:expense_classifier:v1.0"],
        "target_tables": ["baseline:expense_classifier:v1.0"],
        "transformations": {"category": {"strip": True, "lowercase": True}},  # a prediction's feature, by name
    }
    assert api.post("/v1/registry/pipelines", definition, key=tenant.admin).status == 201
    with clock.frozen(NOW - timedelta(days=10)):
        run = api.post("/v1/registry/pipelines/expense-features/runs", {}, key=tenant.admin).body
    assert (run["status"], run["records_processed"], run["records_failed"]) == ("completed", 80, 0)
    assert run["metrics"]["records_transformed"] == 80
    profile = run["metrics"]["features"]["predictions:expense_classifier:v1.0"]
    assert profile["input_data.amount"]["mean"] == pytest.approx(float(np.mean(amounts)))
    assert profile["input_data.category"]["top"] == [["office", 80]]
    assert run["metrics"]["baselines_written"][0]["features"] == ["amount", "category"]
    with clock.frozen(NOW):
        bulk(tenant, model, [({"amount": a, "category": "office"}, "office") for a in rng.normal(260, 20, 40).round(2).tolist()])
        run_drift(api, tenant)
    reports = latest(api, tenant, model)
    assert reports[("amount", "ks")]["status"] == "detected" and reports[("amount", "ks")]["baseline_size"] == 80
    assert reports[("category", "chi_square")]["status"] == "normal"  # the baseline holds the cleaned category


def test_a_baseline_taken_from_todays_predictions_is_compared_with_later_ones_only(api: Api, tenant: Tenant) -> None:
    rng = np.random.default_rng(SEED + 3)
    model = register(api, tenant, feature_columns=["amount"])
    before = rng.normal(10, 2, 80).round(3).tolist()
    after = rng.normal(14, 2, 50).round(3).tolist()
    with clock.frozen(NOW - timedelta(hours=3)):
        bulk(tenant, model, [({"amount": a}, "office") for a in before])
        assert api.post(path(model, "/baseline"), {"from_predictions": True}, key=tenant.admin).status == 201
    with clock.frozen(NOW - timedelta(hours=1)):
        bulk(tenant, model, [({"amount": a}, "office") for a in after])
    with clock.frozen(NOW):
        run_drift(api, tenant)
    ks = latest(api, tenant, model)[("amount", "ks")]
    reference = stats.ks_2samp(before, after)
    assert (ks["baseline_size"], ks["current_size"], ks["status"]) == (80, 50, "detected")
    assert ks["drift_score"] == pytest.approx(float(reference.statistic), abs=1e-12)
    assert ks["p_value"] == pytest.approx(float(reference.pvalue), rel=1e-9, abs=1e-300)


def test_pipeline_sources_without_a_version_and_targets_kept_for_the_record(api: Api, tenant: Tenant) -> None:
    v1, v2 = register(api, tenant), register(api, tenant, model_version="v2.0")
    for model in (v1, v2):
        predict(api, tenant, model, "office", {"amount": 1})
        predict(api, tenant, model, "travel", {"amount": None})
    api.post(path(v1, "/runs"), {"run_name": "fit"}, key=tenant.admin)
    definition = {
        "pipeline_name": "all predictions and runs",
        "pipeline_type": "data_collection",
        "config": {"model_name": "expense_classifier", "owner": "ml team"},
        "source_tables": ["predictions:expense_classifier", "training_runs", "predictions"],
        "target_tables": ["clean_predictions"],
        "validation_rules": {"input_data.amount": {"required": True}},
    }
    created = api.post("/v1/registry/pipelines", definition, key=tenant.admin)
    assert created.status == 201 and created.body["config"]["owner"] == "ml team"
    run = api.post("/v1/registry/pipelines/all%20predictions%20and%20runs/runs", {}, key=tenant.admin).body
    assert run["metrics"]["tables"] == {
        "predictions:expense_classifier": {"read": 4, "processed": 4, "failed": 2},
        "training_runs": {"read": 1, "processed": 1, "failed": 1},  # a run has no input_data
        "predictions": {"read": 4, "processed": 4, "failed": 2},
    }
    assert "clean_predictions: not a table Learnloop writes" in run["logs"]
    runs = api.get("/v1/registry/pipelines/all%20predictions%20and%20runs/runs", key=tenant.read).body["items"]
    assert [r["run_id"] for r in runs] == [run["run_id"]]


def test_concept_drift_against_the_recorded_accuracy_without_a_baseline(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    api.patch(path(model), {"accuracy": 0.92}, key=tenant.admin)
    with clock.frozen(NOW - timedelta(days=1)):
        label(tenant, bulk(tenant, model, [({"amount": 1}, "office")] * 40), ["office"] * 24 + ["travel"] * 16)
    with clock.frozen(NOW):
        result = run_drift(api, tenant)
    assert result["drifted"] == ["expense_classifier:v1.0:expense_type:accuracy_drop"]
    concept = latest(api, tenant, model)[("expense_type", "accuracy_drop")]
    assert (concept["baseline_value"], concept["current_value"]) == (0.92, 0.6)
    assert concept["drift_score"] == pytest.approx(0.32) and concept["analysis"]["reference"] == "recorded accuracy"
