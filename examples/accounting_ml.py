"""Seed 003, an accounting platform's ML registry: an expense classifier from registration to a rollback.

The finance team registers two versions of `expense_classifier`, logs their training runs (loss curves), ranks
the features, and deploys v1.0 then v1.1 to production. The ledger service (an `app` key) records v1.1's
predictions and, once bookkeepers confirm them, the ground truth. Month-end amounts shift: a validation
pipeline measures the data quality, the scheduled `detect-drift` task (run now through the API) finds the
drift, the accuracy policy opens a violation, and the team rolls production back to v1.0.

Run it against `make run`:  .venv/bin/python examples/accounting_ml.py --url http://127.0.0.1:8000 --key <root key>
"""

from __future__ import annotations

import bisect
import random
import sys
import time
from collections.abc import Sequence
from typing import Any

from _client import ApiError, Client, arguments, new_tenant, table

MODEL = "expense_classifier"
FEATURES = ["amount", "merchant_category"]
# The expense type each merchant category books to, and how often each category comes up.
BOOKS_TO = {"office": "office_supplies", "airline": "travel", "saas": "software", "restaurant": "meals"}
CATEGORY_WEIGHTS = [0.4, 0.2, 0.25, 0.15]
MIN_ACCURACY = 0.85
MIN_VALIDITY = 0.97
ACCURACY_POLICY = "expense booking accuracy"
VALIDITY_POLICY = "ledger input validity"


def main(argv: Sequence[str]) -> int:
    options = arguments(__doc__.splitlines()[0], argv)
    admin = new_tenant(options.url, options.key, "UrutiIQ Accounting")
    ledger = admin.with_key(admin.post("/v1/api-keys", {"name": "ledger-service", "role": "app"})["key"])
    rng = random.Random(3)
    print("UrutiIQ: the expense classifier's life cycle\n")

    experiment = admin.post(
        "/v1/registry/experiments",
        {
            "experiment_name": "expense-classifier-gbm",
            "objective": "Book card expenses to the right expense type without a bookkeeper",
            "hypothesis": "Gradient boosting beats the random forest on accuracy (>= 0.85 in production)",
            "baseline_model": f"{MODEL}:v1.0",
            "success_metrics": {"min_accuracy": MIN_ACCURACY},
        },
    )
    register_and_train(admin, experiment["id"])
    deploy = {"deployment_name": "expense-booking", "model_name": MODEL, "environment": "production"}
    first = admin.post("/v1/registry/deployments", {**deploy, "model_version": "v1.0"})
    second = admin.post("/v1/registry/deployments", {**deploy, "model_version": "v1.1"})
    check(second["replaced_deployment_id"] == first["id"], "v1.1's deployment replaces v1.0's")

    baseline_amounts = watch(admin, rng)
    live, accuracy = record_month_end(ledger, rng)
    check_data_quality(admin, live)
    ks = check_drift(admin, baseline_amounts, [t["amount"] for t in live])
    violation = check_accuracy(admin, accuracy)
    roll_back(admin, first, second, violation)

    admin.call(
        "PATCH",
        f"/v1/registry/experiments/{experiment['experiment_name']}",
        json={
            "status": "completed",
            "results": {"v1.1_live_accuracy": accuracy},
            "conclusions": "Hypothesis rejected in production",
        },
    )
    deprecated = admin.call("PATCH", f"/v1/registry/models/{MODEL}/v1.1", json={"status": "deprecated"})
    check(deprecated["status"] == "deprecated", "v1.1 is deprecated until it is retrained")
    models = sorted(admin.items("/v1/registry/models", model_name=MODEL), key=lambda m: m["model_version"])
    print("\nRegistry")
    print(
        table(
            [(m["model_version"], m["algorithm"], m["status"], m["accuracy"]) for m in models],
            ["version", "algorithm", "status", "recorded accuracy"],
        )
    )
    print(
        f"\nOK: drift detected on amount (KS {ks:.3f}), accuracy {accuracy:.3f} < {MIN_ACCURACY}, production rolled back to v1.0"
    )
    return 0


def register_and_train(admin: Client, experiment_id: str) -> None:
    """Two versions, each with a training run whose curve is logged epoch by epoch, and v1.1's feature importance."""
    versions = [
        ("v1.0", "random_forest", {"n_estimators": 200, "max_depth": 12}, [0.92, 0.61, 0.47, 0.44], 0.88),
        ("v1.1", "xgboost", {"n_estimators": 400, "learning_rate": 0.05}, [0.85, 0.52, 0.38, 0.33, 0.31], 0.91),
    ]
    runs: list[dict[str, Any]] = []
    for version, algorithm, hyperparameters, losses, validation_accuracy in versions:
        registered = admin.post(
            "/v1/registry/models",
            {
                "model_name": MODEL,
                "model_version": version,
                "model_type": "classification",
                "algorithm": algorithm,
                "hyperparameters": hyperparameters,
                "feature_columns": FEATURES,
                "target_column": "expense_type",
                "experiment_id": experiment_id,
            },
        )
        check(registered["status"] == "training", f"a new version starts in training, not {registered['status']}")
        run = admin.post(f"/v1/registry/models/{MODEL}/{version}/runs", {"run_name": f"fit-{version}", "epochs": len(losses)})
        for epoch, loss in enumerate(losses, start=1):
            point = {"loss": loss, "validation_loss": round(loss + 0.06, 2), "metrics_point": {"epoch": epoch}}
            admin.call("PATCH", f"/v1/registry/runs/{run['run_id']}", json=point)
        ended = admin.call(
            "PATCH",
            f"/v1/registry/runs/{run['run_id']}",
            json={"status": "completed", "validation_accuracy": validation_accuracy, "logs": f"{algorithm} fitted"},
        )
        check(len(ended["training_metrics"]) == len(losses) + 1, "every PATCH with figures adds one point to the curve")
        runs.append(ended)
        status = admin.get(f"/v1/registry/models/{MODEL}/{version}")["status"]
        check(status == "validated", f"a completed run validates its version, not {status}")
    print("Training runs")
    print(
        table(
            [(r["model_version"], r["run_name"], r["status"], r["points"], r["loss"], r["validation_accuracy"]) for r in runs],
            ["version", "run", "status", "points", "final loss", "val. accuracy"],
        )
    )
    importance = admin.put(
        f"/v1/registry/models/{MODEL}/v1.1/feature-importance",
        {
            "method": "permutation",
            "features": [
                {"feature_name": "merchant_category", "importance": 0.31},
                {"feature_name": "amount", "importance": 0.57},
            ],
        },
    )
    ranked = importance["features"]
    check([f["feature_name"] for f in ranked] == ["amount", "merchant_category"], "features are ranked by importance")
    print("\nFeature importance of v1.1 (permutation)")
    print(table([(f["rank"], f["feature_name"], f["importance"]) for f in ranked], ["rank", "feature", "importance"]))
    print()


def watch(admin: Client, rng: random.Random) -> list[float]:
    """What v1.1 saw in training (its drift baseline), the policies it is held to, and a validation pipeline."""
    baseline_amounts = [round(rng.gauss(120, 30), 2) for _ in range(300)]
    baseline_categories = rng.choices(list(BOOKS_TO), CATEGORY_WEIGHTS, k=300)
    admin.post(
        f"/v1/registry/models/{MODEL}/v1.1/baseline",
        {"features": {"amount": baseline_amounts, "merchant_category": baseline_categories}},
    )
    admin.post(
        "/v1/governance/policies",
        {
            "policy_name": ACCURACY_POLICY,
            "policy_type": "performance",
            "rules": {"model_name": MODEL, "window": "daily"},
            "thresholds": {"min_accuracy": MIN_ACCURACY},
        },
    )
    admin.post(
        "/v1/governance/policies",
        {"policy_name": VALIDITY_POLICY, "policy_type": "data_quality", "thresholds": {"min_validity": MIN_VALIDITY}},
    )
    admin.post(
        "/v1/registry/pipelines",
        {
            "pipeline_name": "expense-inputs",
            "pipeline_type": "validation",
            "config": {"days": 1},
            "source_tables": [f"predictions:{MODEL}:v1.1"],
            "target_tables": ["data_quality"],
            "validation_rules": {
                "amount": {"required": True, "type": "number", "min": 0},
                "merchant_category": {"required": True, "allowed": list(BOOKS_TO)},
            },
        },
    )
    return baseline_amounts


def record_month_end(ledger: Client, rng: random.Random) -> tuple[list[dict[str, Any]], float]:
    """Month end: amounts shift up, refunds come in as negative amounts of an unknown category, and v1.1 errs more.
    The ledger service records each prediction, then the bookkeeper's label. Answers the inputs and the accuracy."""
    live: list[dict[str, Any]] = []
    for i in range(30):
        if i % 15 == 14:
            live.append({"amount": -round(rng.uniform(20, 80), 2), "merchant_category": "refund"})
        else:
            category = rng.choices(list(BOOKS_TO), CATEGORY_WEIGHTS)[0]
            live.append({"amount": round(rng.gauss(165, 40), 2), "merchant_category": category})
    correct = 0
    for transaction in live:
        truth = BOOKS_TO.get(transaction["merchant_category"], "refunds")
        predicted = truth if rng.random() < 0.7 else rng.choice([t for t in BOOKS_TO.values() if t != truth])
        made = ledger.post(
            f"/v1/registry/models/{MODEL}/v1.1/predictions",
            {"prediction_type": "classification", "input_data": transaction, "prediction": predicted, "confidence": 0.9},
        )
        labelled = ledger.call("PATCH", f"/v1/registry/predictions/{made['prediction_id']}", json={"actual_value": truth})
        check(labelled["is_correct"] is (predicted == truth), "the ground truth marks the prediction right or wrong")
        correct += predicted == truth
    return live, correct / len(live)


def check_data_quality(admin: Client, live: list[dict[str, Any]]) -> None:
    invalid = sum(1 for t in live if t["amount"] < 0)
    run = admin.post("/v1/registry/pipelines/expense-inputs/runs", {})
    check(run["status"] == "completed", f"the pipeline run completed: {run['logs'][-300:]}")
    counts = (run["records_processed"], run["records_failed"], run["records_skipped"])
    check(counts == (len(live), invalid, 0), f"the pipeline saw {len(live)} records, {invalid} of them invalid: {counts}")
    print(
        f"Pipeline expense-inputs: {counts[0]} processed, {counts[1]} failed, {counts[2]} skipped, "
        f"{run['violations_opened']} violation(s) opened"
    )
    quality = admin.items("/v1/registry/data-quality", table=f"predictions:{MODEL}:v1.1")
    print(
        table(
            [(q["column_name"], q["quality_metric"], q["metric_value"], q["threshold"], q["status"]) for q in quality],
            ["column", "metric", "value", "threshold", "status"],
        )
    )
    validity = {(q["column_name"], q["quality_metric"]): q["metric_value"] for q in quality}
    expected = (len(live) - invalid) / len(live)
    check(abs(validity[("amount", "validity")] - expected) < 1e-9, f"amount validity {validity} = {expected}")
    print()


def check_drift(admin: Client, baseline_amounts: list[float], live_amounts: list[float]) -> float:
    """The drift check, run now through the API rather than waiting for its daily schedule. Answers the KS statistic."""
    result = run_task(admin, "detect-drift")
    drifted = result.get("drifted") or []
    print(f"detect-drift: {result.get('models_checked')} version(s) checked, {len(drifted)} drifted feature test(s)")
    drift = sorted(admin.items(f"/v1/registry/models/{MODEL}/v1.1/drift"), key=lambda d: (d["feature_name"], d["metric"]))
    print(
        table(
            [(d["feature_name"], d["drift_type"], d["metric"], d["drift_score"], d["threshold"], d["status"]) for d in drift],
            ["feature", "type", "test", "score", "threshold", "status"],
        )
    )
    ks = {(d["feature_name"], d["metric"]): d for d in drift}[("amount", "ks")]
    check(ks["status"] == "detected", "the month-end shift in amounts is detected")
    expected = ks_statistic(baseline_amounts, live_amounts)
    check(abs(ks["drift_score"] - expected) < 1e-9, f"KS statistic {ks['drift_score']} = {expected}")
    print()
    return float(ks["drift_score"])


def check_accuracy(admin: Client, accuracy: float) -> dict[str, Any]:
    """Today's accuracy of v1.1 and the violations open; answers the accuracy policy's violation."""
    performance = admin.get(f"/v1/registry/models/{MODEL}/v1.1/performance", window="daily", periods=1)
    today = performance["windows"][-1]
    print(f"v1.1 today: {today['samples']} labelled predictions ({performance['averaging']} averaging)")
    print(table(list(today["metrics"].items()), ["metric", "value"]))
    check(abs(today["metrics"]["accuracy"] - accuracy) < 1e-9, f"accuracy {today['metrics']['accuracy']} = {accuracy}")
    check(accuracy < MIN_ACCURACY, "this month-end sample is below the policy's accuracy")
    violations = admin.items("/v1/governance/violations", status="open")
    print("\nOpen governance violations")
    print(
        table(
            [
                (
                    v["policy_name"],
                    v["subject"] or v["model_version"],
                    v["metric"],
                    v["latest_value"],
                    v["threshold"],
                    v["severity"],
                )
                for v in violations
            ],
            ["policy", "subject", "metric", "value", "threshold", "severity"],
        )
    )
    by_policy = {v["policy_name"]: v for v in violations}
    check({ACCURACY_POLICY, VALIDITY_POLICY} <= set(by_policy), f"both policies opened a violation: {sorted(by_policy)}")
    check(abs(by_policy[ACCURACY_POLICY]["latest_value"] - accuracy) < 1e-9, "the violation carries today's accuracy")
    print()
    return by_policy[ACCURACY_POLICY]


def roll_back(admin: Client, first: dict[str, Any], second: dict[str, Any], violation: dict[str, Any]) -> None:
    """Production goes back to v1.0, and the violation is closed with what was done."""
    rolled = admin.call("PATCH", f"/v1/registry/deployments/{second['id']}", json={"status": "rolled_back", "reason": "drift"})
    check(rolled["restored_deployment_id"] == first["id"], "the rollback restores v1.0's deployment")
    restored = admin.get(f"/v1/registry/deployments/{first['id']}")
    check(restored["status"] == "active" and restored["model_version"] == "v1.0", "v1.0 is active in production again")
    deployments = admin.items("/v1/registry/deployments", environment="production")
    print("Production deployments after the rollback")
    print(
        table(
            [(d["deployment_name"], d["model_version"], d["status"], d["created_at"]) for d in deployments],
            ["deployment", "version", "status", "created"],
        )
    )
    admin.call("PATCH", f"/v1/governance/violations/{violation['id']}", json={"status": "investigating"})
    resolved = admin.call(
        "PATCH",
        f"/v1/governance/violations/{violation['id']}",
        json={"status": "resolved", "resolution": "Production rolled back to v1.0; v1.1 to be retrained on month-end data"},
    )
    check(resolved["status"] == "resolved", "the violation is resolved")


def run_task(admin: Client, name: str) -> dict[str, Any]:
    """Run a scheduled task now; while the local scheduler holds it (409), wait and ask again."""
    deadline = time.monotonic() + 30
    while True:
        try:
            run = admin.post(f"/v1/scheduler/tasks/{name}/run", expect=200)
        except ApiError as exc:
            if " 409:" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
            continue
        check(run["status"] == "succeeded", f"{name} succeeded: {run}")
        return run.get("result") or {}


def ks_statistic(first: Sequence[float], second: Sequence[float]) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: the largest gap between the two empirical distributions."""
    a, b = sorted(first), sorted(second)
    return max(abs(bisect.bisect_right(a, x) / len(a) - bisect.bisect_right(b, x) / len(b)) for x in set(a) | set(b))


def check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
