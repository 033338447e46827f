"""AI configuration: typed per type, each change a new active version, history, diff, rollback, optimistic concurrency."""

from __future__ import annotations

from tests.api.registry_helpers import EXPENSES, path, predict, register, truth
from tests.conftest import Api, Tenant

CATEGORIES = "/v1/config/categories"


def test_versions_history_diff_rollback_and_conflicts(api: Api, tenant: Tenant) -> None:
    assert api.get(CATEGORIES, key=tenant.read).status == 404  # none yet
    behavior = api.get("/v1/config/behavior", key=tenant.read).body  # the defaults are in force
    assert (behavior["version"], behavior["config_data"]["feedback_processing"]) == (0, "automatic")

    first = {"categories": [{"key": "travel", "name": "Travel"}, {"key": "meals", "name": "Meals"}]}
    one = api.put(CATEGORIES, {"config_data": first, "expected_version": 0}, key=tenant.admin)
    assert one.status == 200 and (one.body["version"], one.body["is_active"]) == (1, True), one.body
    second = {"categories": [{"key": "travel", "name": "Business travel"}, {"key": "software", "name": "Software"}]}
    two = api.put(CATEGORIES, {"config_data": second, "expected_version": 1, "comment": "renamed"}, key=tenant.admin)
    assert two.status == 200 and two.body["version"] == 2

    stale = api.put(CATEGORIES, {"config_data": first, "expected_version": 1}, key=tenant.admin)
    assert stale.status == 409 and stale.error_code == "version_conflict"
    invalid = api.put(CATEGORIES, {"config_data": {"categories": [{"key": "Bad Key", "name": "x"}]}}, key=tenant.admin)
    assert invalid.status == 422 and invalid.body["error"]["details"][0]["field"] == "body.config_data.categories.0.key"
    assert api.put("/v1/config/colours", {"config_data": {}}, key=tenant.admin).status == 404
    assert api.put(CATEGORIES, {"config_data": first}, key=tenant.read).status == 403

    diff = api.get(f"{CATEGORIES}/diff?from=1&to=2", key=tenant.read).body
    assert diff["changes"] == [
        {
            "path": "categories",
            "change": "changed",
            "before": [
                {"key": "travel", "name": "Travel", "description": None, "keywords": []},
                {"key": "meals", "name": "Meals", "description": None, "keywords": []},
            ],
            "after": [
                {"key": "travel", "name": "Business travel", "description": None, "keywords": []},
                {"key": "software", "name": "Software", "description": None, "keywords": []},
            ],
        }
    ]
    back = api.post(f"{CATEGORIES}/rollback", {"version": 1, "expected_version": 2}, key=tenant.admin)
    assert back.status == 201 and (back.body["version"], back.body["rolled_back_from"]) == (3, 1), back.body
    active = api.get(CATEGORIES, key=tenant.read).body
    assert (active["version"], active["config_data"]) == (3, one.body["config_data"])
    history = api.get(f"{CATEGORIES}/versions", key=tenant.read).body["items"]
    assert [(v["version"], v["is_active"]) for v in history] == [(3, True), (2, False), (1, False)]
    assert api.get(f"{CATEGORIES}/diff", key=tenant.read).body["changes"][0]["after"][1]["key"] == "meals"  # 2 -> 3


def test_the_active_configuration_is_read_where_it_applies(api: Api, tenant: Tenant) -> None:
    """Industry -> default categories; categories -> the classifiers' label set; prompts -> templates a generation names."""
    model = register(api, tenant)
    other = register(api, tenant, {**EXPENSES, "model_name": "vendor_matcher"})
    anomaly = register(api, tenant, {**EXPENSES, "model_name": "anomalies", "model_type": "anomaly_detection"})
    free = predict(api, tenant, model, "anything")  # no categories in force yet: any label
    assert (
        api.put("/v1/config/industry", {"config_data": {"industry": "accounting", "currency": "RWF"}}, key=tenant.admin).status
        == 200
    )
    seeded = api.get(CATEGORIES, key=tenant.read).body
    assert (seeded["version"], seeded["comment"]) == (0, "defaults of the accounting industry")
    assert [c["key"] for c in seeded["config_data"]["categories"]][:3] == ["office_supplies", "travel", "software"]
    refused = api.post(
        path(model, "/predictions"),
        {"prediction_type": "classification", "input_data": {}, "prediction": "gifts"},
        key=tenant.app,
    )
    assert refused.status == 422 and refused.body["error"]["details"][0]["field"] == "body.prediction"
    assert "version 0" in refused.body["error"]["details"][0]["message"]

    own = {
        "categories": [{"key": "travel", "name": "Travel"}, {"key": "meals", "name": "Meals"}],
        "model_names": ["expense_classifier"],
    }
    assert api.put(CATEGORIES, {"config_data": own}, key=tenant.admin).status == 200
    made = predict(api, tenant, model, "meals")
    assert api.patch(f"/v1/registry/predictions/{made}", {"actual_value": "office_supplies"}, key=tenant.app).status == 422
    assert truth(api, tenant, made, "travel")["is_correct"] is False
    wrong = api.post(
        f"/v1/registry/predictions/{made}/feedback",
        {"user_id": "bk", "feedback_type": "correction", "feedback_data": {"value": "gifts"}},
        key=tenant.app,
    )
    assert wrong.status == 422 and wrong.body["error"]["details"][0]["field"] == "body.feedback_data.value"
    predict(api, tenant, other, "gifts")  # not among model_names: its labels are its own
    predict(api, tenant, anomaly, True, prediction_type="anomaly")  # not a classification model
    assert api.get(f"/v1/registry/predictions/{free}", key=tenant.read).status == 200

    prompts = {"prompts": {"booking-note": {"template": "Explain why {vendor} books to {category}."}}}
    assert api.put("/v1/config/prompts", {"config_data": prompts}, key=tenant.admin).status == 200
    body = {"user_id": "bk", "category_key": "content_caption", "model_id": "local:sage", "prompt_name": "booking-note"}
    generated = api.post("/v1/generations", {**body, "variables": {"vendor": "Acme", "category": "travel"}}, key=tenant.app)
    assert generated.status == 201, generated.body
    session = api.get(f"/v1/sessions/{generated.body['session_id']}", key=tenant.read).body
    assert "Explain why Acme books to travel." in str(session["input"]) and session["prompt"]["name"] == "booking-note"
    assert session["prompt"]["config_version"] == 1
    missing = api.post("/v1/generations", {**body, "prompt_name": "nowhere"}, key=tenant.app)
    assert missing.status == 404
