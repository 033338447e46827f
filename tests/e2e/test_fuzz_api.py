"""Schema-driven fuzzing: schemathesis generates requests for every operation of the OpenAPI document and sends them
to the real local stack; every answer must be no 5xx, a documented status and content type, and valid against its
documented schema.

The document is the one `GET /openapi.json` serves (generated in-process from the same route declarations, and checked
equal to the served one), so every operation is a test of its own. The example budget per operation is
`LEARNLOOP_FUZZ_EXAMPLES` (5 in `make test`, 150 under `make fuzz`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import app  # noqa: F401 - registers every route, so the document below lists them all
from chalicelib.api.openapi import document

from .conftest import ROOT_KEY, LocalStack, start_stack

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("LEARNLOOP_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCHEMA = schemathesis.openapi.from_dict(document())
OPERATIONS = sorted(
    (operation["operationId"], method.upper(), path)
    for path, methods in document()["paths"].items()
    for method, operation in methods.items()
)


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    running = start_stack(tmp_path_factory.mktemp("fuzz-data"), extra_env={"LEARNLOOP_SCHEDULER_TICK": "3600"})
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture(scope="module")
def fuzz_keys(fuzz_stack: LocalStack) -> dict[str, str]:
    created = fuzz_stack.call("POST", "/v1/tenants", key=ROOT_KEY, json={"name": "Fuzz", "domain": "fuzz.example"})
    assert created.status_code == 201, created.text
    admin = created.json()["api_key"]["key"]
    # A rate limit high enough that the fuzzer's burst meets the validation under test, not the limiter.
    limits = {"requests_per_minute": 100000, "on_budget": "block"}
    assert fuzz_stack.call("PUT", "/v1/tenants/me/limits", key=admin, json=limits).status_code == 200
    return {"root": ROOT_KEY, "admin": admin}


def test_the_fuzzed_document_is_the_served_one(fuzz_stack: LocalStack) -> None:
    assert fuzz_stack.call("GET", "/openapi.json").json() == document()


@pytest.mark.parametrize(("operation_id", "method", "path"), OPERATIONS, ids=[f"{m} {p}" for _, m, p in OPERATIONS])
def test_every_operation_answers_as_documented(
    operation_id: str, method: str, path: str, fuzz_stack: LocalStack, fuzz_keys: dict[str, str]
) -> None:
    operation = SCHEMA.find_operation_by_id(operation_id)
    role = operation.definition.raw.get("x-learnloop-role")
    headers = {"Authorization": f"Bearer {fuzz_keys['root' if role == 'root' else 'admin']}"} if role else {}

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def check(case: Any) -> None:
        case.call_and_validate(base_url=fuzz_stack.url, headers=headers, checks=CHECKS, timeout=30)

    try:
        check()
    finally:
        if operation_id == "put_platform_settings":  # a fuzzed ceiling or default would limit the operations after it
            assert fuzz_stack.call("PUT", "/v1/platform/settings", key=ROOT_KEY, json={}).status_code == 200


def test_operations_chained_by_their_links_answer_as_documented(fuzz_stack: LocalStack, fuzz_keys: dict[str, str]) -> None:
    """Stateful: schemathesis infers links (a POST's `id` feeds the GET, PUT, PATCH and DELETE of its path) and runs
    sequences of calls, so operations on a path parameter meet real resources, not only 404s."""
    base = SCHEMA.as_state_machine()

    class Chained(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            role = case.operation.definition.raw.get("x-learnloop-role")
            key = fuzz_keys["root" if role == "root" else "admin"]
            return {"base_url": fuzz_stack.url, "headers": {"Authorization": f"Bearer {key}"} if role else {}, "timeout": 30}

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    links = [name for name in dir(base) if hasattr(getattr(base, name), "hypothesis_stateful_rule")]
    assert len(links) > 100, f"schemathesis found {len(links)} links between the operations"
    try:
        Chained.run(
            settings=settings(
                max_examples=max(EXAMPLES // 2, 2),
                stateful_step_count=6,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            )
        )
    finally:
        assert fuzz_stack.call("PUT", "/v1/platform/settings", key=ROOT_KEY, json={}).status_code == 200
