"""HTTP with retries: an Idempotency-Key made for every POST and sent again on its retries; backoff with jitter on 429,
503 and timeouts (and connection errors), honouring Retry-After."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests

from .errors import TransportError, error_for

RETRY_STATUSES = frozenset({429, 503})


class Transport:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 3,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 8.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.http = session or requests.Session()
        self.sleep = sleep
        self.attempts = 0  # every HTTP attempt made (retries included)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> requests.Response:
        sent = {"Authorization": f"Bearer {self.api_key}", **(headers or {})}
        if method.upper() == "POST":
            sent["Idempotency-Key"] = idempotency_key or f"ll-{uuid.uuid4().hex}"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            self.attempts += 1
            try:
                response = self.http.request(
                    method, self.base_url + path, json=json, params=query, headers=sent, timeout=self.timeout
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                if last:
                    raise TransportError(f"{method} {path}: {type(exc).__name__} after {attempt + 1} attempts") from exc
                self.sleep(self._pause(attempt, None))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                self.sleep(self._pause(attempt, response.headers.get("Retry-After")))
                continue
            if response.status_code >= 400:
                try:
                    envelope = response.json()
                except ValueError:
                    envelope = {"error": {"code": "error", "message": response.text[:500]}}
                raise error_for(response.status_code, envelope, response.headers.get("X-Request-Id"))
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _pause(self, attempt: int, retry_after: str | None) -> float:
        """Retry-After when the API says it (seconds), else exponential backoff with full jitter."""
        if retry_after is not None:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                pass
        ceiling = min(self.max_backoff_seconds, self.backoff_seconds * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)
