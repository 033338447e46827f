"""The Python client (clients/python) without a stack: its retries against a scripted server, and its models against
the OpenAPI document the API serves."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))

import learnloop
from learnloop import models
from learnloop._transport import Transport


class Scripted:
    """Answers POSTs from a script of (status, headers, body, delay) and keeps each request's Idempotency-Key."""

    def __init__(self, script: list[tuple[int, dict[str, str], dict[str, Any], float]]) -> None:
        self.script = script
        self.keys: list[str | None] = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                scripted.keys.append(self.headers.get("Idempotency-Key"))
                status, headers, body, delay = scripted.script[min(len(scripted.keys), len(scripted.script)) - 1]
                time.sleep(delay)
                raw = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for name, value in {**headers, "Content-Type": "application/json"}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[Scripted] = []

    def start(script: list[tuple[int, dict[str, str], dict[str, Any], float]]) -> Scripted:
        servers.append(Scripted(script))
        return servers[-1]

    yield start
    for server in servers:
        server.server.shutdown()
        server.server.server_close()


BUSY = {"error": {"code": "storage_busy", "message": "storage is busy, retry shortly", "details": []}}
CREATED = {"id": "ses_1", "session_id": "ses_1", "created_at": "2026-01-01T00:00:00.000Z"}


def test_a_post_is_retried_on_429_503_and_timeouts_with_one_idempotency_key_honouring_retry_after(serve: Any) -> None:
    server = serve(
        [
            (429, {"Retry-After": "7"}, {"error": {"code": "rate_limited", "message": "slow down", "details": []}}, 0),
            (503, {}, BUSY, 0),
            (201, {}, CREATED, 1.0),  # answered after the client gave up: a timeout, retried
            (201, {}, CREATED, 0),
        ]
    )
    pauses: list[float] = []
    transport = Transport(server.url, "key", timeout=0.3, max_retries=3, backoff_seconds=0.1, sleep=pauses.append)
    client = learnloop.Learnloop("key", server.url)
    client.transport = transport
    created = client.create_session("u", "content_caption", "text")
    assert created.session_id == "ses_1" and transport.attempts == 4
    assert len(set(server.keys)) == 1 and server.keys[0] is not None and server.keys[0].startswith("ll-")
    assert pauses[0] == 7.0  # Retry-After honoured
    assert 0.05 <= pauses[1] <= 0.2 and 0.1 <= pauses[2] <= 0.4  # backoff with jitter, doubling


def test_retries_run_out_into_a_typed_error_carrying_the_envelope(serve: Any) -> None:
    server = serve([(503, {"Retry-After": "0"}, BUSY, 0)])
    client = learnloop.Learnloop("key", server.url, max_retries=2)
    with pytest.raises(learnloop.ServiceUnavailable) as busy:
        client.generate("u", "content_caption", prompt="hi", idempotency_key="mine")
    assert busy.value.status == 503 and busy.value.envelope == BUSY and busy.value.code == "storage_busy"
    assert server.keys == ["mine", "mine", "mine"]


def test_errors_that_a_retry_cannot_fix_are_raised_at_once(serve: Any) -> None:
    invalid = {"error": {"code": "validation_failed", "message": "bad", "details": [{"field": "body.rating"}]}}
    server = serve([(422, {}, invalid, 0)])
    client = learnloop.Learnloop("key", server.url)
    with pytest.raises(learnloop.ValidationFailed) as raised:
        client.feedback("ses_1", "u", rating=9)
    assert raised.value.details == [{"field": "body.rating"}] and len(server.keys) == 1


def test_the_client_models_match_the_openapi_document() -> None:
    import app  # noqa: F401 - registers every route
    from chalicelib.api.openapi import document

    schemas = document()["components"]["schemas"]
    for model, name in models.SCHEMAS.items():
        schema = schemas[name]
        for field_name, field in model.model_fields.items():
            key = field.alias or field_name
            assert key in schema["properties"], (model.__name__, key)
            if key in schema.get("required", []):
                assert field.is_required(), (model.__name__, key, "required in the document")
