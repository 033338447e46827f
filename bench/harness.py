"""What the benchmarks share: a hardened moto account, the app through chalice.test.Client, DynamoDB request counts."""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

ROOT_KEY = "bench-root-key-0123456789"


@contextlib.contextmanager
def local_account() -> Iterator[Any]:
    """Yield a chalice.test.Client over the app, backed by a fresh in-process moto account."""
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "LEARNLOOP_ROOT_KEY": ROOT_KEY,
            "LEARNLOOP_TABLE_NAME": "learnloop-bench",
            "LEARNLOOP_LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("LEARNLOOP_DYNAMODB_ENDPOINT", None)
    from chalice.test import Client
    from moto import mock_aws

    import app
    from chalicelib.core.table import create_table, reset_binding
    from devstack import moto_fixes

    moto_fixes.harden()
    with mock_aws():
        reset_binding()
        create_table()
        with Client(app.app) as client:
            yield client
    reset_binding()


class RequestCounter:
    """Counts DynamoDB API calls by operation, with a botocore event hook on the table's client."""

    def __init__(self) -> None:
        from chalicelib.core.table import connection

        self.calls: Counter[str] = Counter()
        connection().connection.client.meta.events.register("before-call.dynamodb", self._seen)

    def _seen(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    @contextlib.contextmanager
    def measure(self) -> Iterator[Counter[str]]:
        before = Counter(self.calls)
        delta: Counter[str] = Counter()
        yield delta
        delta.update(self.calls)
        delta.subtract(before)
        for name in [n for n, v in delta.items() if v == 0]:
            del delta[name]


def call(client: Any, method: str, path: str, key: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    sent = {"Content-Type": "application/json", "Authorization": f"Bearer {key}", **(headers or {})}
    response = getattr(client.http, method.lower())(path, headers=sent, body=json.dumps(body) if body is not None else None)
    return response.status_code, json.loads(response.body) if response.body else None
