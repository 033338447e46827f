"""Seed 003, an accounting platform's ML registry: an expense classifier from registration to a retrained champion.

The finance team registers two versions of `expense_classifier` for one of its companies, logs their training runs
(loss curves), ranks the features, and deploys v1.0 then v1.1 to production. The ledger service (an `app` key)
records v1.1's predictions and, once bookkeepers confirm them, the ground truth; one wrong booking is corrected
through feedback instead, which the `process-feedback` task turns into ground truth. Month-end amounts shift: a
validation pipeline measures the data quality, the scheduled `detect-drift` task (run now through the API) finds
the drift, the accuracy policy opens a violation, the drift policy opens one and starts a retraining run on v1.1's
ground truth (its trigger recorded), and the team rolls production back to v1.0.

The learning half: the retrained version completes its run and becomes v1.0's challenger on a share of the ledger's
transactions (sticky per transaction); bookkeepers label what each version booked; the hourly `probe-deployments`
task compares them with the experiments' statistics and, the always-valid p-value being below 0.05, promotes the
challenger to production. A key scoped to another company sees none of it.

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
DRIFT_POLICY = "amount drift retrains"
COMPANY = "kigali-traders"
# Once the retrained version challenges v1.0: v1.0 books 2 of every 5 of its transactions right, the retrained one
# all but 1 in 40 (month-end amounts are what it was trained on).
CHALLENGE_RIGHT = {"v1.0": lambda n: n % 5 < 2, "v1.1-r1": lambda n: n % 40 != 39}
CHALLENGE_TRANSACTIONS = 100


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
    live, accuracy, corrected = record_month_end(ledger, rng)
    process_feedback(admin, corrected)
    check_data_quality(admin, live)
    ks = check_drift(admin, baseline_amounts, [t["amount"] for t in live])
    violation = check_accuracy(admin, accuracy)
    retraining = check_retraining(admin, len(live))
    roll_back(admin, first, second, violation)
    challenger = complete_retraining(admin, retraining)
    challenge(admin, ledger, first, challenger, rng)
    check_company_scope(admin)

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
    models = sorted(admin.items("/v1/registry/models", model_name=MODEL, company_id=COMPANY), key=lambda m: m["model_version"])
    print("\nRegistry")
    print(
        table(
            [(m["model_version"], m["algorithm"], m["status"], m["accuracy"]) for m in models],
            ["version", "algorithm", "status", "recorded accuracy"],
        )
    )
    print(
        f"\nOK: drift detected on amount (KS {ks:.3f}), accuracy {accuracy:.3f} < {MIN_ACCURACY}, production rolled back "
        f"to v1.0, retrained as {challenger} and promoted on ground truth"
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
                "company_id": COMPANY,
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
        "/v1/governance/policies",
        {
            "policy_name": DRIFT_POLICY,
            "policy_type": "drift",
            "rules": {"model_name": MODEL, "model_version": "v1.1", "features": ["amount"], "actions": ["retrain", "notify"]},
            "thresholds": {"max_ks": 0.1},
        },
    )
    admin.post(
        "/v1/registry/pipelines",
        {
            "pipeline_name": "expense-inputs",
            "pipeline_type": "validation",
            "config": {"days": 1},
            "source_tables": [f"predictions:{MODEL}:v1.1"],
            "company_id": COMPANY,
            "target_tables": ["data_quality"],
            "validation_rules": {
                "amount": {"required": True, "type": "number", "min": 0},
                "merchant_category": {"required": True, "allowed": list(BOOKS_TO)},
            },
        },
    )
    return baseline_amounts


def record_month_end(ledger: Client, rng: random.Random) -> tuple[list[dict[str, Any]], float, dict[str, Any]]:
    """Month end: amounts shift up, refunds come in as negative amounts of an unknown category, and v1.1 errs more.
    The ledger service records each prediction, then the bookkeeper's label; the first wrong booking is corrected
    through feedback instead. Answers the inputs, the accuracy and the corrected prediction with its truth."""
    live: list[dict[str, Any]] = []
    for i in range(30):
        if i % 15 == 14:
            live.append({"amount": -round(rng.uniform(20, 80), 2), "merchant_category": "refund"})
        else:
            category = rng.choices(list(BOOKS_TO), CATEGORY_WEIGHTS)[0]
            live.append({"amount": round(rng.gauss(165, 40), 2), "merchant_category": category})
    correct = 0
    corrected: dict[str, Any] = {}
    for transaction in live:
        truth = BOOKS_TO.get(transaction["merchant_category"], "refunds")
        predicted = truth if rng.random() < 0.7 else rng.choice([t for t in BOOKS_TO.values() if t != truth])
        made = ledger.post(
            f"/v1/registry/models/{MODEL}/v1.1/predictions",
            {"prediction_type": "classification", "input_data": transaction, "prediction": predicted, "confidence": 0.9},
        )
        correct += predicted == truth
        if predicted != truth and not corrected:
            feedback = ledger.post(
                f"/v1/registry/predictions/{made['prediction_id']}/feedback",
                {
                    "user_id": "bookkeeper-4",
                    "feedback_type": "correction",
                    "feedback_data": {"value": truth, "note": f"booked as {predicted}"},
                    "confidence": 0.95,
                    "impact": "high",
                },
            )
            check(feedback["status"] == "pending", "feedback waits for processing")
            corrected = {"prediction_id": made["prediction_id"], "feedback_id": feedback["id"], "truth": truth}
            continue
        labelled = ledger.call("PATCH", f"/v1/registry/predictions/{made['prediction_id']}", json={"actual_value": truth})
        check(labelled["is_correct"] is (predicted == truth), "the ground truth marks the prediction right or wrong")
    return live, correct / len(live), corrected


def process_feedback(admin: Client, corrected: dict[str, Any]) -> None:
    """The process-feedback task (every 5 minutes; run now): the correction becomes the prediction's ground truth."""
    result = admin.run_task("process-feedback")["result"]
    check(result["ground_truths_set"] == 1, f"the correction became ground truth: {result}")
    path = f"/v1/registry/predictions/{corrected['prediction_id']}"
    feedback = admin.get(f"{path}/feedback/{corrected['feedback_id']}")
    prediction = admin.get(path)
    check(feedback["status"] == "processed", f"the feedback is processed: {feedback}")
    check(
        prediction["actual_value"] == corrected["truth"] and prediction["is_correct"] is False, "the correction is ground truth"
    )
    print(f"Feedback {feedback['id']} processed: correction {feedback['outcome']['actual_value']!r}, ground truth set")
    quality = admin.get(f"/v1/registry/models/{MODEL}/v1.1/feedback-quality", days=1)["totals"]
    print(f"v1.1 feedback today: {quality['processed']} processed, {quality['corrections_applied']} correction applied\n")


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
    check(
        {ACCURACY_POLICY, VALIDITY_POLICY, DRIFT_POLICY} <= set(by_policy),
        f"the three policies opened a violation: {sorted(by_policy)}",
    )
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


def check_retraining(admin: Client, labelled: int) -> dict[str, Any]:
    """The drift policy's actions: a retraining run of v1.1 on its ground truth, and a notification. Answers the run."""
    actions = {a["action"]: a for a in admin.items("/v1/registry/actions", company_id=COMPANY)}
    print("Actions taken by policies")
    print(
        table(
            [
                (a["action"], a["status"], a["cause"]["policy_name"], a["cause"]["metric"], a["model_version"])
                for a in actions.values()
            ],
            ["action", "status", "policy", "metric", "version"],
        )
    )
    retrain = actions.get("retrain")
    check(retrain is not None and retrain["status"] == "done", f"the drift violation started a retraining run: {actions}")
    assert retrain is not None
    run = admin.get(f"/v1/registry/runs/{retrain['result']['run_id']}")
    data = run["training_data"]
    check(run["trigger"]["violation_id"] == retrain["cause"]["violation_id"], "the run records the violation that started it")
    check(data["examples"] == labelled and data["corrections_read"] == 1, f"v1.1's ground truth and its correction: {data}")
    print(
        f"Retraining run {run['run_name']!r} on {MODEL} {run['model_version']}: {data['examples']} examples "
        f"({data['corrections_read']} correction from feedback), triggered by {run['trigger']['policy_name']}\n"
    )
    return run


def complete_retraining(admin: Client, run: dict[str, Any]) -> str:
    """The trainer picks the run up, fits on its data and reports; the new version is validated."""
    ended = admin.call(
        "PATCH",
        f"/v1/registry/runs/{run['run_id']}",
        json={"status": "completed", "validation_accuracy": 0.96, "logs": f"fitted on {run['training_data']['location']}"},
    )
    check(ended["status"] == "completed", "the retraining run completed")
    version = admin.get(f"/v1/registry/models/{MODEL}/{run['model_version']}")
    check(version["status"] == "validated", f"the retrained version is validated, not {version['status']}")
    return str(version["model_version"])


def challenge(admin: Client, ledger: Client, champion: dict[str, Any], challenger: str, rng: random.Random) -> None:
    """The retrained version challenges v1.0 in production on half of the transactions, and wins on ground truth."""
    path = f"/v1/registry/deployments/{champion['id']}/challenger"
    admin.put(path, {"model_version": challenger, "share": 0.5, "auto_promote": True, "min_samples": 30})
    served: dict[str, list[bool]] = {"v1.0": [], challenger: []}
    for i in range(CHALLENGE_TRANSACTIONS):
        entity = f"txn-{i:04d}"
        version = ledger.post(f"{path}/assign", {"entity_id": entity})["model_version"]
        again = ledger.post(f"{path}/assign", {"entity_id": entity})["model_version"] if i % 40 == 0 else version
        check(again == version, "a transaction stays with its version")
        category = rng.choices(list(BOOKS_TO), CATEGORY_WEIGHTS)[0]
        truth = BOOKS_TO[category]
        right = CHALLENGE_RIGHT[version](len(served[version]))
        predicted = truth if right else rng.choice([t for t in BOOKS_TO.values() if t != truth])
        made = ledger.post(
            f"/v1/registry/models/{MODEL}/{version}/predictions",
            {
                "prediction_type": "classification",
                "input_data": {"amount": round(rng.gauss(150, 40), 2), "merchant_category": category, "entity": entity},
                "prediction": predicted,
                "latency_ms": round(rng.uniform(8, 30), 1),
                "deployment_id": champion["id"],  # served by the deployment: counted in its challenge
            },
        )
        ledger.call("PATCH", f"/v1/registry/predictions/{made['prediction_id']}", json={"actual_value": truth})
        served[version].append(right)
    looked = admin.get(path)
    print(f"Champion and challenger in production ({CHALLENGE_TRANSACTIONS} transactions, share 0.5)")
    print(
        table(
            [(a["role"], a["model_version"], a["samples"], a["value"]) for a in looked["arms"]],
            ["role", "version", "labelled", "accuracy"],
        )
    )
    for arm in looked["arms"]:
        outcomes = served[arm["model_version"]]
        check(arm["samples"] == len(outcomes), f"{arm['model_version']} labelled {arm['samples']} = {len(outcomes)}")
        check(abs(arm["value"] - sum(outcomes) / len(outcomes)) < 1e-12, "the arm's accuracy is its ground truth's")
    c = looked["comparison"]
    print(
        f"z = {c['statistic']:.2f}, p = {c['p_value']:.2g}, always-valid p = {c['always_valid_p_value']:.2g}, "
        f"recommendation: {c['recommendation']}"
    )
    probe = admin.run_task("probe-deployments")["result"]
    check(
        probe["challengers_decided"] == [{"deployment_id": champion["id"], "outcome": "promote"}],
        f"the probe promotes the challenger: {probe}",
    )
    decided = admin.get(path)
    check(decided["status"] == "promoted" and decided["decision"]["by"] == "policy", f"promoted by the policy: {decided}")
    active = [d for d in admin.items("/v1/registry/deployments", environment="production") if d["status"] == "active"]
    check([d["model_version"] for d in active] == [challenger], f"{challenger} serves production: {active}")
    evidence = decided["decision"]["evidence"]["comparison"]
    print(f"{challenger} promoted to production by the probe (always-valid p {evidence['always_valid_p_value']:.2g})")
    health = admin.get(f"/v1/registry/deployments/{champion['id']}/health")
    week = health["performance"][-1]
    print(
        f"v1.0's deployment health: {health['status']}, {week['predictions']} predictions in 7 days, "
        f"error rate {week['error_rate']:.3f}, mean latency {week['mean_latency_ms']:.1f} ms\n"
    )


def check_company_scope(admin: Client) -> None:
    """A read key scoped to another company sees none of this company's registry; this company's sees its own."""
    other = admin.with_key(admin.post("/v1/api-keys", {"name": "auditor", "role": "read", "company_id": "other-co"})["key"])
    own = admin.with_key(admin.post("/v1/api-keys", {"name": "controller", "role": "read", "company_id": COMPANY})["key"])
    other.call("GET", f"/v1/registry/models/{MODEL}/v1.1", expect=404)
    check(other.items("/v1/registry/models") == [], "another company's key lists no model")
    figures = own.get(f"/v1/registry/companies/{COMPANY}/performance", days=1)
    print(
        f"Company {COMPANY}: {figures['models']} versions, {figures['predictions']} predictions, "
        f"{figures['samples']} labelled, accuracy {figures['accuracy']:.3f}; another company's key sees none of it"
    )


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
