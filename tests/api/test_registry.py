"""The model registry: versions and their life cycle, training runs, predictions with ground truth, performance,
feature importance, experiments and deployments with rollback."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core import clock
from tests.api.registry_helpers import CASHFLOW, EXPENSES, activate, labelled, path, predict, register, truth
from tests.conftest import Api, Tenant

MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


# --- model versions ------------------------------------------------------------------------------------


def test_a_model_version_is_registered_in_training_and_read_back(api: Api, tenant: Tenant) -> None:
    created = api.post("/v1/registry/models", {**EXPENSES, "experiment_id": "exp-7"}, key=tenant.admin)
    assert created.status == 201
    body = created.body
    assert body["status"] == "training"
    assert body["id"] == body["model_id"] and body["id"].startswith("mdl_")
    for field, value in EXPENSES.items():
        assert body[field] == value, field
    assert body["experiment_id"] == "exp-7"
    assert body["status_history"][0]["to_status"] == "training"
    got = api.get(path(EXPENSES), key=tenant.read)
    assert got.status == 200 and got.body == body
    again = api.post("/v1/registry/models", EXPENSES, key=tenant.admin)
    assert again.status == 409 and again.error_code == "model_version_exists"


def test_registration_is_validated_and_admin_only(api: Api, tenant: Tenant) -> None:
    bad = api.post(
        "/v1/registry/models",
        {**EXPENSES, "model_name": "bad name#1", "model_type": "astrology", "hyperparameters": [], "colour": "red"},
        key=tenant.admin,
    )
    assert bad.status == 422
    assert {d["field"] for d in bad.body["error"]["details"]} == {
        "body.model_name",
        "body.model_type",
        "body.hyperparameters",
        "body.colour",
    }
    missing = api.post("/v1/registry/models", {"model_name": "m"}, key=tenant.admin)
    assert {d["field"] for d in missing.body["error"]["details"]} == {"body.model_version", "body.model_type", "body.algorithm"}
    assert api.post("/v1/registry/models", EXPENSES, key=tenant.app).status == 403
    assert api.post("/v1/registry/models", EXPENSES, key=tenant.read).status == 403
    assert api.get("/v1/registry/models", key=tenant.read).body == {"items": [], "next_cursor": None}


def test_models_are_listed_newest_first_by_name_and_status_and_paged(api: Api, tenant: Tenant) -> None:
    made = []
    for i in range(5):
        with clock.frozen(MONDAY + timedelta(minutes=i)):
            made.append(
                register(api, tenant, model_version=f"v{i}", model_name="anomaly_detection" if i % 2 else "expense_classifier")
            )
    activate(api, tenant, made[1])
    newest_first = [m["model_id"] for m in reversed(made)]
    ids, cursor = [], None
    while True:
        reply = api.get("/v1/registry/models?limit=2" + (f"&cursor={cursor}" if cursor else ""), key=tenant.read)
        assert reply.status == 200 and len(reply.body["items"]) <= 2
        ids += [m["id"] for m in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    assert ids == newest_first
    by_name = api.get("/v1/registry/models?model_name=anomaly_detection", key=tenant.read).body["items"]
    assert [m["model_version"] for m in by_name] == ["v3", "v1"]
    active = api.get("/v1/registry/models?status=active", key=tenant.read).body["items"]
    assert [m["model_id"] for m in active] == [made[1]["model_id"]]
    training = api.get("/v1/registry/models?status=training&model_name=expense_classifier", key=tenant.read).body["items"]
    assert [m["model_version"] for m in training] == ["v4", "v2", "v0"]
    assert api.get("/v1/registry/models?status=dreaming", key=tenant.read).status == 422


def test_status_life_cycle_refuses_illegal_moves_with_409(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    metrics = api.patch(path(model), {"accuracy": 0.91, "precision": 0.9, "recall": 0.88, "f1_score": 0.89}, key=tenant.admin)
    assert metrics.status == 200
    assert (metrics.body["accuracy"], metrics.body["f1_score"], metrics.body["status"]) == (0.91, 0.89, "training")
    assert api.patch(path(model), {"accuracy": 1.5}, key=tenant.admin).status == 422
    assert api.patch(path(model), {}, key=tenant.admin).status == 422
    failed = api.patch(path(model), {"status": "failed"}, key=tenant.admin)
    assert failed.status == 200 and failed.body["status"] == "failed"
    for target in ("active", "validated", "training"):
        refused = api.patch(path(model), {"status": target}, key=tenant.admin)
        assert refused.status == 409, target
        assert refused.error_code == "illegal_transition"
        assert "from failed to " + target in refused.body["error"]["message"]
        assert refused.body["error"]["details"][0]["allowed"] == ["archived"]
    assert api.get(path(model), key=tenant.read).body["status"] == "failed"
    # A new run is the way back: training, then validated when it completes, then active.
    run = api.post(path(model, "/runs"), {"run_name": "retrain"}, key=tenant.admin)
    assert run.status == 201
    assert api.get(path(model), key=tenant.read).body["status"] == "training"
    assert api.patch(f"/v1/registry/runs/{run.body['run_id']}", {"status": "completed"}, key=tenant.admin).status == 200
    assert api.get(path(model), key=tenant.read).body["status"] == "validated"
    active = api.patch(path(model), {"status": "active"}, key=tenant.admin)
    assert active.status == 200 and active.body["status"] == "active"
    assert [c["to_status"] for c in active.body["status_history"]] == ["training", "failed", "training", "validated", "active"]
    assert api.patch(path(model), {"status": "training"}, key=tenant.admin).status == 409
    assert api.post(path(model, "/runs"), {"run_name": "again"}, key=tenant.admin).status == 409
    assert api.patch(path(model), {"status": "deprecated"}, key=tenant.admin).body["status"] == "deprecated"
    assert api.patch(path(model), {"status": "archived"}, key=tenant.admin).body["status"] == "archived"
    assert api.patch(path(model), {"status": "active"}, key=tenant.admin).status == 409
    assert api.patch(path(model), {"status": "active"}, key=tenant.app).status == 403


def test_another_tenants_model_is_404_everywhere(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = register(api, other_tenant)
    prediction_id = predict(api, other_tenant, theirs, "office", {"amount": 5})
    run_id = api.post(path(theirs, "/runs"), {"run_name": "r"}, key=other_tenant.admin).body["run_id"]
    assert api.get(path(theirs), key=tenant.admin).status == 404
    assert api.patch(path(theirs), {"status": "active"}, key=tenant.admin).status == 404
    assert api.post(path(theirs, "/runs"), {"run_name": "r"}, key=tenant.admin).status == 404
    assert (
        api.post(
            path(theirs, "/predictions"),
            {"prediction_type": "classification", "input_data": {}, "prediction": "x"},
            key=tenant.app,
        ).status
        == 404
    )
    assert api.get(path(theirs, "/performance"), key=tenant.read).status == 404
    assert (
        api.put(
            path(theirs, "/feature-importance"),
            {"method": "shap", "features": [{"feature_name": "a", "importance": 1}]},
            key=tenant.admin,
        ).status
        == 404
    )
    assert api.post(path(theirs, "/baseline"), {"features": {"amount": [1, 2, 3]}}, key=tenant.admin).status == 404
    assert api.get(path(theirs, "/drift"), key=tenant.read).status == 404
    assert api.patch(f"/v1/registry/predictions/{prediction_id}", {"actual_value": "office"}, key=tenant.app).status == 404
    assert api.get(f"/v1/registry/predictions/{prediction_id}", key=tenant.read).status == 404
    assert api.patch(f"/v1/registry/runs/{run_id}", {"status": "failed"}, key=tenant.admin).status == 404
    assert api.get(f"/v1/registry/runs/{run_id}", key=tenant.read).status == 404
    assert api.get("/v1/registry/models", key=tenant.read).body["items"] == []
    assert api.get(f"/v1/registry/predictions/{prediction_id}", key=other_tenant.read).body["actual_value"] is None


def test_idempotent_registration_and_prediction_replays(api: Api, tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "register-expenses-1"}
    first = api.post("/v1/registry/models", EXPENSES, key=tenant.admin, headers=headers)
    replay = api.post("/v1/registry/models", EXPENSES, key=tenant.admin, headers=headers)
    assert first.status == replay.status == 201 and replay.body == first.body
    assert replay.headers["idempotent-replayed"] == "true"
    assert api.post("/v1/registry/models", {**EXPENSES, "algorithm": "svm"}, key=tenant.admin, headers=headers).status == 409
    body = {"prediction_type": "classification", "input_data": {"amount": 12.5}, "prediction": "office"}
    made = [api.post(path(EXPENSES, "/predictions"), body, key=tenant.app, headers={"Idempotency-Key": "p-1"}) for _ in range(3)]
    assert {r.status for r in made} == {201} and len({r.body["prediction_id"] for r in made}) == 1
    truth(api, tenant, made[0].body["prediction_id"], "office")
    report = api.get(path(EXPENSES, "/performance?window=daily&periods=1"), key=tenant.read).body
    assert (report["windows"][-1]["predictions"], report["windows"][-1]["samples"]) == (1, 1)


# --- training runs ---------------------------------------------------------------------------------------


def test_a_training_run_records_its_loss_curve_and_ends_once(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    started = api.post(
        path(model, "/runs"), {"run_name": "run-001", "epochs": 3, "batch_size": 32, "learning_rate": 0.001}, key=tenant.admin
    )
    assert started.status == 201
    run = started.body
    assert (run["status"], run["id"], run["model_id"], run["epochs"], run["batch_size"]) == (
        "running",
        run["run_id"],
        model["id"],
        3,
        32,
    )
    curve = [(0.9, 0.95), (0.6, 0.7), (0.4, 0.55)]
    for epoch, (loss, val_loss) in enumerate(curve, start=1):
        reply = api.patch(
            f"/v1/registry/runs/{run['run_id']}",
            {"loss": loss, "validation_loss": val_loss, "metrics_point": {"epoch": epoch}, "logs": f"epoch {epoch} done"},
            key=tenant.admin,
        )
        assert reply.status == 200 and reply.body["points"] == epoch
    logs_only = api.patch(f"/v1/registry/runs/{run['run_id']}", {"logs": "saving"}, key=tenant.admin)
    assert logs_only.body["points"] == 3
    ended = api.patch(
        f"/v1/registry/runs/{run['run_id']}",
        {"status": "completed", "accuracy": 0.93, "validation_accuracy": 0.9},
        key=tenant.admin,
    )
    assert ended.status == 200
    assert ended.body["status"] == "completed" and ended.body["ended_at"] is not None
    assert ended.body["duration_seconds"] >= 0
    assert [p["step"] for p in ended.body["training_metrics"]] == [1, 2, 3, 4]
    assert [p["values"] for p in ended.body["validation_metrics"]] == [
        {"validation_loss": 0.95},
        {"validation_loss": 0.7},
        {"validation_loss": 0.55},
        {"validation_accuracy": 0.9},
    ]
    detail = api.get(f"/v1/registry/runs/{run['run_id']}", key=tenant.read).body
    assert [p["step"] for p in detail["training_metrics"]] == [1, 2, 3, 4]
    assert [(p["values"].get("loss"), p["values"].get("validation_loss")) for p in detail["training_metrics"][:3]] == curve
    assert [p["values"].get("epoch") for p in detail["training_metrics"][:3]] == [1, 2, 3]
    assert detail["training_metrics"][3]["values"] == {"accuracy": 0.93, "validation_accuracy": 0.9}
    assert detail["logs"] == "epoch 1 done\nepoch 2 done\nepoch 3 done\nsaving"
    version = api.get(path(model), key=tenant.read).body
    assert (version["status"], version["accuracy"], version["running_runs"], version["last_run_id"]) == (
        "validated",
        0.9,
        0,
        run["run_id"],
    )
    again = api.patch(f"/v1/registry/runs/{run['run_id']}", {"status": "failed"}, key=tenant.admin)
    assert again.status == 409 and again.error_code == "illegal_transition"
    assert api.patch(f"/v1/registry/runs/{run['run_id']}", {"loss": 0.1}, key=tenant.admin).status == 409
    assert api.patch(f"/v1/registry/runs/{run['run_id']}", {"status": "completed"}, key=tenant.admin).status == 200
    assert api.patch(f"/v1/registry/runs/{run['run_id']}", {"status": "paused"}, key=tenant.admin).status == 422
    listed = api.get(path(model, "/runs"), key=tenant.read).body["items"]
    assert [r["run_id"] for r in listed] == [run["run_id"]]


def test_a_failed_run_fails_its_version_unless_another_run_is_still_running(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    first = api.post(path(model, "/runs"), {"run_name": "a"}, key=tenant.admin).body["run_id"]
    second = api.post(path(model, "/runs"), {"run_name": "b"}, key=tenant.admin).body["run_id"]
    assert api.get(path(model), key=tenant.read).body["running_runs"] == 2
    api.patch(f"/v1/registry/runs/{first}", {"status": "failed", "logs": "CUDA out of memory"}, key=tenant.admin)
    assert api.get(path(model), key=tenant.read).body["status"] == "training"
    api.patch(f"/v1/registry/runs/{second}", {"status": "failed"}, key=tenant.admin)
    version = api.get(path(model), key=tenant.read).body
    assert (version["status"], version["running_runs"]) == ("failed", 0)
    assert api.patch(path(model), {"status": "active"}, key=tenant.admin).status == 409


# --- predictions and ground truth --------------------------------------------------------------------------


def test_ground_truth_sets_is_correct_or_error(api: Api, tenant: Tenant) -> None:
    classifier, regressor = register(api, tenant), register(api, tenant, CASHFLOW)
    right = predict(api, tenant, classifier, "office", {"amount": 120.0, "category": "supplies"}, confidence=0.95)
    wrong = predict(api, tenant, classifier, {"prediction": "travel", "confidence": 0.6}, {"amount": 900.0})
    assert truth(api, tenant, right, "office")["is_correct"] is True
    got = truth(api, tenant, wrong, "meals")
    assert (got["is_correct"], got["error"], got["actual_value"]) == (False, None, "meals")
    forecast = predict(api, tenant, regressor, 1500.5, {"month": 3})
    measured = truth(api, tenant, forecast, 1200)
    assert measured["error"] == pytest.approx(300.5) and measured["is_correct"] is None
    read = api.get(f"/v1/registry/predictions/{right}", key=tenant.read).body
    assert read["id"] == read["prediction_id"] == right
    assert (read["input_data"], read["prediction"], read["confidence"], read["actual_value"]) == (
        {"amount": 120.0, "category": "supplies"},
        "office",
        0.95,
        "office",
    )
    assert api.patch(f"/v1/registry/predictions/{forecast}", {"actual_value": "lots"}, key=tenant.app).status == 422
    assert api.patch(f"/v1/registry/predictions/{right}", {"actual_value": None}, key=tenant.app).status == 422
    assert api.patch(f"/v1/registry/predictions/{right}", {"actual_value": "office"}, key=tenant.read).status == 403


def test_predictions_are_validated_against_the_model(api: Api, tenant: Tenant) -> None:
    classifier, regressor = register(api, tenant), register(api, tenant, CASHFLOW)
    url = path(regressor, "/predictions")
    assert api.post(url, {"prediction_type": "regression", "input_data": {}, "prediction": "high"}, key=tenant.app).status == 422
    mismatch = api.post(url, {"prediction_type": "classification", "input_data": {}, "prediction": 3}, key=tenant.app)
    assert mismatch.status == 422 and mismatch.body["error"]["details"][0]["field"] == "body.prediction_type"
    bad = api.post(
        path(classifier, "/predictions"), {"prediction_type": "guess", "input_data": [], "confidence": 2}, key=tenant.app
    )
    assert {d["field"] for d in bad.body["error"]["details"]} == {
        "body.prediction_type",
        "body.input_data",
        "body.confidence",
        "body.prediction",
    }
    assert (
        api.post(
            path(classifier, "/predictions"),
            {"prediction_type": "classification", "input_data": {}, "prediction": "x"},
            key=tenant.read,
        ).status
        == 403
    )
    api.patch(path(classifier), {"status": "archived"}, key=tenant.admin)
    archived = api.post(
        path(classifier, "/predictions"),
        {"prediction_type": "classification", "input_data": {}, "prediction": "x"},
        key=tenant.app,
    )
    assert archived.status == 409


# --- performance ---------------------------------------------------------------------------------------


def test_daily_classification_performance_with_macro_averages_and_trend(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    day1 = [("office", "office")] * 8 + [("office", "travel")] * 2 + [("travel", "travel")] * 5 + [("travel", "meals")] * 5
    day1 += [("meals", "office")] * 3
    with clock.frozen(MONDAY):
        labelled(api, tenant, model, day1)
        predict(api, tenant, model, "office")  # no ground truth: counted as a prediction, not a sample
    with clock.frozen(MONDAY + timedelta(days=1)):
        labelled(api, tenant, model, [("office", "office"), ("travel", "travel"), ("meals", "meals"), ("meals", "meals")])
    with clock.frozen(MONDAY + timedelta(days=2)):
        report = api.get(path(model, "/performance?window=daily&periods=3"), key=tenant.read)
    assert report.status == 200
    body = report.body
    assert (body["task"], body["averaging"], body["positive_label"], body["window"]) == ("classification", "macro", None, "daily")
    assert [w["window_start"] for w in body["windows"]] == ["2026-03-09", "2026-03-10", "2026-03-11"]
    first, second, today = body["windows"]
    assert (first["predictions"], first["samples"]) == (24, 23)
    per = {"office": (8 / 11, 8 / 10), "travel": (5 / 7, 5 / 10), "meals": (0.0, 0.0)}
    assert first["metrics"]["accuracy"] == pytest.approx(13 / 23)
    assert first["metrics"]["precision"] == pytest.approx(sum(p for p, _ in per.values()) / 3)
    assert first["metrics"]["recall"] == pytest.approx(sum(r for _, r in per.values()) / 3)
    f1 = [2 * p * r / (p + r) if p + r else 0.0 for p, r in per.values()]
    assert first["metrics"]["f1_score"] == pytest.approx(sum(f1) / 3)
    assert first["trend"] == dict.fromkeys(("accuracy", "precision", "recall", "f1_score", "latency"))  # nothing before it
    assert second["metrics"] == {"accuracy": 1.0, "precision": 1.0, "recall": 1.0, "f1_score": 1.0, "latency": None}
    assert second["trend"] == {**dict.fromkeys(("accuracy", "precision", "recall", "f1_score"), "improving"), "latency": None}
    assert second["comparison"]["accuracy"] == pytest.approx(13 / 23)
    assert today["samples"] == 0 and today["metrics"]["accuracy"] is None and today["trend"]["accuracy"] is None
    series = {s["metric_type"]: s for s in body["series"]}
    assert [p["metric_value"] for p in series["accuracy"]["points"]][:2] == [pytest.approx(13 / 23), 1.0]
    assert series["accuracy"]["points"][1]["change"] == pytest.approx(1 - 13 / 23)
    with clock.frozen(MONDAY + timedelta(days=2)):
        weekly = api.get(path(model, "/performance?window=weekly&periods=1"), key=tenant.read).body["windows"][0]
        monthly = api.get(path(model, "/performance?window=monthly&periods=1"), key=tenant.read).body["windows"][0]
    assert (weekly["window_start"], weekly["window_end"], weekly["samples"]) == ("2026-03-09", "2026-03-15", 27)
    assert weekly["metrics"]["accuracy"] == pytest.approx(17 / 27)
    assert (monthly["window_start"], monthly["window_end"], monthly["samples"]) == ("2026-03-01", "2026-03-31", 27)
    assert api.get(path(model, "/performance?window=hourly"), key=tenant.read).status == 422


def test_binary_performance_and_replaced_ground_truth(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant, model_name="anomaly_detection", model_type="anomaly_detection")
    with clock.frozen(MONDAY):
        ids = [predict(api, tenant, model, p, prediction_type="anomaly") for p in [True] * 5 + [False] * 5]
        for prediction_id, actual in zip(ids, [True, True, True, False, False, False, False, False, False, True], strict=True):
            truth(api, tenant, prediction_id, actual)
        report = api.get(path(model, "/performance?periods=1"), key=tenant.read).body
        assert (report["averaging"], report["positive_label"]) == ("binary", "true")
        # tp 3, fp 2, fn 1, tn 4
        assert report["windows"][0]["metrics"] == pytest.approx(
            {"accuracy": 0.7, "precision": 0.6, "recall": 0.75, "f1_score": 2 * 0.6 * 0.75 / 1.35, "latency": None}
        )
        # The false negative was in fact normal: the counters move by the difference, exactly once however often.
        for _ in range(3):
            truth(api, tenant, ids[9], False)
        report = api.get(path(model, "/performance?periods=1"), key=tenant.read).body
        assert report["windows"][0]["samples"] == 10
        assert report["windows"][0]["metrics"] == pytest.approx(
            {"accuracy": 0.8, "precision": 0.6, "recall": 1.0, "f1_score": 0.75, "latency": None}
        )


def test_regression_performance_mae_rmse_and_trend(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant, CASHFLOW)
    with clock.frozen(MONDAY):
        labelled(api, tenant, model, [(100.0, 110.0), (200.0, 180.0), (50.0, 50.0), (80.0, 84.0)])
    with clock.frozen(MONDAY + timedelta(days=1)):
        labelled(api, tenant, model, [(100.0, 101.0), (200.0, 198.0)])
        body = api.get(path(model, "/performance?window=daily&periods=2"), key=tenant.read).body
    assert (body["task"], body["averaging"]) == ("regression", None)
    first, second = body["windows"]
    assert first["metrics"]["mae"] == pytest.approx((10 + 20 + 0 + 4) / 4)
    assert first["metrics"]["rmse"] == pytest.approx(math.sqrt((100 + 400 + 0 + 16) / 4))
    assert second["metrics"]["mae"] == pytest.approx(1.5)
    assert second["metrics"]["rmse"] == pytest.approx(math.sqrt(2.5))
    assert second["trend"] == {"mae": "improving", "rmse": "improving", "latency": None}
    rows = [(r["metric_type"], r["window_start"], r["time_window"], r["trend"]) for r in body["items"]]
    assert rows == [
        ("mae", "2026-03-09", "daily", None),
        ("rmse", "2026-03-09", "daily", None),
        ("latency", "2026-03-09", "daily", None),
        ("mae", "2026-03-10", "daily", "improving"),
        ("rmse", "2026-03-10", "daily", "improving"),
        ("latency", "2026-03-10", "daily", None),
    ]
    assert body["items"][3]["comparison_value"] == pytest.approx(8.5) and body["items"][3]["metric_value"] == pytest.approx(1.5)


# --- feature importance ----------------------------------------------------------------------------------


def test_feature_importance_is_ranked_per_method(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    shap = {
        "method": "shap",
        "features": [
            {"feature_name": n, "importance": v} for n, v in [("vendor", 0.2), ("amount", 0.5), ("category", 0.2), ("day", 0.1)]
        ],
    }
    reply = api.put(path(model, "/feature-importance"), shap, key=tenant.admin)
    assert reply.status == 200
    assert [(f["feature_name"], f["rank"]) for f in reply.body["features"]] == [
        ("amount", 1),
        ("category", 2),
        ("vendor", 2),
        ("day", 4),
    ]
    assert (reply.body["method"], reply.body["model_id"]) == ("shap", model["id"])
    permutation = {
        "method": "permutation",
        "features": [{"feature_name": "amount", "importance": -0.01}, {"feature_name": "vendor", "importance": 0.3}],
    }
    api.put(path(model, "/feature-importance"), permutation, key=tenant.admin)
    replaced = api.put(
        path(model, "/feature-importance"),
        {"method": "shap", "features": [{"feature_name": "amount", "importance": 1}]},
        key=tenant.admin,
    )
    assert replaced.body["features"] == [{"feature_name": "amount", "importance": 1.0, "rank": 1}]
    listed = api.get(path(model, "/feature-importance"), key=tenant.read).body["items"]
    assert {m["method"]: [f["feature_name"] for f in m["features"]] for m in listed} == {
        "permutation": ["vendor", "amount"],
        "shap": ["amount"],
    }
    duplicate = {"method": "shap", "features": [{"feature_name": "a", "importance": 1}, {"feature_name": "a", "importance": 2}]}
    assert api.put(path(model, "/feature-importance"), duplicate, key=tenant.admin).status == 422
    assert api.put(path(model, "/feature-importance"), {"method": "shap", "features": []}, key=tenant.admin).status == 422
    assert api.put(path(model, "/feature-importance"), shap, key=tenant.app).status == 403


# --- experiments -----------------------------------------------------------------------------------------


def test_registry_experiments(api: Api, tenant: Tenant) -> None:
    body = {
        "experiment_name": "expense-features-v2",
        "objective": "classify expenses",
        "hypothesis": "vendor embeddings raise F1 by 3 points",
        "baseline_model": "expense_classifier:v1.0",
        "success_metrics": {"f1_score": 0.9},
    }
    created = api.post("/v1/registry/experiments", body, key=tenant.admin)
    assert created.status == 201
    assert created.body["id"] == created.body["experiment_id"] and created.body["status"] == "active"
    assert {k: created.body[k] for k in body} == body
    assert api.post("/v1/registry/experiments", body, key=tenant.admin).status == 409
    assert api.post("/v1/registry/experiments", {"experiment_name": "x"}, key=tenant.admin).status == 422
    done = api.patch(
        "/v1/registry/experiments/expense-features-v2",
        {"status": "completed", "results": {"f1_score": 0.93}, "conclusions": "confirmed"},
        key=tenant.admin,
    )
    assert (done.status, done.body["status"], done.body["results"]) == (200, "completed", {"f1_score": 0.93})
    assert api.patch("/v1/registry/experiments/expense-features-v2", {"status": "archived"}, key=tenant.admin).status == 200
    assert api.patch("/v1/registry/experiments/expense-features-v2", {"status": "active"}, key=tenant.admin).status == 409
    assert [e["experiment_name"] for e in api.get("/v1/registry/experiments", key=tenant.read).body["items"]] == [
        "expense-features-v2"
    ]


# --- deployments -----------------------------------------------------------------------------------------


def test_deployments_supersede_and_rollback_restores_the_previous_one(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    v1, v2 = register(api, tenant), register(api, tenant, model_version="v2.0")
    for model in (v1, v2):
        run = api.post(path(model, "/runs"), {"run_name": "fit"}, key=tenant.admin).body["run_id"]
        api.patch(f"/v1/registry/runs/{run}", {"status": "completed"}, key=tenant.admin)

    def deploy(model: dict, environment: str = "production") -> dict:
        reply = api.post(
            "/v1/registry/deployments",
            {
                "deployment_name": f"expenses-{model['model_version']}",
                "model_name": model["model_name"],
                "model_version": model["model_version"],
                "environment": environment,
            },
            key=tenant.admin,
        )
        assert reply.status == 201, reply.body
        return reply.body

    first = deploy(v1)
    assert (first["status"], first["id"], first["replaced_deployment_id"]) == ("active", first["deployment_id"], None)
    assert api.get(path(v1), key=tenant.read).body["status"] == "active"  # deploying a validated version activates it
    staging = deploy(v2, "staging")
    second = deploy(v2)
    assert second["replaced_deployment_id"] == first["id"]
    assert api.get(f"/v1/registry/deployments/{first['id']}", key=tenant.read).body["status"] == "superseded"
    rolled = api.patch(
        f"/v1/registry/deployments/{second['id']}", {"status": "rolled_back", "reason": "F1 dropped"}, key=tenant.admin
    )
    assert rolled.status == 200
    assert (rolled.body["status"], rolled.body["restored_deployment_id"], rolled.body["reason"]) == (
        "rolled_back",
        first["id"],
        "F1 dropped",
    )
    restored = api.get(f"/v1/registry/deployments/{first['id']}", key=tenant.read).body
    assert (restored["status"], restored["model_version"]) == ("active", "v1.0")
    assert api.get(f"/v1/registry/deployments/{staging['id']}", key=tenant.read).body["status"] == "active"  # other environment
    production = api.get("/v1/registry/deployments?model_name=expense_classifier&environment=production", key=tenant.read).body[
        "items"
    ]
    assert [(d["id"], d["status"]) for d in production] == [(second["id"], "rolled_back"), (first["id"], "active")]
    assert len(api.get("/v1/registry/deployments", key=tenant.read).body["items"]) == 3
    nothing = api.patch(f"/v1/registry/deployments/{first['id']}", {"status": "rolled_back"}, key=tenant.admin)
    assert nothing.status == 409 and nothing.error_code == "nothing_to_roll_back_to"
    assert (
        api.patch(f"/v1/registry/deployments/{second['id']}", {"status": "rolled_back"}, key=tenant.admin).status == 200
    )  # no-op
    assert api.patch(f"/v1/registry/deployments/{second['id']}", {"status": "active"}, key=tenant.admin).status == 422
    third = deploy(v2)
    assert third["replaced_deployment_id"] == first["id"]
    api.patch(f"/v1/registry/deployments/{third['id']}", {"status": "rolled_back"}, key=tenant.admin)
    assert api.get(f"/v1/registry/deployments/{first['id']}", key=tenant.read).body["status"] == "active"
    assert api.patch(f"/v1/registry/deployments/{first['id']}", {"status": "rolled_back"}, key=other_tenant.admin).status == 404
    assert api.get(f"/v1/registry/deployments/{first['id']}", key=other_tenant.read).status == 404


def test_deploying_activates_the_version_and_a_failed_one_is_409(api: Api, tenant: Tenant, other_tenant: Tenant) -> None:
    model, broken = register(api, tenant), register(api, tenant, model_version="v0.9")
    api.patch(path(broken), {"status": "failed"}, key=tenant.admin)
    body = {"deployment_name": "d", "model_name": model["model_name"], "model_version": "v0.9", "environment": "production"}
    refused = api.post("/v1/registry/deployments", body, key=tenant.admin)
    assert refused.status == 409 and refused.error_code == "illegal_transition"
    assert "from failed to active" in refused.body["error"]["message"]
    body["model_version"] = model["model_version"]
    assert api.post("/v1/registry/deployments", body, key=other_tenant.admin).status == 404
    assert api.post("/v1/registry/deployments", {**body, "environment": "prod env"}, key=tenant.admin).status == 422
    assert api.post("/v1/registry/deployments", body, key=tenant.app).status == 403
    assert api.get("/v1/registry/deployments", key=tenant.read).body["items"] == []
    deployed = api.post("/v1/registry/deployments", body, key=tenant.admin)
    assert deployed.status == 201 and deployed.body["status"] == "active"
    version = api.get(path(model), key=tenant.read).body
    assert version["status"] == "active" and version["status_history"][-1]["reason"].startswith("deployed to production")
    listed = api.get("/v1/registry/deployments?environment=production", key=tenant.read).body["items"]
    assert [d["id"] for d in listed] == [deployed.body["id"]]
    assert api.get("/v1/registry/deployments?environment=staging", key=tenant.read).body["items"] == []
