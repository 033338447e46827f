"""Seed 003 over the real local stack: an accounting team's expense classifier from registration to a rollback,
told when it drifts and when it breaks its accuracy policy."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import stats

from tests.e2e.conftest import ROOT_KEY, LocalStack

pytestmark = pytest.mark.e2e


def test_an_expense_classifiers_life_cycle_over_http(stack: LocalStack) -> None:
    created = stack.call("POST", "/v1/tenants", key=ROOT_KEY, json={"name": "UrutiIQ", "domain": "urutiiq.example"})
    assert created.status_code == 201, created.text
    admin = created.json()["api_key"]["key"]
    app_key = stack.call("POST", "/v1/api-keys", key=admin, json={"name": "ledger", "role": "app"}).json()["key"]
    base = "/v1/registry/models/expense_classifier"

    def register(version: str) -> None:
        body = {
            "model_name": "expense_classifier",
            "model_version": version,
            "model_type": "classification",
            "algorithm": "random_forest",
            "hyperparameters": {"n_estimators": 200},
            "feature_columns": ["amount", "category"],
            "target_column": "expense_type",
        }
        reply = stack.call("POST", "/v1/registry/models", key=admin, json=body)
        assert reply.status_code == 201 and reply.json()["status"] == "training", reply.text
        run = stack.call("POST", f"{base}/{version}/runs", key=admin, json={"run_name": "fit", "epochs": 2}).json()
        for epoch, loss in enumerate((0.8, 0.4), start=1):
            point = {"loss": loss, "validation_loss": loss + 0.1, "metrics_point": {"epoch": epoch}}
            assert stack.call("PATCH", f"/v1/registry/runs/{run['run_id']}", key=admin, json=point).status_code == 200
        ended = stack.call("PATCH", f"/v1/registry/runs/{run['run_id']}", key=admin, json={"status": "completed"}).json()
        assert len(ended["training_metrics"]) == 2
        assert stack.call("GET", f"{base}/{version}", key=admin).json()["status"] == "validated"

    register("v1")
    register("v2")
    deploy = {"deployment_name": "expenses", "model_name": "expense_classifier", "environment": "production"}
    first = stack.call("POST", "/v1/registry/deployments", key=admin, json={**deploy, "model_version": "v1"}).json()
    second = stack.call("POST", "/v1/registry/deployments", key=admin, json={**deploy, "model_version": "v2"}).json()
    assert (first["status"], second["replaced_deployment_id"]) == ("active", first["id"])

    rng = np.random.default_rng(3)
    baseline = rng.normal(100, 10, 300).round(2).tolist()
    assert stack.call("POST", f"{base}/v2/baseline", key=admin, json={"features": {"amount": baseline}}).status_code == 201
    policy = {"policy_name": "expense accuracy", "policy_type": "performance", "thresholds": {"min_accuracy": 0.8}}
    assert stack.call("POST", "/v1/governance/policies", key=admin, json=policy).status_code == 201
    shifted = rng.normal(125, 10, 60).round(2).tolist()
    for i, amount in enumerate(shifted):
        body = {
            "prediction_type": "classification",
            "input_data": {"amount": amount, "category": "office"},
            "prediction": "office",
        }
        made = stack.call("POST", f"{base}/v2/predictions", key=app_key, json=body)
        assert made.status_code == 201
        truth = {"actual_value": "office" if i % 2 else "travel"}  # half right
        labelled = stack.call("PATCH", f"/v1/registry/predictions/{made.json()['prediction_id']}", key=app_key, json=truth)
        assert labelled.json()["is_correct"] is bool(i % 2)

    for _ in range(2):
        run = stack.call("POST", "/v1/scheduler/tasks/detect-drift/run", key=admin)
        for _ in range(60):  # 409 task_running: the local scheduler is running it for this new tenant right now
            if run.status_code != 409:
                break
            time.sleep(0.5)
            run = stack.call("POST", "/v1/scheduler/tasks/detect-drift/run", key=admin)
        assert run.status_code == 200 and run.json()["status"] == "succeeded", run.text
    drift = {(r["feature_name"], r["metric"]): r for r in stack.call("GET", f"{base}/v2/drift", key=admin).json()["items"]}
    assert drift[("amount", "ks")]["status"] == "detected"
    assert drift[("amount", "ks")]["drift_score"] == pytest.approx(stats.ks_2samp(baseline, shifted).statistic, abs=1e-12)
    performance = stack.call("GET", f"{base}/v2/performance?window=daily&periods=1", key=admin).json()
    assert performance["windows"][0]["metrics"]["accuracy"] == 0.5
    violations = stack.call("GET", "/v1/governance/violations?status=open", key=admin).json()["items"]
    # The local scheduler may have checked the window while the predictions came in: still one violation,
    # opened with the figure of that moment and refreshed to the window's figure now.
    assert [(v["metric"], v["latest_value"], v["threshold"]) for v in violations] == [("accuracy", 0.5, 0.8)]

    rolled = stack.call("PATCH", f"/v1/registry/deployments/{second['id']}", key=admin, json={"status": "rolled_back"})
    assert rolled.status_code == 200 and rolled.json()["restored_deployment_id"] == first["id"]
    assert stack.call("GET", f"/v1/registry/deployments/{first['id']}", key=admin).json()["status"] == "active"
