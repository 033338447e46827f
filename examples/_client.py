"""The examples' HTTP client: the public API over `requests`, with a fresh tenant per run.

Every example takes `--url` and `--key` (or `LEARNLOOP_URL` / `LEARNLOOP_KEY`): the URL and the root key that
`make run` prints. It creates a tenant of its own, so an example can run again and again against one local stack.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Sequence
from typing import Any

import requests


class ApiError(RuntimeError):
    """An answer the example did not expect: its status and body, in the API's own words."""


class Client:
    """A key on a Learnloop deployment; `call` checks the status it expects and answers the JSON body."""

    def __init__(self, url: str, key: str, session: requests.Session | None = None) -> None:
        self.url = url.rstrip("/")
        self.key = key
        self.http = session or requests.Session()

    def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: dict[str, Any] | None = None,
        expect: int | Sequence[int] = (200, 201, 202, 204),
        headers: dict[str, str] | None = None,
    ) -> Any:
        answer = self.http.request(
            method,
            self.url + path,
            json=json,
            params=params,
            headers={"Authorization": f"Bearer {self.key}", **(headers or {})},
            timeout=60,
        )
        wanted = (expect,) if isinstance(expect, int) else tuple(expect)
        if answer.status_code not in wanted:
            raise ApiError(f"{method} {path} answered {answer.status_code}: {answer.text[:500]}")
        if answer.status_code == 204 or not answer.content:
            return None
        if answer.headers.get("Content-Type", "").startswith("application/json"):
            return answer.json()
        return answer.text

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, json=body if body is not None else {}, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> Any:
        return self.call("PUT", path, json=body, **kwargs)

    def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a list, following `next_cursor` page by page."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.get(path, limit=200, cursor=cursor, **params)
            found.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def run_task(self, name: str, wait_seconds: float = 60) -> dict[str, Any]:
        """Run a scheduled task now (admin) and answer its run; while the scheduler is running it (409 task_running),
        wait and ask again, so the run answered started after every write this client made before the call."""
        deadline = time.monotonic() + wait_seconds
        while True:
            answer = self.call("POST", f"/v1/scheduler/tasks/{name}/run", json={}, expect=(200, 409))
            if "status" in answer:  # a run; a 409 answers the error envelope alone
                if answer["status"] != "succeeded":
                    raise ApiError(f"task {name} {answer['status']}: {answer.get('error')}")
                return answer  # type: ignore[no-any-return]
            if answer["error"]["code"] != "task_running" or time.monotonic() > deadline:
                raise ApiError(f"POST /v1/scheduler/tasks/{name}/run answered 409: {answer['error']}")
            time.sleep(0.5)

    def with_key(self, key: str) -> Client:
        return Client(self.url, key, self.http)


def arguments(description: str, argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", default=os.environ.get("LEARNLOOP_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--key", default=os.environ.get("LEARNLOOP_KEY"), help="the root key `make run` prints")
    options = parser.parse_args(list(argv))
    if not options.key:
        parser.error("a root key is needed: --key or LEARNLOOP_KEY (make run prints it)")
    return options


def new_tenant(url: str, root_key: str, name: str) -> Client:
    """A tenant of its own for this run, answered as a client holding its admin key."""
    suffix = uuid.uuid4().hex[:8]
    root = Client(url, root_key)
    domain = f"{suffix}.{name.lower().replace(' ', '-')}.example"
    created = root.post("/v1/tenants", {"name": f"{name} {suffix}", "domain": domain})
    return root.with_key(created["api_key"]["key"])


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """Rows as an aligned plain-text table."""
    cells = [[str(c) for c in header], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
