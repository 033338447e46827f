"""`from learnloop.openai import OpenAI`: the openai client pointed at Learnloop's OpenAI-compatible routes.

`OpenAI(api_key=<app key>, base_url=<Learnloop API>, user_id=..., category=..., experiment=...)` is the unmodified
SDK's client with Learnloop's headers set on every call, and its own retries sending an Idempotency-Key (the same on
each retry of a call), so that a retried completion is recorded, and paid, once. `client.for_user(id)` is a copy for
another end user. The answer's `learnloop.session_id` (and the `Learnloop-Session-Id` header) names the session for
feedback.
"""

from __future__ import annotations

import os
from typing import Any

import openai as _openai

PATH = "/openai/v1"


def _headers(user_id: str | None, category: str | None, experiment: str | None) -> dict[str, str]:
    named = {"Learnloop-User-Id": user_id, "Learnloop-Category": category, "Learnloop-Experiment": experiment}
    return {k: v for k, v in named.items() if v}


def _base(base_url: Any) -> str:
    url = str(base_url or os.environ.get("LEARNLOOP_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    return url if url.endswith(PATH) else url + PATH


class OpenAI(_openai.OpenAI):
    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        user_id: str | None = None,
        category: str | None = None,
        experiment: str | None = None,
        default_headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        headers = {**_headers(user_id, category, experiment), **(default_headers or {})}
        super().__init__(
            api_key=api_key or os.environ.get("LEARNLOOP_API_KEY"),
            base_url=_base(base_url),
            default_headers=headers,
            **kwargs,
        )
        self._idempotency_header = "Idempotency-Key"  # the SDK makes one per call and sends it again on its retries

    def for_user(self, user_id: str, category: str | None = None) -> OpenAI:
        """A copy of this client for another end user (and category)."""
        return self.with_options(default_headers=_headers(user_id, category, None))
