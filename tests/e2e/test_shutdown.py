"""`make run` (python -m devstack) stops within 10 s of SIGTERM or Ctrl-C with slow requests in flight, and every write
it acknowledged is there when it starts again on the same data directory."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ROOT_KEY, LocalStack, start_stack

pytestmark = pytest.mark.e2e

SLOW = {"LEARNLOOP_LOCAL_LATENCY_SCALE": "300"}  # local:sage answers in 27 s and more: cut at the request's deadline


def new_tenant(stack: LocalStack, n: int) -> str:
    reply = stack.call("POST", "/v1/tenants", key=ROOT_KEY, json={"name": f"Shop {n}", "domain": f"shop-{n}.example"})
    assert reply.status_code == 201, reply.text
    return str(reply.json()["api_key"]["key"])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_stack_stops_within_ten_seconds_and_keeps_acknowledged_writes(tmp_path: Path, signum: int) -> None:
    stack = start_stack(tmp_path / "data", extra_env=SLOW)
    try:
        admin = new_tenant(stack, 0)
        app_key = stack.call("POST", "/v1/api-keys", key=admin, json={"name": "app", "role": "app"}).json()["key"]
        answers: list[int | str] = []

        def slow_generation(i: int) -> None:
            body = {"user_id": f"u{i}", "category_key": "content_caption", "prompt": "spring tulips", "model_id": "local:sage"}
            try:
                answers.append(stack.call("POST", "/v1/generations", key=app_key, json=body).status_code)
            except requests.RequestException as exc:
                answers.append(type(exc).__name__)

        acknowledged: list[str] = [admin]
        stop_writing = threading.Event()

        def keep_writing() -> None:
            n = 1
            while not stop_writing.is_set():
                try:
                    acknowledged.append(new_tenant(stack, n))
                except (requests.RequestException, AssertionError):
                    return  # refused or cut off: not acknowledged
                n += 1

        slow = [threading.Thread(target=slow_generation, args=(i,)) for i in range(4)]
        writer = threading.Thread(target=keep_writing)
        for thread in [*slow, writer]:
            thread.start()
        time.sleep(1.5)  # the generations are in flight, tenants being written
        began = time.monotonic()
        stack.process.send_signal(signum)
        try:
            stack.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 30 s after the signal:\n{stack.output.text()[-4000:]}")
        took = time.monotonic() - began
        stop_writing.set()
        for thread in [*slow, writer]:
            thread.join(timeout=30)
        output = stack.output.text(wait=10)
        assert took < 10, output
        assert stack.process.returncode == 0, output
        assert "Learnloop: stopped; data saved." in output
        assert len(acknowledged) > 1 and len(answers) == 4
    finally:
        if stack.process.poll() is None:
            stack.process.kill()

    again = start_stack(tmp_path / "data")
    try:
        for key in acknowledged:
            assert again.call("GET", "/v1/tenants/me", key=key).status_code == 200
    finally:
        # Only its data is under test here (the stop is, above): a restarted stack busy with its first scheduler
        # tick for every tenant has been seen to outlast the harness's 30 s on a loaded machine.
        again.process.kill()
        again.process.wait(timeout=30)
