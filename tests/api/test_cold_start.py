"""A cold interpreter: `import app` loads no route family, and the first request of each family answers correctly.

The app registers every route at import and imports a family's module (chalicelib/api/<family>.py) on the family's
first request (chalicelib/api/families.py). This runs in a fresh interpreter, as a cold Lambda does: `import app`,
a fake AWS account (moto), then one request of every family through Chalice's test client, each the first of its
family. Each answer is checked, and so is that the request loaded its own family and no other.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EMPTY = {"items": [], "next_cursor": None}


def _first_requests() -> list[dict[str, Any]]:
    """In the fresh interpreter: each family's first request, its answer and the families loaded around it."""
    import os

    import app
    import tests.conftest as shared  # the test environment (fake account, root key, log level)
    from chalicelib.api.families import OPERATIONS

    def loaded() -> list[str]:
        return [family for family in OPERATIONS if f"chalicelib.api.{family}" in sys.modules]

    from chalice.test import Client
    from moto import mock_aws

    from chalicelib.core import blobs
    from chalicelib.core.table import create_table, reset_binding
    from devstack import moto_fixes

    answers: list[dict[str, Any]] = [{"family": None, "loaded": loaded()}]
    moto_fixes.harden()
    with mock_aws():
        reset_binding()
        create_table()
        blobs.ensure_bucket()
        client = Client(app.app, stage_name="dev", project_dir=str(ROOT))
        for name, value in client._chalice_config.environment_variables.items():
            os.environ.setdefault(name, value)
        keys = {"root": shared.ROOT_KEY}

        def call(family: str, method: str, path: str, key: str | None = None, body: Any = None) -> Any:
            before = loaded()
            headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {keys[key]}"} if key else {})}
            sent = json.dumps(body) if body is not None else None
            response = getattr(client.http, method.lower())(path, headers=headers, body=sent)
            text = response.body.decode()
            media = {k.lower(): v for k, v in response.headers.items()}.get("content-type", "application/json")
            parsed = json.loads(text) if text and media.startswith("application/json") else text
            answers.append(
                {"family": family, "status": response.status_code, "body": parsed, "before": before, "after": loaded()}
            )
            return parsed

        made = call("tenants", "POST", "/v1/tenants", "root", {"name": "Cold", "domain": "cold.example"})
        keys["admin"] = made["api_key"]["key"]
        for role in ("app", "read"):
            keys[role] = client.http.post(
                "/v1/api-keys",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {keys['admin']}"},
                body=json.dumps({"name": role, "role": role}),
            ).json_body["key"]
        call("health", "GET", "/health")
        call("platform", "GET", "/v1/platform/settings", "root")
        session = {"user_id": "u1", "category_key": "content_caption", "model_id": "local:sage", "input": "Tulips"}
        call("sessions", "POST", "/v1/sessions", "app", session)
        call("scheduler", "GET", "/v1/scheduler/tasks", "admin")
        call("catalog", "GET", "/v1/models/local:sage", "read")
        call("prompts", "GET", "/v1/prompts", "read")
        caption = {"user_id": "u1", "category_key": "content_caption", "prompt": "Caption for our spring tulips"}
        call("generation", "POST", "/v1/generations", "app", caption)
        call("designs", "GET", "/v1/designs", "read")
        call("registry", "GET", "/v1/registry/models", "read")
        call("registry_operations", "GET", "/v1/registry/pipelines", "read")
        call("learning", "GET", "/v1/registry/predictions/prd_none/feedback", "read")
        call("governance", "GET", "/v1/governance/policies", "read")
        call("experiments", "GET", "/v1/experiments", "read")
        call("context", "GET", "/v1/contexts", "read")
        call("assortment", "GET", "/v1/catalog/products", "read")
        call("analytics", "GET", "/v1/analytics/users/u1/preferences", "read")
        call("training", "GET", "/v1/training/examples", "read")
        call("alerts", "GET", "/v1/targets", "read")
        call("webhooks", "GET", "/v1/webhooks/endpoints", "admin")
        call("ai_config", "GET", "/v1/config/behavior", "read")
        call("dashboard", "GET", "/dashboard")
        call("console", "GET", "/console")
        call("sdk_compat", "GET", "/openai/v1/models", "app")
        call("health", "GET", "/openapi.json")
    reset_binding()
    return answers


def test_each_familys_first_request_after_a_cold_import_answers_correctly() -> None:
    from chalicelib import __version__
    from chalicelib.api.families import OPERATIONS
    from chalicelib.scheduler.registry import all_tasks

    run = [
        sys.executable,
        "-c",
        "import json; from tests.api.test_cold_start import _first_requests as f; print(json.dumps(f()))",
    ]
    done = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    imported, *answers = json.loads(done.stdout.splitlines()[-1])
    assert imported["loaded"] == []  # `import app` loaded no family
    by_family: dict[str, dict[str, Any]] = {}
    for answer in answers:
        family = answer["family"]
        if family in by_family:
            continue  # /openapi.json, the second of health's: checked below
        by_family[family] = answer
        # The first request of a family loads that family's module, and no other's.
        assert family not in answer["before"], family
        assert answer["after"] == [f for f in OPERATIONS if f in [*answer["before"], family]], family
    assert set(by_family) == set(OPERATIONS)  # one request of every family

    def reply(family: str) -> tuple[int, Any]:
        return by_family[family]["status"], by_family[family]["body"]

    status, made = reply("tenants")
    assert status == 201 and (made["tenant"]["name"], made["tenant"]["domain"]) == ("Cold", "cold.example")
    assert (made["api_key"]["name"], made["api_key"]["role"]) == ("default admin key", "admin")
    assert reply("health") == (200, {"status": "ok", "version": __version__})
    assert reply("platform") == (
        200,
        {
            "default_requests_per_minute": None,
            "max_requests_per_minute": None,
            "allowed_providers": None,
            "prices": {},
            "auth_failures_per_minute": 60,
            "updated_at": None,
        },
    )
    status, created = reply("sessions")
    assert status == 201 and set(created) == {"id", "session_id", "created_at"}
    assert created["id"] == created["session_id"] and created["id"].startswith("ses_")
    status, tasks = reply("scheduler")
    assert status == 200 and [task["name"] for task in tasks["items"]] == [spec.name for spec in all_tasks()]
    status, model = reply("catalog")
    assert status == 200 and (model["model_id"], model["provider"]) == ("local:sage", "local")
    status, generated = reply("generation")
    assert status == 201 and (generated["model_id"], generated["selected_by"]) == ("local:sage", "auto")
    assert generated["output"].startswith("Caption spring tulips") and generated["cost_usd"] == 0.0
    for family in ("designs", "registry", "registry_operations", "governance", "experiments", "context", "assortment"):
        assert reply(family) == (200, EMPTY), family
    for family in ("training", "webhooks"):
        assert reply(family) == (200, EMPTY), family
    status, prompts = reply("prompts")  # the new tenant's seeded templates
    assert status == 200 and [p["name"] for p in prompts["items"]] == ["arrangement-modern", "bouquet-basic", "style-specific"]
    status, targets = reply("alerts")  # and its seeded alert targets
    assert status == 200 and [t["id"] for t in targets["items"]] == [
        "tgt_seed_ab_significance",
        "tgt_seed_feedback_rate",
        "tgt_seed_high_ratings",
        "tgt_seed_processing_time",
    ]
    assert reply("learning") == (404, {"error": {"code": "not_found", "message": "no prediction prd_none", "details": []}})
    status, preferences = reply("analytics")  # the session and the generation above, both local:sage's
    [preference] = preferences["items"]
    assert status == 200 and preferences["next_cursor"] is None
    assert {k: preference[k] for k in ("user_id", "category_key", "model_id", "total_uses", "likes", "total_ratings")} == {
        "user_id": "u1",
        "category_key": "content_caption",
        "model_id": "local:sage",
        "total_uses": 2,
        "likes": 0,
        "total_ratings": 0,
    }
    status, config = reply("ai_config")
    assert status == 200 and (config["config_type"], config["version"], config["comment"]) == ("behavior", 0, "defaults")
    assert config["config_data"] == {
        "feedback_processing": "automatic",
        "min_correction_confidence": 0.0,
        "ignore_low_impact": False,
        "retraining_days": 30,
    }
    for family, title in (("dashboard", "<title>Learnloop · dashboard</title>"), ("console", "<title>Learnloop console</title>")):
        status, page = reply(family)
        assert status == 200 and page.startswith("<!doctype html>") and title in page, family
    status, models = reply("sdk_compat")
    assert status == 200 and models["object"] == "list" and "local:sage" in [m["id"] for m in models["data"]]
    # /openapi.json, asked for last: every operation of the table, whichever families the requests loaded first.
    document = answers[-1]["body"]
    assert answers[-1]["status"] == 200
    operations = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    declared = [name for ops in OPERATIONS.values() for _, _, name in ops]
    assert sorted(operations) == sorted(declared) and len(operations) == len(declared)
    assert answers[-1]["after"] == list(OPERATIONS)  # the document loaded every family
