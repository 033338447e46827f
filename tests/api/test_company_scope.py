"""A key scoped to one company sees that company's registry alone: every registry route of the OpenAPI document is
walked (none is hand-picked) with another company's key, and answers 404 for the first company's resources, or
lists none of them; the first company's own key is answered on the same paths."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from tests.api.registry_helpers import EXPENSES
from tests.conftest import Api, Tenant

A, B = "co-a", "co-b"
VERSION = "/v1/registry/models/expense_classifier/v1.0"
# A valid body for each write of the registry: the walk fails on a route this table does not know.
BODIES: dict[str, Any] = {
    "register_model": {**EXPENSES, "model_name": "b_model"},
    "patch_registry_model": {"status": "deprecated"},
    "start_training_run": {"run_name": "refit"},
    "patch_training_run": {"logs": "more"},
    "record_model_prediction": {"prediction_type": "classification", "input_data": {}, "prediction": "office"},
    "record_model_ground_truth": {"actual_value": "office"},
    "put_feature_importance": {"method": "shap", "features": [{"feature_name": "amount", "importance": 1.0}]},
    "set_drift_baseline": {"features": {"amount": [1.0, 2.0, 3.0]}},
    "create_registry_experiment": {"experiment_name": "b-experiment", "objective": "o", "hypothesis": "h"},
    "patch_registry_experiment": {"conclusions": "none"},
    "create_data_pipeline": {"pipeline_name": "b-pipeline", "pipeline_type": "validation", "source_tables": ["predictions"]},
    "patch_data_pipeline": {"status": "paused"},
    "run_data_pipeline": {},
    "deploy_model": {"deployment_name": "b", "model_name": "expense_classifier", "model_version": "v1.0", "environment": "qa"},
    "rollback_deployment": {"status": "rolled_back"},
    "give_prediction_feedback": {"user_id": "u", "feedback_type": "rating", "feedback_data": {"rating": 4}},
    "process_prediction_feedback": {},
    "set_deployment_challenger": {"model_version": "v2.0"},
    "assign_deployment_version": {"entity_id": "txn-1"},
    "decide_deployment_challenger": {"outcome": "reject"},
}
CREATES = {"register_model", "create_registry_experiment", "create_data_pipeline"}  # no path: B makes its own
NAMES_IN_BODY = {"deploy_model"}  # no path, but the body names company A's model version


def ok(reply: Any, status: int = 201) -> Any:
    assert reply.status == status, reply.body
    return reply.body


def key(api: Api, tenant: Tenant, role: str, company: str) -> str:
    return str(
        ok(api.post("/v1/api-keys", {"name": f"{company} {role}", "role": role, "company_id": company}, key=tenant.admin))["key"]
    )


def seed(api: Api, admin: str, app: str) -> dict[str, str]:
    """Company A's registry: versions, a run, a prediction with feedback, importance, baseline, an experiment, a pipeline
    run (data quality), deployments with challengers, a decision (an action)."""
    for version in ("v1.0", "v2.0"):
        ok(api.post("/v1/registry/models", {**EXPENSES, "model_version": version}, key=admin))
    run = ok(api.post(f"{VERSION}/runs", {"run_name": "fit"}, key=admin))["run_id"]
    ok(api.patch(f"/v1/registry/runs/{run}", {"status": "completed"}, key=admin), 200)
    ok(api.patch("/v1/registry/models/expense_classifier/v2.0", {"status": "validated"}, key=admin), 200)
    prediction = ok(api.post(f"{VERSION}/predictions", BODIES["record_model_prediction"], key=app))["prediction_id"]
    feedback = ok(api.post(f"/v1/registry/predictions/{prediction}/feedback", BODIES["give_prediction_feedback"], key=app))["id"]
    ok(api.put(f"{VERSION}/feature-importance", BODIES["put_feature_importance"], key=admin), 200)
    ok(api.post(f"{VERSION}/baseline", BODIES["set_drift_baseline"], key=admin))
    ok(api.post("/v1/registry/experiments", {"experiment_name": "a-experiment", "objective": "o", "hypothesis": "h"}, key=admin))
    pipeline = {
        **BODIES["create_data_pipeline"],
        "pipeline_name": "a-pipeline",
        "source_tables": ["predictions:expense_classifier:v1.0"],
        "validation_rules": {"input_data.amount": {"required": True}},
    }
    ok(api.post("/v1/registry/pipelines", pipeline, key=admin))
    ok(api.post("/v1/registry/pipelines/a-pipeline/runs", {}, key=admin))
    deployments = {}
    for environment in ("staging", "prod"):
        body = {**BODIES["deploy_model"], "environment": environment}
        deployments[environment] = ok(api.post("/v1/registry/deployments", body, key=admin))["id"]
        ok(api.put(f"/v1/registry/deployments/{deployments[environment]}/challenger", {"model_version": "v2.0"}, key=admin), 200)
    staging = f"/v1/registry/deployments/{deployments['staging']}/challenger/decision"
    ok(api.post(staging, {"outcome": "reject"}, key=admin), 200)  # an action of company A
    return {
        "name": "expense_classifier",
        "version": "v1.0",
        "run_id": run,
        "prediction_id": prediction,
        "feedback_id": feedback,
        "experiment_name": "a-experiment",
        "deployment_id": deployments["prod"],
        "company_id": A,
    }


def fill(template: str, values: dict[str, str]) -> str:
    chosen = {**values, "name": "a-pipeline"} if template.startswith("/v1/registry/pipelines/") else values
    return re.sub(r"{(\w+)}", lambda m: quote(chosen[m.group(1)], safe=""), template)


def test_a_company_scoped_key_sees_its_company_alone_on_every_registry_route(api: Api, tenant: Tenant) -> None:
    admin_a, app_a = key(api, tenant, "admin", A), key(api, tenant, "app", A)
    admin_b = key(api, tenant, "admin", B)
    values = seed(api, admin_a, app_a)
    document = ok(api.get("/openapi.json"), 200)
    walked = 0
    for template, methods in document["paths"].items():
        if not template.startswith("/v1/registry/"):
            continue
        for method, operation in methods.items():
            name = operation["operationId"]
            url = fill(template, values)
            body = BODIES.get(name) if method != "get" else None
            assert method == "get" or name in BODIES, f"{method.upper()} {template}: give the walk a body for {name}"
            reply = api.request(method.upper(), url, json_body=body, key=admin_b)
            walked += 1
            if "{" in template or name in NAMES_IN_BODY:
                assert reply.status == 404, (method, template, reply.status, reply.body)
                if method == "get":  # the resource is there: company A's own key is answered
                    assert api.get(url, key=admin_a).status == 200, (template, "company A's key")
            elif method == "get":
                assert reply.status == 200, (template, reply.body)
                assert all(item.get("company_id") in (B, None) for item in reply.body["items"]), (template, reply.body)
                assert not any(item.get("company_id") == A for item in reply.body["items"]), template
                asked = api.get(f"{url}?company_id={A}", key=admin_b)
                assert asked.status == 200 and asked.body["items"] == [], (template, asked.body)
                own = ok(api.get(url, key=admin_a), 200)["items"]
                assert own and all(item["company_id"] == A for item in own), (template, own)
            else:
                assert name in CREATES, f"{method.upper()} {template} without a path parameter: say what B may do"
                assert reply.status == 201 and reply.body["company_id"] == B, (template, reply.body)
    assert walked >= 40

    # B's own items stay B's: A's key does not see them, and a body naming another company is refused.
    assert api.get("/v1/registry/models/b_model/v1.0", key=admin_a).status == 404
    refused = api.post("/v1/registry/models", {**EXPENSES, "model_name": "c_model", "company_id": A}, key=admin_b)
    assert refused.status == 422 and refused.body["error"]["details"][0]["field"] == "body.company_id"
    # Routes that are not company data answer a company-scoped key 403; an unscoped key filters by company.
    for path in ("/v1/sessions", "/v1/governance/policies", "/v1/config/behavior", "/v1/api-keys", "/v1/tenants/me"):
        assert api.get(path, key=admin_b).status == 403, path
    filtered = ok(api.get(f"/v1/registry/models?company_id={B}", key=tenant.admin), 200)["items"]
    assert [(m["model_name"], m["company_id"]) for m in filtered] == [("b_model", B)]
    assert ok(api.get(f"/v1/registry/companies/{A}/performance", key=tenant.read), 200)["models"] == 2


def test_a_company_pipeline_reads_its_company_alone(api: Api, tenant: Tenant) -> None:
    """registry_models, training_runs and predictions read by a company's pipeline hold that company's versions alone;
    sessions, which belong to no company, are refused."""
    admin_a, admin_b = key(api, tenant, "admin", A), key(api, tenant, "admin", B)
    ok(api.post("/v1/registry/models", {**EXPENSES, "model_name": "shared"}, key=tenant.admin))
    ok(api.post("/v1/registry/models", {**EXPENSES, "model_name": "b_model"}, key=admin_b))
    for version in ("v1.0", "v2.0"):
        ok(api.post("/v1/registry/models", {**EXPENSES, "model_name": "a_model", "model_version": version}, key=admin_a))
    ok(api.post("/v1/registry/models/a_model/v1.0/runs", {"run_name": "fit"}, key=admin_a))
    ok(api.post("/v1/registry/models/b_model/v1.0/runs", {"run_name": "fit"}, key=admin_b))
    for name, admin in (("a_model", admin_a), ("b_model", admin_b), ("shared", tenant.admin)):
        ok(api.post(f"/v1/registry/models/{name}/v1.0/predictions", BODIES["record_model_prediction"], key=admin))
    api.post("/v1/sessions", {"user_id": "u", "category_key": "x", "input": "tenant-wide"}, key=tenant.app)

    sources = ["registry_models", "training_runs", "predictions"]
    pipeline = {"pipeline_name": "a-everything", "pipeline_type": "validation", "source_tables": sources}
    ok(api.post("/v1/registry/pipelines", pipeline, key=admin_a))
    run = ok(api.post("/v1/registry/pipelines/a-everything/runs", {}, key=admin_a))
    assert {table: counts["read"] for table, counts in run["metrics"]["tables"].items()} == {
        "registry_models": 2,
        "training_runs": 1,
        "predictions": 1,
    }
    everything = ok(api.post("/v1/registry/pipelines", {**pipeline, "pipeline_name": "all"}, key=tenant.admin))
    run = ok(api.post(f"/v1/registry/pipelines/{everything['pipeline_name']}/runs", {}, key=tenant.admin))
    assert run["metrics"]["tables"]["registry_models"]["read"] == 4  # a tenant-wide pipeline reads every company's
    for admin, body in ((admin_a, {}), (tenant.admin, {"company_id": A})):
        refused = api.post("/v1/registry/pipelines", {**pipeline, "source_tables": ["sessions"], **body}, key=admin)
        assert refused.status == 422 and refused.body["error"]["details"][0]["field"] == "body.source_tables", refused.body


def test_names_are_unique_per_company_and_reveal_nothing(api: Api, tenant: Tenant) -> None:
    """Two companies register the same model version, experiment and pipeline name: neither gets 409, each sees its
    own, their deployments and data-quality figures stay apart; a key of no company is told when a name is ambiguous."""
    admins = {A: key(api, tenant, "admin", A), B: key(api, tenant, "admin", B)}
    experiment = {"experiment_name": "gbm", "objective": "o", "hypothesis": "h"}
    deployed = {}
    for company, admin in admins.items():
        assert ok(api.post("/v1/registry/models", EXPENSES, key=admin))["company_id"] == company
        ok(api.post("/v1/registry/experiments", experiment, key=admin))
        rule = {"input_data.amount": {"required": True}}
        pipeline = {"pipeline_name": "inputs", "pipeline_type": "validation", "validation_rules": rule}
        ok(api.post("/v1/registry/pipelines", {**pipeline, "source_tables": ["predictions:expense_classifier:v1.0"]}, key=admin))
        body = {"prediction_type": "classification", "prediction": "office"}
        for amount in [1.0] if company == A else [None, 2.0]:
            ok(api.post(f"{VERSION}/predictions", {**body, "input_data": {"amount": amount}}, key=admin))
        deployed[company] = ok(api.post("/v1/registry/deployments", {**BODIES["deploy_model"], "environment": "prod"}, key=admin))
        ok(api.post("/v1/registry/pipelines/inputs/runs", {}, key=admin))
    assert deployed[B]["replaced_deployment_id"] is None  # B's deployment supersedes nothing of A's
    assert ok(api.get(f"/v1/registry/deployments/{deployed[A]['id']}", key=admins[A]), 200)["status"] == "active"
    again = api.post("/v1/registry/models", EXPENSES, key=admins[A])
    assert again.status == 409 and again.error_code == "model_version_exists"  # unique within the company
    for company, admin in admins.items():
        model = ok(api.get(VERSION, key=admin), 200)
        assert model["company_id"] == company
        assert ok(api.patch("/v1/registry/experiments/gbm", {"conclusions": company}, key=admin), 200)["company_id"] == company
        runs = ok(api.get("/v1/registry/pipelines/inputs/runs", key=admin), 200)["items"]
        assert [r["records_processed"] for r in runs] == [1 if company == A else 2]
        figures = ok(api.get("/v1/registry/data-quality", key=admin), 200)["items"]
        completeness = [f["metric_value"] for f in figures if f["quality_metric"] == "completeness"]
        assert completeness == [1.0 if company == A else 0.5]
    ambiguous = api.get(VERSION, key=tenant.admin)
    assert ambiguous.status == 409 and ambiguous.error_code == "ambiguous_name"
    ok(api.post("/v1/registry/models", EXPENSES, key=tenant.admin))  # the tenant-wide name is free too
    assert ok(api.get(VERSION, key=tenant.admin), 200)["company_id"] is None
    assert len(ok(api.get("/v1/registry/models?model_name=expense_classifier", key=tenant.admin), 200)["items"]) == 3
