"""AI configuration: typed per type, each change a new active version, history, diff, rollback, optimistic concurrency."""

from __future__ import annotations

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
