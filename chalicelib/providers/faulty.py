"""A provider behind the injected failures of `LEARNLOOP_CHAOS` (core/faults.py draws them), for the local stack and
tests: each call may meet a 500, a timeout or a 429 before it reaches the provider."""

from __future__ import annotations

from typing import Any

from ..core import faults
from .base import ProviderError


class FaultyProvider:
    """A provider whose calls meet the injected failures before they reach it."""

    def __init__(self, inner: Any, injected: faults.Faults) -> None:
        self.inner = inner
        self.faults = injected

    def complete(self, request: Any) -> Any:
        self._fail_or_pass()
        return self.inner.complete(request)

    def generate(self, request: Any) -> Any:
        """An image provider's call (providers/images.py), behind the same failures as a text call."""
        self._fail_or_pass()
        return self.inner.generate(request)

    def _fail_or_pass(self) -> None:
        kind = self.faults.provider_fault()
        if kind == "server_error":
            raise ProviderError("server_error", "the provider answered 500 (injected)")
        if kind == "timeout":
            raise ProviderError("timeout", "the provider did not answer in time (injected)")
        if kind == "rate_limited":
            seconds = self.faults.spec.retry_after
            raise ProviderError("rate_limited", f"the provider is rate limiting (429, Retry-After: {seconds}) (injected)")


def wrap(provider: Any) -> Any:
    """`provider`, or it behind the injected failures when `LEARNLOOP_CHAOS` is set."""
    injected = faults.active()
    return provider if injected is None else FaultyProvider(provider, injected)
