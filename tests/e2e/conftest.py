"""The real local stack (`python -m devstack`, what `make run` starts) in a subprocess, spoken to over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.openapi_answers import Answers

ROOT = Path(__file__).resolve().parents[2]
ROOT_KEY = "e2e-root-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Output:
    """Drains the stack's output as it comes: a pipe nobody reads fills up (64 KiB of access log) and blocks the stack."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._drain, args=(process,), daemon=True)
        self._thread.start()

    def _drain(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)

    def text(self, wait: float = 0) -> str:
        self._thread.join(wait)
        return "".join(self.lines)


_answers: list[Answers] = []  # the OpenAPI document, read once per process


@dataclass
class LocalStack:
    url: str
    process: subprocess.Popen[str]
    data_dir: Path
    port: int
    output: Output

    def call(
        self, method: str, path: str, *, key: str | None = None, json: Any = None, headers: dict[str, str] | None = None
    ) -> requests.Response:
        sent = dict(headers or {})
        if key:
            sent["Authorization"] = f"Bearer {key}"
        response = requests.request(method, self.url + path, json=json, headers=sent, timeout=30)
        self.answers().check(method, path, response.status_code, response.headers.get("Content-Type"), response.content)
        return response

    def answers(self) -> Answers:
        """Every answer `call` gets is held to the OpenAPI document (tests/openapi_answers.py)."""
        if not _answers:
            _answers.append(Answers(requests.get(self.url + "/openapi.json", timeout=30).json()))
        return _answers[0]

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(signum)
        self.process.wait(timeout=30)
        return self.process.returncode, self.output.text(wait=10)


def start_stack(
    data_dir: Path, port: int | None = None, root_key: str | None = ROOT_KEY, extra_env: dict[str, str] | None = None
) -> LocalStack:
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEARNLOOP_", "AWS_"))}
    env |= {"PORT": str(port), "LEARNLOOP_DATA_DIR": str(data_dir), "LEARNLOOP_SCHEDULER_TICK": "1", "PYTHONUNBUFFERED": "1"}
    env |= extra_env or {}
    if root_key:
        env["LEARNLOOP_ROOT_KEY"] = root_key
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack"], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    output = Output(process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the stack exited: {output.text(wait=10)}")
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                return LocalStack(url, process, data_dir, port, output)
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the stack did not answer /health within 60 s")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    running = start_stack(tmp_path_factory.mktemp("stack-data"))
    yield running
    if running.process.poll() is None:
        running.stop()
