"""Sticky assignment survives a restart of the local stack (SIGTERM, then a new start on the same data)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT_KEY, start_stack

pytestmark = pytest.mark.e2e


def test_assignments_survive_weight_changes_and_a_restart(tmp_path: Path) -> None:
    first = start_stack(tmp_path)
    try:
        created = first.call("POST", "/v1/tenants", key=ROOT_KEY, json={"name": "Resizer", "domain": "ab.example"}).json()
        admin = created["api_key"]["key"]
        app_key = first.call("POST", "/v1/api-keys", key=admin, json={"name": "backend", "role": "app"}).json()["key"]
        experiment = first.call(
            "POST",
            "/v1/experiments",
            key=admin,
            json={
                "name": "Resize prompts",
                "metric": "success",
                "auto_optimize": True,
                "min_exploration": 0.1,
                "variants": [
                    {"id": "original", "name": "Original", "prompt": "Resize to {size}", "is_control": True},
                    {"id": "enhanced", "name": "Enhanced v1", "prompt": "Resize to {size} with the golden ratio"},
                ],
            },
        )
        assert experiment.status_code == 201, experiment.text
        eid = experiment.json()["id"]
        users = [f"designer-{i}" for i in range(12)]
        before = {u: first.call("POST", f"/v1/experiments/{eid}/assign", key=app_key, json={"user_id": u}).json() for u in users}
        assert {a["variant_id"] for a in before.values()} == {"original", "enhanced"}
        moved = first.call("PATCH", f"/v1/experiments/{eid}", key=admin, json={"variants": [{"id": "enhanced", "weight": 0}]})
        assert moved.status_code == 200
    finally:
        code, output = first.stop(signal.SIGTERM)
    assert code == 0, output

    second = start_stack(tmp_path)
    try:
        after = {u: second.call("POST", f"/v1/experiments/{eid}/assign", key=app_key, json={"user_id": u}).json() for u in users}
        assert {u: (a["variant_id"], a["assigned_at"]) for u, a in after.items()} == {
            u: (a["variant_id"], a["assigned_at"]) for u, a in before.items()
        }
        assert second.call("POST", f"/v1/experiments/{eid}/assign", key=app_key, json={"user_id": "new"}).json()[
            "variant_id"
        ] == ("original")
        results = second.call("GET", f"/v1/experiments/{eid}/results", key=admin).json()
        assert sum(v["assignments"] for v in results["variants"]) == len(users) + 1
        assert results["srm"]["periods"] == 2
    finally:
        code, output = second.stop(signal.SIGTERM)
    assert code == 0, output
