"""The local stack as a newcomer meets it: one command, real HTTP, data that survives a restart."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT_KEY, LocalStack, start_stack

pytestmark = pytest.mark.e2e


def onboard(stack: LocalStack, domain: str) -> dict[str, str]:
    created = stack.call("POST", "/v1/tenants", key=ROOT_KEY, json={"name": "Resizer", "domain": domain})
    assert created.status_code == 201, created.text
    admin = created.json()["api_key"]["key"]
    app_key = stack.call("POST", "/v1/api-keys", key=admin, json={"name": "backend", "role": "app"}).json()["key"]
    read_key = stack.call("POST", "/v1/api-keys", key=admin, json={"name": "dashboard", "role": "read"}).json()["key"]
    return {"admin": admin, "app": app_key, "read": read_key, "tenant": created.json()["tenant"]["id"]}


def test_health_and_unknown_routes(stack: LocalStack) -> None:
    health = stack.call("GET", "/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    missing = stack.call("GET", "/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = stack.call("DELETE", "/v1/sessions")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"


def test_the_ai_resize_loop_over_http(stack: LocalStack) -> None:
    """Seed 001: a resize session, the user's rating and corrections, read back."""
    keys = onboard(stack, "resize.example")
    session = stack.call(
        "POST",
        "/v1/sessions",
        key=keys["app"],
        json={
            "user_id": "designer-7",
            "project_id": "poster-1",
            "category_key": "ai_resize",
            "input": {"canvas": {"width": 1080, "height": 1080}},
            "target": {"width": 1080, "height": 1920},
            "output": {"canvas": {"width": 1080, "height": 1920}},
            "processing_time_ms": 3400,
            "features": {"objects": 9},
        },
    )
    assert session.status_code == 201
    session_id = session.json()["session_id"]
    feedback = stack.call(
        "POST",
        f"/v1/sessions/{session_id}/feedback",
        key=keys["app"],
        json={"user_id": "designer-7", "rating": 4, "helpful": True, "text": "close"},
    )
    assert feedback.status_code == 201
    assert feedback.json()["quality_score"] == 0.875
    patched = stack.call("PATCH", f"/v1/sessions/{session_id}", key=keys["app"], json={"manual_corrections": [{"moved": "logo"}]})
    assert patched.status_code == 200
    read = stack.call("GET", f"/v1/sessions/{session_id}", key=keys["read"]).json()
    assert read["feedback"][0]["rating"] == 4
    assert read["quality_score"] == pytest.approx(0.875 * 0.9)
    assert stack.call("GET", "/v1/sessions?user_id=designer-7", key=keys["read"]).json()["items"][0]["session_id"] == session_id
    assert stack.call("GET", "/openapi.json").json()["paths"]["/v1/sessions"]["post"]["x-learnloop-role"] == "app"


def test_concurrent_identical_posts_over_http_leave_one(stack: LocalStack) -> None:
    keys = onboard(stack, "burst.example")
    body = {"user_id": "u", "category_key": "ai_resize", "input": "x"}

    def send(_: int) -> tuple[int, str]:
        reply = stack.call("POST", "/v1/sessions", key=keys["app"], json=body, headers={"Idempotency-Key": "once"})
        return reply.status_code, reply.json().get("session_id")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, range(20)))
    assert {status for status, _ in results} == {201}
    assert len({sid for _, sid in results}) == 1
    assert len(stack.call("GET", "/v1/sessions", key=keys["read"]).json()["items"]) == 1


def test_isolation_and_roles_over_http(stack: LocalStack) -> None:
    mine, theirs = onboard(stack, "mine.example"), onboard(stack, "theirs.example")
    their_session = stack.call(
        "POST", "/v1/sessions", key=theirs["app"], json={"user_id": "u", "category_key": "c", "input": "secret"}
    ).json()["session_id"]
    assert stack.call("GET", f"/v1/sessions/{their_session}", key=mine["admin"]).status_code == 404
    assert (
        stack.call("POST", "/v1/sessions", key=mine["read"], json={"user_id": "u", "category_key": "c", "input": "x"}).status_code
        == 403
    )
    assert stack.call("GET", "/v1/tenants/me", key="ll.nope.nope.nope").status_code == 401


def test_data_and_root_key_survive_a_restart(tmp_path: Path) -> None:
    first = start_stack(tmp_path, root_key=None)
    root_key = (tmp_path / "root_key").read_text().strip()
    keys = onboard_with(first, root_key, "persist.example")
    session_id = first.call(
        "POST", "/v1/sessions", key=keys["app"], json={"user_id": "u", "category_key": "c", "input": "keep me"}
    ).json()["session_id"]
    code, output = first.stop(signal.SIGINT)
    assert code == 0, output
    assert "stopped; data saved" in output
    assert root_key in output  # printed at start, so a newcomer can use it

    second = start_stack(tmp_path, root_key=None)
    try:
        assert (tmp_path / "root_key").read_text().strip() == root_key
        again = second.call("GET", f"/v1/sessions/{session_id}", key=keys["read"])
        assert again.status_code == 200 and again.json()["input"] == "keep me"
        assert (
            second.call("POST", "/v1/tenants", key=root_key, json={"name": "x", "domain": "persist.example"}).status_code == 409
        )
    finally:
        code, output = second.stop(signal.SIGTERM)
    assert code == 0, output


def onboard_with(stack: LocalStack, root_key: str, domain: str) -> dict[str, str]:
    created = stack.call("POST", "/v1/tenants", key=root_key, json={"name": "P", "domain": domain}).json()
    admin = created["api_key"]["key"]
    app_key = stack.call("POST", "/v1/api-keys", key=admin, json={"name": "a", "role": "app"}).json()["key"]
    read_key = stack.call("POST", "/v1/api-keys", key=admin, json={"name": "r", "role": "read"}).json()["key"]
    return {"admin": admin, "app": app_key, "read": read_key}


def test_blobs_survive_a_restart(tmp_path: Path) -> None:
    """The local stack's S3 (datasets, exports) is kept under .data/ like the table."""
    import os
    import subprocess
    import sys

    first = start_stack(tmp_path)
    script = (
        "import os, sys; from chalicelib.core import blobs; "
        "print(blobs.get(sys.argv[1]).decode()) if len(sys.argv) > 2 else print(blobs.put(sys.argv[1], b'kept'))"
    )
    env = {
        **os.environ,
        "LEARNLOOP_S3_ENDPOINT": f"http://127.0.0.1:{_moto_port(first)}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    put = subprocess.run([sys.executable, "-c", script, "tenants/t/x.txt"], env=env, capture_output=True, text=True, check=True)
    assert put.stdout.strip() == "s3://learnloop-data/tenants/t/x.txt"
    code, output = first.stop()
    assert code == 0, output
    second = start_stack(tmp_path)
    try:
        env["LEARNLOOP_S3_ENDPOINT"] = f"http://127.0.0.1:{_moto_port(second)}"
        got = subprocess.run(
            [sys.executable, "-c", script, "tenants/t/x.txt", "get"], env=env, capture_output=True, text=True, check=True
        )
        assert got.stdout.strip() == "kept"
    finally:
        second.stop()


def _moto_port(stack: LocalStack) -> int:
    """The embedded AWS endpoint's port, from the file the stack writes at start."""
    for line in (stack.data_dir / "endpoint").read_text().splitlines():
        return int(line.rsplit(":", 1)[1])
    raise AssertionError("no endpoint file")
