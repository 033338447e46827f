"""Fixtures shared by every layer: a fake AWS account, the API through chalice.test.Client, tenants and keys."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.openapi_answers import Answers

ROOT_KEY = "test-root-key-0123456789"

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LEARNLOOP_ROOT_KEY": ROOT_KEY,
        "LEARNLOOP_TABLE_NAME": "learnloop-test",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "LEARNLOOP_LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("LEARNLOOP_DYNAMODB_ENDPOINT", None)
os.environ.pop("LEARNLOOP_S3_ENDPOINT", None)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error_code(self) -> str | None:
        return self.body.get("error", {}).get("code") if isinstance(self.body, dict) else None


_answers: list[Answers] = []  # the OpenAPI document, read once per process


class Api:
    """The API through chalice.test.Client, speaking JSON. Every answer is held to the OpenAPI document
    (tests/openapi_answers.py): an answer it does not declare fails the test."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def answers(self) -> Answers:
        if not _answers:
            response = self.client.http.get("/openapi.json")
            assert response.status_code == 200, response.body
            _answers.append(Answers(json.loads(response.body)))
        return _answers[0]

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw: bytes | str | None = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        body = raw if raw is not None else (json.dumps(json_body) if json_body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=sent, body=body)
        media = next((v for k, v in response.headers.items() if k.lower() == "content-type"), None)
        self.answers().check(method, path, response.status_code, media, response.body)
        text = response.body.decode() if isinstance(response.body, bytes) else response.body
        try:
            parsed = json.loads(text) if text else None
        except json.JSONDecodeError:
            parsed = text
        return Reply(response.status_code, parsed, {k.lower(): v for k, v in response.headers.items()})

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, json_body=body if body is not None else kw.pop("json_body", None), **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("PUT", path, json_body=body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.request("PATCH", path, json_body=body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, **kw)


@dataclass
class Tenant:
    id: str
    admin: str
    app: str
    read: str
    domain: str


@pytest.fixture
def aws() -> Iterator[None]:
    """A fresh, hardened moto account with the table created."""
    from moto import mock_aws

    from chalicelib.core import blobs
    from chalicelib.core.table import create_table, reset_binding
    from chalicelib.tenancy import platform, throttle
    from devstack import moto_fixes

    moto_fixes.harden()
    platform.forget()  # the platform settings and blocked addresses of a previous test's table
    throttle.forget()
    with mock_aws():
        reset_binding()
        create_table()
        blobs.forget_clients()
        blobs.ensure_bucket()
        yield
    reset_binding()
    blobs.forget_clients()


@pytest.fixture
def api(aws: None) -> Api:
    from chalice.test import Client

    import app

    client = Client(app.app, stage_name="dev", project_dir=os.path.dirname(os.path.dirname(__file__)))
    # chalice.test patches os.environ around every call with mock.patch.dict, whose exit clears and
    # refills the environment: racy when tests call from many threads. Apply the stage's variables
    # once instead, so that concurrent requests see a stable environment.
    for name, value in client._chalice_config.environment_variables.items():
        os.environ.setdefault(name, value)
    client.http._patched_env_vars = lambda _variables: contextlib.nullcontext()
    return Api(client)


_counter = {"n": 0}


def make_tenant(api: Api, name: str = "Acme") -> Tenant:
    _counter["n"] += 1
    domain = f"{name.lower().replace(' ', '-')}-{_counter['n']}.example"
    created = api.post("/v1/tenants", {"name": name, "domain": domain}, key=ROOT_KEY)
    assert created.status == 201, created.body
    admin = created.body["api_key"]["key"]
    keys = {}
    for role in ("app", "read"):
        reply = api.post("/v1/api-keys", {"name": f"{role} key", "role": role}, key=admin)
        assert reply.status == 201, reply.body
        keys[role] = reply.body["key"]
    return Tenant(created.body["tenant"]["id"], admin, keys["app"], keys["read"], domain)


@pytest.fixture
def tenant(api: Api) -> Tenant:
    return make_tenant(api, "Acme")


@pytest.fixture
def other_tenant(api: Api) -> Tenant:
    return make_tenant(api, "Globex")


os.environ.setdefault("LEARNLOOP_LOCAL_LATENCY_SCALE", "0")
os.environ.setdefault("LEARNLOOP_ROUTING_STATS_CACHE_SECONDS", "0")


@pytest.fixture
def fake_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fake OpenAI-compatible server on 127.0.0.1, configured as the `openai` provider."""
    from tests.fakes.openai_server import FakeOpenAI

    server = FakeOpenAI(slow_seconds=2.0).start()
    monkeypatch.setenv(
        "LEARNLOOP_PROVIDERS",
        json.dumps({"openai": {"base_url": server.base_url, "api_key": "sk-test", "timeout_seconds": 0.5, "max_retries": 0}}),
    )
    yield server
    server.stop()
