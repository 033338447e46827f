"""The image providers' interface: an image request in, the images made (bytes, or a link to fetch at once) out.

An image provider answers what the model made, as bytes or as the provider's own (expiring) URL; the images
capability (chalicelib/images/storage.py) copies every one into S3 at once, so no provider URL is ever stored.
Failures are ProviderErrors, as for text, so a generation falls back across image models the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ..core import deadline
from ..core.errors import DeadlineExceeded
from ..core.settings import get_settings
from .base import ProviderError

RETRYABLE = frozenset({"rate_limited", "server_error", "timeout", "unavailable"})
T = TypeVar("T")


@dataclass(frozen=True)
class ImageRequest:
    model_id: str  # as in the catalog: "openai:dall-e-3"
    prompt: str
    size: str
    quality: str
    n: int = 1
    style: str | None = None
    negative_prompt: str | None = None
    response_format: str | None = None  # url | b64_json, where the model lets the caller choose
    api_model: str | None = None  # the provider's name when it differs from the catalog's (Stability's sd3-medium)

    @property
    def provider(self) -> str:
        return self.model_id.split(":", 1)[0]

    @property
    def model_name(self) -> str:
        return self.model_id.split(":", 1)[1]


@dataclass(frozen=True)
class ProducedImage:
    data: bytes | None = None
    url: str | None = None
    content_type: str = "image/png"
    revised_prompt: str | None = None


class ImageProvider(Protocol):
    def generate(self, request: ImageRequest) -> list[ProducedImage]: ...


def with_retries(tries: int, timeout_seconds: float, once: Callable[[float], T]) -> T:
    """`once(timeout)` tried up to `tries` times on errors a retry may fix, each try and pause inside the deadline."""
    for attempt in range(tries):
        try:
            timeout = deadline.timeout_for(timeout_seconds)
        except DeadlineExceeded as exc:
            raise ProviderError("timeout", f"no time left for the call ({exc.message})") from exc
        try:
            return once(timeout)
        except ProviderError as exc:
            pause = min(8.0, 0.5 * 2**attempt)
            left = deadline.left()
            out_of_time = left is not None and left - pause < get_settings().min_attempt_seconds
            if exc.kind not in RETRYABLE or attempt + 1 == tries or out_of_time:
                raise
            time.sleep(pause)
    raise AssertionError("unreachable: the last try raises or returns")
