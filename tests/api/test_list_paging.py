"""Every list of the API pages alike: the operations are read from GET /openapi.json, not from a list kept here.

A tenant is seeded with at least three items in every list. Each GET operation of the document is called once
with its path filled from the seeded data; every one answering `items` must be marked `x-learnloop-list` (a list
route that forgets ListQuery is caught). Each list is then walked with `limit=1`, following `next_cursor` until
null: the concatenation is the `limit=200` answer exactly (same items, same order: no duplicate, no gap), of at
least two items, and `limit=0` and `limit=201` are 422 naming `query.limit`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from chalicelib.core import clock
from chalicelib.events import service as events
from tests.api.registry_helpers import activate, labelled, path, predict, register, truth
from tests.conftest import ROOT_KEY, Api, Tenant, make_tenant

NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
USER = "user-0"
MODELS = ("local:echo", "local:sage", "local:swift")
# Narrower views of long lists, so that a walk one item at a time stays short (the rows are still several).
QUERIES = {"/v1/registry/models/{name}/{version}/performance": "periods=2"}


def ok(reply: Any, status: int = 201) -> dict[str, Any]:
    assert reply.status == status, reply.body
    return reply.body  # type: ignore[no-any-return]


def run_task(api: Api, tenant: Tenant, name: str) -> None:
    reply = api.post(f"/v1/scheduler/tasks/{name}/run", key=tenant.admin)
    assert reply.status == 200 and reply.body["status"] == "succeeded", reply.body


def seed(api: Api, tenant: Tenant) -> dict[str, dict[str, str]]:
    """Three or more of everything. Answers the path parameters' values: by name, and by path prefix where a name is
    reused (`{name}` is a prompt, a registry model or a pipeline)."""
    admin, app = tenant.admin, tenant.app
    # Rated sessions of four users; user-0's are on three models (sessions 0, 4, 8): sessions, training examples,
    # the user's preferences, analytics rows of three models.
    sessions = []
    for i in range(12):
        body = {
            "user_id": f"user-{i % 4}",
            "category_key": "content_caption",
            "input": f"caption for a {['romantic', 'rustic', 'modern', 'vintage'][i % 4]} bouquet number {i} with roses",
            "output": f"Roses, bouquet {i}: made for the moment. #flowers{i}",
            "model_id": MODELS[i % 3] if i % 4 == 0 else "local:sage",
        }
        session_id = ok(api.post("/v1/sessions", body, key=app))["session_id"]
        ok(api.post(f"/v1/sessions/{session_id}/feedback", {"user_id": body["user_id"], "rating": 5 if i % 2 else 2}, key=app))
        sessions.append(session_id)
    run_task(api, tenant, "aggregate-metrics")
    run_task(api, tenant, "performance-report")

    for name in ("welcome", "reminder", "thanks"):
        ok(api.put(f"/v1/prompts/{name}", {"template": f"{name} {{customer}}"}, key=admin))
    ok(api.post("/v1/catalog-templates/styles/install", key=admin), 200)
    ok(api.put("/v1/customers/cust-1", {"recipient_name": "Ada"}, key=app))
    for store in ("store-1", "store-2"):
        ok(api.put(f"/v1/contexts/{USER}/{store}", {"store_type": "florist"}, key=app), 200)
    pattern = ok(
        api.post(
            "/v1/patterns",
            {"pattern": "few_products", "description": "d", "category": "catalog", "store_type": "florist"},
            key=admin,
        )
    )

    ok(
        api.post(
            "/v1/patterns",
            {"pattern": "slow_checkout", "description": "d", "category": "checkout", "store_type": "florist"},
            key=admin,
        )
    )

    variants = [
        {"id": "original", "name": "Original", "prompt": "Resize to {width}.", "is_control": True},
        {"id": "enhanced", "name": "Enhanced", "prompt": "Resize well to {width}."},
    ]
    experiments = [
        ok(api.post("/v1/experiments", {"name": name, "metric": "success", "variants": variants}, key=admin))
        for name in ("resize", "captions", "hooks")
    ]
    experiment = experiments[0]
    for variant in ("third", "fourth"):  # each change of weights is one more item of the history
        ok(api.post(f"/v1/experiments/{experiment['id']}/variants", {"id": variant, "name": variant}, key=admin))

    dataset = ok(api.post("/v1/training/datasets", {"days": 30, "min_rating": 1}, key=admin))
    for days in (7, 14):
        ok(api.post("/v1/training/datasets", {"days": days, "min_rating": 1}, key=admin))
    jobs = [
        ok(api.post("/v1/training/jobs", {"dataset_id": dataset["id"], "base_model": "local:sage"}, key=admin)) for _ in range(3)
    ]

    # The registry: three versions, three runs, importance by three methods, predictions with ground truth.
    model = register(api, tenant)
    for version in ("v2.0", "v3.0"):
        register(api, tenant, model_version=version)
    runs = []
    for name in ("fit", "refit", "final"):
        runs.append(ok(api.post(path(model, "/runs"), {"run_name": name}, key=admin))["run_id"])
        ok(api.patch(f"/v1/registry/runs/{runs[-1]}", {"status": "completed"}, key=admin), 200)
    for method in ("permutation", "shap", "built_in"):
        features = [{"feature_name": "amount", "importance": 0.7}, {"feature_name": "vendor", "importance": 0.3}]
        ok(api.put(path(model, "/feature-importance"), {"method": method, "features": features}, key=admin), 200)
    activate(api, tenant, model)
    for threshold in (0.9, 0.95, 0.99):  # accuracy 0.6 breaks all three: three violations
        policy = {"policy_name": f"accuracy {threshold}", "policy_type": "performance", "thresholds": {"min_accuracy": threshold}}
        ok(api.post("/v1/governance/policies", policy, key=admin))
    prediction_id = predict(api, tenant, model, "office", {"amount": 100.0, "vendor": 0.5})
    truth(api, tenant, prediction_id, "office")
    rows = [("office", "office")] * 17 + [("office", "travel")] * 12  # with the one above: accuracy 0.6 of 30
    labelled(api, tenant, model, rows, {"amount": 100.0, "vendor": 0.5})
    amounts = [float(n) for n in range(60)]
    ok(api.post(path(model, "/baseline"), {"features": {"amount": amounts, "vendor": [n / 60 for n in range(60)]}}, key=admin))
    run_task(api, tenant, "detect-drift")

    for name in ("one", "two", "three"):
        body = {"experiment_name": f"features-{name}", "objective": "o", "hypothesis": "h"}
        ok(api.post("/v1/registry/experiments", body, key=admin))
    pipeline = {
        "pipeline_name": "validate-inputs",
        "pipeline_type": "validation",
        "source_tables": ["predictions:expense_classifier:v1.0"],
        "validation_rules": {"input_data.amount": {"required": True, "type": "number", "min": 0}},
    }
    ok(api.post("/v1/registry/pipelines", pipeline, key=admin))
    for name in ("second", "third"):
        ok(api.post("/v1/registry/pipelines", {**pipeline, "pipeline_name": name}, key=admin))
    for _ in range(3):
        ok(api.post("/v1/registry/pipelines/validate-inputs/runs", {}, key=admin))
    deployments = [
        ok(
            api.post(
                "/v1/registry/deployments",
                {
                    "deployment_name": f"expenses-{environment}",
                    "model_name": model["model_name"],
                    "model_version": model["model_version"],
                    "environment": environment,
                },
                key=admin,
            )
        )
        for environment in ("development", "staging", "production")
    ]
    for i in range(3):
        ok(api.post("/v1/webhooks/endpoints", {"url": f"https://hooks{i}.example.com/learnloop"}, key=admin))
    goal = {"name": "e", "metric": "feedback_rate", "direction": "above", "threshold": 2.0}
    target = ok(api.post("/v1/targets", goal, key=admin))
    for hour in range(3):  # one evaluation an hour: three in its history, the first one missed (an event)
        with clock.frozen(clock.now() + timedelta(hours=hour)):
            ok(api.post(f"/v1/targets/{target['id']}/evaluate", key=admin), 200)
    for month in ("2026-04", "2026-05"):
        events.emit(tenant.id, "budget.threshold_80", month, f"budget:{month}", {"month": month})
    endpoint_id = _first(api, tenant, "/v1/webhooks/endpoints")
    # The learning half: feedback on the prediction, a running challenger and two decided ones (two actions),
    # two versions of a configuration.
    feedback = [
        ok(api.post(f"/v1/registry/predictions/{prediction_id}/feedback", body, key=app))
        for body in (
            {"user_id": USER, "feedback_type": "rating", "feedback_data": {"rating": 4}},
            {"user_id": USER, "feedback_type": "comment", "feedback_data": {"text": "right vendor"}},
        )
    ]
    ok(api.patch("/v1/registry/models/expense_classifier/v2.0", {"status": "validated"}, key=admin), 200)
    for deployment in deployments:
        challenger = f"/v1/registry/deployments/{deployment['id']}/challenger"
        ok(api.put(challenger, {"model_version": "v2.0"}, key=admin), 200)
        if deployment is not deployments[0]:
            ok(api.post(f"{challenger}/decision", {"outcome": "reject"}, key=admin), 200)
    for processing in ("manual", "automatic"):
        ok(api.put("/v1/config/behavior", {"config_data": {"feedback_processing": processing}}, key=admin), 200)
    # Seed 000's designs: three small offline images, one style.
    style_id = _first(api, tenant, "/v1/catalog/styles")
    design_body = {"user_id": USER, "style": style_id, "model_id": "local:sprig", "size": "256x256"}
    design_ids = [ok(api.post("/v1/designs", {**design_body, "prompt": f"roses no. {i}"}, key=app))["id"] for i in range(3)]
    return {
        "": {
            "feedback_id": feedback[0]["id"],
            "config_type": "behavior",
            "number": "1",
            "company_id": "co-x",
            "tenant_id": tenant.id,
            "kind": "styles",
            "item_id": _first(api, tenant, "/v1/catalog/styles"),
            "customer_id": "cust-1",
            "model_id": "local:sage",
            "category_key": "content_caption",
            "user_id": USER,
            "store_id": "store-1",
            "pattern_id": pattern["id"],
            "experiment_id": experiment["id"],
            "policy_id": _first(api, tenant, "/v1/governance/policies"),
            "violation_id": _first(api, tenant, "/v1/governance/violations"),
            "name": "welcome",
            "version": model["model_version"],
            "run_id": runs[0],
            "prediction_id": prediction_id,
            "deployment_id": deployments[0]["id"],
            "session_id": sessions[0],
            "example_id": _first(api, tenant, "/v1/training/examples"),
            "dataset_id": dataset["id"],
            "job_id": jobs[0]["id"],
            "asset": "app.js",
            "screen": "overview.js",
            "target_id": target["id"],
            "event_id": _first(api, tenant, "/v1/events"),
            "endpoint_id": endpoint_id,
            "delivery_id": _first(api, tenant, f"/v1/webhooks/endpoints/{endpoint_id}/deliveries"),
            "design_id": design_ids[0],
        },
        "/v1/registry/models/": {"name": model["model_name"]},
        "/v1/registry/pipelines/": {"name": "validate-inputs"},
    }


def _first(api: Api, tenant: Tenant, url: str) -> str:
    return str(ok(api.get(url, key=tenant.admin), 200)["items"][0]["id"])


def fill(template: str, values: dict[str, dict[str, str]]) -> str:
    chosen = dict(values[""])
    for prefix, overrides in values.items():
        if prefix and template.startswith(prefix):
            chosen.update(overrides)

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in chosen, f"{template}: seed a value for the path parameter {name}"
        return quote(chosen[name], safe="")

    return re.sub(r"{(\w+)}", value, template)


def with_query(url: str, template: str, **params: Any) -> str:
    parts = [QUERIES.get(template, ""), *(f"{k}={quote(str(v), safe='')}" for k, v in params.items() if v is not None)]
    query = "&".join(part for part in parts if part)
    return f"{url}?{query}" if query else url


def walk(api: Api, key: str, url: str, template: str) -> list[Any]:
    """Every item, one page of one item at a time, following next_cursor until it is null."""
    items: list[Any] = []
    cursor = None
    for _ in range(500):
        reply = api.get(with_query(url, template, limit=1, cursor=cursor), key=key)
        assert reply.status == 200, (template, reply.body)
        assert len(reply.body["items"]) <= 1, template
        items.extend(reply.body["items"])
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError(f"{template}: still a next_cursor after 500 pages")


def without_signatures(value: Any) -> Any:
    """Items with each presigned link (an image's `url`, `thumbnail_url`) cut to the object it names: its signature
    embeds the moment it was made, so two reads of the same item legitimately differ there and nowhere else."""
    if isinstance(value, dict):
        return {k: without_signatures(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_signatures(v) for v in value]
    if isinstance(value, str) and "X-Amz-Signature=" in value:
        return value.split("?", 1)[0]
    return value


def test_every_list_of_the_document_pages_without_duplicate_or_gap(api: Api) -> None:
    with clock.frozen(NOW):
        tenant = make_tenant(api, "Pager")
        values = seed(api, tenant)
        document = ok(api.get("/openapi.json"), 200)
        operations = {template: operation for template, methods in document["paths"].items() if (operation := methods.get("get"))}
        lists = {template for template, operation in operations.items() if operation.get("x-learnloop-list") is True}

        answering_items = set()
        for template, operation in operations.items():
            key = ROOT_KEY if operation.get("x-learnloop-role") == "root" else tenant.admin
            media = next(iter(operation["responses"]["200"].get("content", {})), "application/json")
            if media.startswith("image/"):  # a binary answer (a design's thumbnail), asked for as API Gateway requires
                raw = api.client.http.get(fill(template, values), headers={"Authorization": f"Bearer {key}", "Accept": media})
                assert raw.status_code == 200 and raw.headers["Content-Type"] == media, (template, raw.body[:200])
                continue
            reply = api.get(fill(template, values), key=key)
            assert reply.status == 200, (template, reply.body)
            if isinstance(reply.body, dict) and "items" in reply.body:
                answering_items.add(template)
        # Every operation answering items is a list of the document, and every list answers items.
        assert answering_items == lists, (sorted(answering_items - lists), sorted(lists - answering_items))

        walked = set()
        for template in sorted(lists):
            parameters = {p["name"]: p for p in operations[template].get("parameters", []) if p["in"] == "query"}
            assert parameters["limit"]["schema"] == {
                "default": 50,
                "maximum": 200,
                "minimum": 1,
                "title": "Limit",
                "type": "integer",
            }
            assert "cursor" in parameters, template
            url = fill(template, values)
            whole = api.get(with_query(url, template, limit=200), key=tenant.admin)
            assert whole.status == 200 and whole.body["next_cursor"] is None, (template, whole.body)
            paged = walk(api, tenant.admin, url, template)
            assert len(paged) >= 2, f"{template}: seed more, {len(paged)} item(s) do not page"
            assert without_signatures(paged) == without_signatures(whole.body["items"]), template
            for limit in (0, 201):
                refused = api.get(with_query(url, template, limit=limit), key=tenant.admin)
                assert refused.status == 422, (template, limit, refused.body)
                assert "query.limit" in {d["field"] for d in refused.body["error"]["details"]}, (template, refused.body)
            walked.add(template)
    assert walked == lists and len(lists) >= 28
