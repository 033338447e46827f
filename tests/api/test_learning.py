"""The registry's learning half through the API: feedback processed once, drift that retrains, champion and challenger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scipy import stats as sps

from chalicelib.core import clock
from tests.api.registry_helpers import CASHFLOW, activate, path, predict, register, truth
from tests.conftest import Api, Tenant


def ok(reply: Any, status: int = 200) -> Any:
    assert reply.status == status, reply.body
    return reply.body


def run_task(api: Api, tenant: Tenant, name: str) -> dict[str, Any]:
    reply = ok(api.post(f"/v1/scheduler/tasks/{name}/run", key=tenant.admin))
    assert reply["status"] == "succeeded", reply
    return reply["result"]  # type: ignore[no-any-return]


def feedback(api: Api, tenant: Tenant, prediction_id: str, body: dict[str, Any], status: int = 201) -> Any:
    return ok(api.post(f"/v1/registry/predictions/{prediction_id}/feedback", body, key=tenant.app), status)


def test_feedback_is_processed_once_into_ground_truth_and_the_quality_series(api: Api, tenant: Tenant) -> None:
    model = register(api, tenant)
    activate(api, tenant, model)
    first = predict(api, tenant, model, "travel", {"amount": 120.0})
    second = predict(api, tenant, model, "office", {"amount": 40.0})
    labelled = predict(api, tenant, model, "meals", {"amount": 30.0})
    truth(api, tenant, labelled, "meals")

    correction = feedback(
        api, tenant, first, {"user_id": "bk-1", "feedback_type": "correction", "feedback_data": {"value": "office"}}
    )
    assert (correction["status"], correction["is_positive"], correction["impact"]) == ("pending", False, "medium")
    feedback(api, tenant, second, {"user_id": "bk-1", "feedback_type": "rating", "feedback_data": {"rating": 5}})
    feedback(api, tenant, second, {"user_id": "bk-2", "feedback_type": "flag", "feedback_data": {"reason": "odd vendor"}})
    disagree = feedback(
        api, tenant, labelled, {"user_id": "bk-2", "feedback_type": "correction", "feedback_data": {"value": "travel"}}
    )
    bad = api.post(
        f"/v1/registry/predictions/{first}/feedback",
        {"user_id": "u", "feedback_type": "rating", "feedback_data": {"rating": 9}},
        key=tenant.app,
    )
    assert bad.status == 422, bad.body
    assert ok(api.get(f"/v1/registry/predictions/{first}", key=tenant.read))["actual_value"] is None

    result = run_task(api, tenant, "process-feedback")
    assert (result["processed"], result["ignored"], result["ground_truths_set"]) == (4, 0, 1)
    assert run_task(api, tenant, "process-feedback")["processed"] == 0  # each feedback counts once
    corrected = ok(api.get(f"/v1/registry/predictions/{first}", key=tenant.read))
    assert (corrected["actual_value"], corrected["is_correct"]) == ("office", False)
    kept = ok(api.get(f"/v1/registry/predictions/{labelled}/feedback/{disagree['id']}", key=tenant.read))
    assert kept["outcome"] == {"ground_truth": "kept", "actual_value": "meals", "agrees": False}
    done = ok(api.post(f"/v1/registry/predictions/{first}/feedback/{correction['id']}/process", {}, key=tenant.admin), 409)
    assert done["error"]["code"] == "feedback_already_processed"

    quality = ok(api.get(path(model, "/feedback-quality?days=1"), key=tenant.read))["totals"]
    assert (quality["processed"], quality["ratings"], quality["average_rating"], quality["flags"]) == (4, 1, 5.0, 1)
    assert (quality["corrections"], quality["corrections_applied"], quality["positive"], quality["negative"]) == (2, 1, 1, 3)
    performance = ok(api.get(path(model, "/performance?periods=1"), key=tenant.read))["windows"][-1]
    assert (performance["samples"], performance["metrics"]["accuracy"]) == (2, 0.5)

    # The behaviour configuration: manual processing, and a confidence floor for corrections.
    ok(
        api.put(
            "/v1/config/behavior",
            {"config_data": {"feedback_processing": "manual", "min_correction_confidence": 0.8}},
            key=tenant.admin,
        )
    )
    unsure = feedback(
        api,
        tenant,
        second,
        {"user_id": "bk-3", "feedback_type": "correction", "feedback_data": {"value": "meals"}, "confidence": 0.5},
    )
    assert run_task(api, tenant, "process-feedback") == {"policy": "manual", "processed": 0, "ignored": 0, "ground_truths_set": 0}
    ignored = ok(api.post(f"/v1/registry/predictions/{second}/feedback/{unsure['id']}/process", {}, key=tenant.admin))
    assert ignored["status"] == "ignored" and "min_correction_confidence" in ignored["outcome"]["reason"]
    listed = ok(api.get(path(model, "/feedback?status=ignored"), key=tenant.read))["items"]
    assert [f["id"] for f in listed] == [unsure["id"]]


def test_champion_and_challenger_statistics_equal_scipy(api: Api, tenant: Tenant) -> None:
    """Classification: the two-proportion z-test of accuracy; regression: Welch's t-test of the absolute error."""
    champion = register(api, tenant, model_version="v1")
    challenger = register(api, tenant, model_version="v2")
    for model in (champion, challenger):
        ok(api.patch(path(model), {"status": "validated"}, key=tenant.admin))
    deployment = ok(
        api.post(
            "/v1/registry/deployments",
            {"deployment_name": "books", "model_name": champion["model_name"], "model_version": "v1", "environment": "prod"},
            key=tenant.admin,
        ),
        201,
    )
    served_by = {"deployment_id": deployment["id"]}
    truth(api, tenant, predict(api, tenant, champion, "office", **served_by), "travel")  # before the challenge: not counted
    challenge = f"/v1/registry/deployments/{deployment['id']}/challenger"
    ok(api.put(challenge, {"model_version": "v2", "share": 0.5, "min_samples": 10}, key=tenant.admin))
    for model in (champion, challenger):  # the versions' other traffic (no deployment named): not counted either
        truth(api, tenant, predict(api, tenant, model, "office"), "travel")
    served = {ok(api.post(f"{challenge}/assign", {"entity_id": f"txn-{i}"}, key=tenant.app))["model_version"] for i in range(20)}
    assert served == {"v1", "v2"}
    again = ok(api.post(f"{challenge}/assign", {"entity_id": "txn-3"}, key=tenant.app))
    assert again == ok(api.post(f"{challenge}/assign", {"entity_id": "txn-3"}, key=tenant.app))  # sticky
    outcomes = {"v1": [True] * 9 + [False] * 6, "v2": [True] * 14 + [False] * 1}
    for model in (champion, challenger):
        for n, right in enumerate(outcomes[model["model_version"]]):
            made = predict(api, tenant, model, "office", **served_by)
            if n < 2:
                truth(api, tenant, made, "travel")  # replaced below: the challenge counts the difference
            truth(api, tenant, made, "office" if right else "travel")
    tagged = ok(api.get(f"/v1/registry/predictions/{made}", key=tenant.read))
    assert (tagged["deployment_id"], tagged["challenge_role"]) == (deployment["id"], "challenger")
    found = ok(api.get(challenge, key=tenant.read))
    c = found["comparison"]
    p1, p2, n = 9 / 15, 14 / 15, 15
    pooled = (9 + 14) / 30
    z = (p2 - p1) / (pooled * (1 - pooled) * (2 / n)) ** 0.5
    assert abs(c["statistic"] - z) < 1e-12 and abs(c["p_value"] - 2 * sps.norm.sf(abs(z))) < 1e-12
    assert c["test"] == "two_proportion_z" and c["challenger_better"] is True and c["ready"] is True
    assert [a["samples"] for a in found["arms"]] == [15, 15]

    regression = register(api, tenant, CASHFLOW)
    candidate = register(api, tenant, CASHFLOW, model_version="v2")
    for model in (regression, candidate):
        ok(api.patch(path(model), {"status": "validated"}, key=tenant.admin))
    cash = ok(
        api.post(
            "/v1/registry/deployments",
            {"deployment_name": "cash", "model_name": "cashflow_prediction", "model_version": "v1", "environment": "prod"},
            key=tenant.admin,
        ),
        201,
    )
    ok(api.put(f"/v1/registry/deployments/{cash['id']}/challenger", {"model_version": "v2"}, key=tenant.admin))
    errors = {"v1": [3.0, -5.0, 4.5, 7.0, -2.0, 6.0], "v2": [1.0, -0.5, 2.0, 1.5, -1.0]}
    truth(api, tenant, predict(api, tenant, regression, 100.0), 190.0)  # not served by the deployment: not counted
    for model in (regression, candidate):
        for error in errors[model["model_version"]]:
            truth(api, tenant, predict(api, tenant, model, 100.0, deployment_id=cash["id"]), 100.0 + error)
    elsewhere = api.post(
        path(regression, "/predictions"),
        {"prediction_type": "regression", "input_data": {}, "prediction": 1.0, "deployment_id": deployment["id"]},
        key=tenant.app,
    )
    assert elsewhere.status == 422 and elsewhere.body["error"]["details"][0]["field"] == "body.deployment_id"
    welch = ok(api.get(f"/v1/registry/deployments/{cash['id']}/challenger", key=tenant.read))["comparison"]
    reference = sps.ttest_ind([abs(e) for e in errors["v2"]], [abs(e) for e in errors["v1"]], equal_var=False)
    assert welch["test"] == "welch_t"
    assert abs(welch["statistic"] - reference.statistic) < 1e-9 and abs(welch["p_value"] - reference.pvalue) < 1e-9
    assert welch["challenger_better"] is True and welch["ready"] is False  # 30 ground truths each are needed by default


def test_a_drift_violation_retrains_rolls_back_and_notifies_once(api: Api, tenant: Tenant) -> None:
    old = register(api, tenant, model_version="v0.9")
    model = register(api, tenant)
    ok(api.patch(path(old), {"status": "validated"}, key=tenant.admin))
    deployed = {}
    for version in ("v0.9", "v1.0"):
        body = {"deployment_name": "books", "model_name": model["model_name"], "model_version": version, "environment": "prod"}
        deployed[version] = ok(api.post("/v1/registry/deployments", body, key=tenant.admin), 201)["id"]
    ok(api.post(path(model, "/baseline"), {"features": {"amount": [float(n) for n in range(60)]}}, key=tenant.admin), 201)
    policy = {
        "policy_name": "amount drift",
        "policy_type": "drift",
        "rules": {"model_name": "expense_classifier", "model_version": "v1.0", "features": ["amount"]},
        "thresholds": {"max_ks": 0.1},
    }
    policy["rules"]["actions"] = ["retrain", "rollback", "notify", "launch"]  # type: ignore[index]
    refused = ok(api.post("/v1/governance/policies", policy, key=tenant.admin), 422)["error"]["details"]
    assert [(d["field"], d["message"]) for d in refused] == [
        ("body.rules.actions.3", "'launch' is not an action: retrain, rollback, notify")
    ]
    policy["rules"]["actions"] = ["retrain", "rollback", "notify"]  # type: ignore[index]
    ok(api.post("/v1/governance/policies", policy, key=tenant.admin), 201)
    for n in range(39):
        truth(api, tenant, predict(api, tenant, model, "office", {"amount": 100.0 + n}), "office")
    unlabelled = predict(api, tenant, model, "office", {"amount": 140.0})
    feedback(api, tenant, unlabelled, {"user_id": "bk", "feedback_type": "correction", "feedback_data": {"value": "travel"}})
    run_task(api, tenant, "process-feedback")

    for _ in range(2):  # a second check of the same day acts no more
        run_task(api, tenant, "detect-drift")
    found = {a["action"]: a for a in ok(api.get("/v1/registry/actions", key=tenant.read))["items"]}
    assert {name: a["status"] for name, a in found.items()} == {
        "retrain": "done",
        "rollback": "done",
        "notify": "done",
    }
    violation = found["retrain"]["cause"]["violation_id"]
    assert ok(api.get(f"/v1/governance/violations/{violation}", key=tenant.read))["policy_name"] == "amount drift"
    run = ok(api.get(f"/v1/registry/runs/{found['retrain']['result']['run_id']}", key=tenant.read))
    assert (run["model_version"], run["status"], run["trigger"]["violation_id"]) == ("v1.0-r1", "running", violation)
    data = run["training_data"]
    assert (data["examples"], data["from_ground_truth"], data["corrections_read"], data["from_version"]) == (40, 40, 1, "v1.0")
    rolled = ok(api.get(f"/v1/registry/deployments/{deployed['v1.0']}", key=tenant.read))
    assert rolled["status"] == "rolled_back" and rolled["restored_deployment_id"] == deployed["v0.9"]
    events = ok(api.get("/v1/events?type=registry.action_taken", key=tenant.admin))["items"]
    assert sorted(e["data"]["action"] for e in events) == ["notify", "retrain", "rollback"]

    probed = run_task(api, tenant, "probe-deployments")
    assert probed["statuses"] == {deployed["v0.9"]: "degraded"}  # no prediction at all: the volume check fails
    health = ok(api.get(f"/v1/registry/deployments/{deployed['v0.9']}/health", key=tenant.read))
    assert {c["name"]: c["status"] for c in health["checks"]} == {
        "error_rate": "unknown",
        "latency_ms": "unknown",
        "daily_predictions": "fail",
    }


def test_data_quality_accuracy_and_the_latency_series(api: Api, tenant: Tenant) -> None:
    """Accuracy against the record's ground truth and against reference values; latency per window with its trend."""
    model = register(api, tenant)
    activate(api, tenant, model)
    monday = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    rows = [  # (predicted, actual, input_data, latency_ms)
        ("office", "office", {"vendor": "acme", "category": "office", "amount": 10.0, "invoiced": 10.004}, 100.0),
        ("office", "travel", {"vendor": "delta", "category": "travel", "amount": 20.0, "invoiced": 21.0}, 300.0),
        ("travel", "travel", {"vendor": "delta", "category": "travel", "amount": 5.0}, None),
        ("meals", None, {"vendor": "zeta", "category": "meals", "amount": 7.0}, None),
    ]
    with clock.frozen(monday):
        for predicted, actual, data, latency in rows:
            extra = {"latency_ms": latency} if latency is not None else {}
            made = predict(api, tenant, model, predicted, data, **extra)
            if actual is not None:
                truth(api, tenant, made, actual)
    with clock.frozen(monday + timedelta(days=1)):
        predict(api, tenant, model, "office", {"amount": 1.0}, latency_ms=150.0)
        report = ok(api.get(path(model, "/performance?window=daily&periods=2"), key=tenant.read))
    first, second = report["windows"]
    assert (first["metrics"]["latency"], second["metrics"]["latency"]) == (200.0, 150.0)
    assert (second["comparison"]["latency"], second["trend"]["latency"]) == (200.0, "improving")  # lower is better
    latency = {s["metric_type"]: s for s in report["series"]}["latency"]["points"]
    assert [(p["metric_value"], p["change"]) for p in latency] == [(200.0, None), (150.0, -50.0)]
    assert [r["metric_value"] for r in report["items"] if r["metric_type"] == "latency"] == [200.0, 150.0]

    table = "predictions:expense_classifier:v1.0"
    pipeline = {
        "pipeline_name": "ledger-accuracy",
        "pipeline_type": "validation",
        "source_tables": [table],
        "validation_rules": {
            "prediction": {"accuracy": {"compare_to": "actual_value"}},
            "category": {"accuracy": {"reference": {"key": "vendor", "values": {"acme": "office", "delta": "travel"}}}},
            "amount": {"accuracy": {"compare_to": "invoiced", "tolerance": 0.01}},
        },
    }
    both = {"compare_to": "actual_value", "reference": {"key": "vendor", "values": {"a": 1}}}
    refused = api.post("/v1/registry/pipelines", {**pipeline, "validation_rules": {"x": {"accuracy": both}}}, key=tenant.admin)
    assert refused.status == 422 and refused.body["error"]["details"][0]["field"].startswith("body.validation_rules.x.accuracy")
    policy = {"policy_name": "ledger accuracy", "policy_type": "data_quality", "thresholds": {"min_data_accuracy": 0.9}}
    ok(api.post("/v1/governance/policies", policy, key=tenant.admin), 201)
    ok(api.post("/v1/registry/pipelines", pipeline, key=tenant.admin), 201)
    with clock.frozen(monday + timedelta(days=1)):
        run = ok(api.post("/v1/registry/pipelines/ledger-accuracy/runs", {}, key=tenant.admin), 201)
    found = {(f["column_name"], f["quality_metric"]): f for f in run["data_quality"]}
    accuracy = {column: found[(column, "accuracy")] for column in ("prediction", "category", "amount")}
    # 2 of the 3 labelled predictions right; 3 of 3 vendors with a reference booked as it says; 1 of 2 invoiced amounts.
    assert [(a["metric_value"], a["status"]) for a in accuracy.values()] == [(2 / 3, "fail"), (1.0, "pass"), (0.5, "fail")]
    assert accuracy["prediction"]["issues"] == ["1 of 3 values differ from actual_value"]
    assert run["violations_opened"] == 2  # the prediction's and the amount's accuracy below min_data_accuracy
    listed = ok(api.get(f"/v1/registry/data-quality?table={table}", key=tenant.read))["items"]
    assert {(f["column_name"], f["metric_value"]) for f in listed if f["quality_metric"] == "accuracy"} == {
        ("prediction", 2 / 3),
        ("category", 1.0),
        ("amount", 0.5),
    }


def test_erasing_a_user_deletes_their_prediction_feedback_and_takes_back_its_counts(api: Api, tenant: Tenant) -> None:
    from tests.api.test_privacy_holds import everything_stored

    forget, keep = "bk-forget-18d2", "bk-keep-18d2"
    model = register(api, tenant)
    first, second = predict(api, tenant, model, "travel"), predict(api, tenant, model, "office")
    given = [
        feedback(api, tenant, first, {"user_id": forget, "feedback_type": "correction", "feedback_data": {"value": "office"}}),
        feedback(api, tenant, second, {"user_id": forget, "feedback_type": "rating", "feedback_data": {"rating": 5}}),
        feedback(api, tenant, second, {"user_id": keep, "feedback_type": "rating", "feedback_data": {"rating": 2}}),
    ]
    run_task(api, tenant, "process-feedback")
    pending = feedback(api, tenant, first, {"user_id": forget, "feedback_type": "comment", "feedback_data": {"text": "hm"}})

    erased = ok(api.delete(f"/v1/users/{forget}/data", key=tenant.admin))
    assert erased["deleted"]["prediction_feedback"] == 3
    assert ok(api.delete(f"/v1/users/{forget}/data", key=tenant.admin))["deleted"]["prediction_feedback"] == 3  # once
    for prediction, item in ((first, given[0]), (second, given[1]), (first, pending)):
        gone = api.get(f"/v1/registry/predictions/{prediction}/feedback/{item['id']}", key=tenant.read)
        assert gone.status == 404, gone.body
    assert [f["user_id"] for f in ok(api.get(path(model, "/feedback"), key=tenant.read))["items"]] == [keep]
    totals = ok(api.get(path(model, "/feedback-quality?days=1"), key=tenant.read))["totals"]
    assert (totals["processed"], totals["ratings"], totals["average_rating"], totals["corrections"]) == (1, 1, 2.0, 0)
    assert (totals["positive"], totals["negative"], totals["corrections_applied"]) == (0, 1, 0)
    assert ok(api.get(f"/v1/registry/predictions/{first}", key=tenant.read))["actual_value"] == "office"  # the prediction's
    assert [where for where, text in everything_stored() if forget in text] == []
