"""OpenAI and every OpenAI-compatible endpoint (Anthropic's, Google's, vLLM, Ollama, Azure) through the openai SDK.

The SDK is imported here, when the first call is made, never at cold start. Each provider's
base URL, key, timeout and retries come from settings (`LEARNLOOP_PROVIDERS`). Retries of 429s,
5xxs and timeouts are ours, not the SDK's, so that they fit the deadline (core/deadline.py): each
try's timeout is the provider's or the time left, whichever is shorter, and no try (nor the pause
before it) starts without enough time left. What still fails becomes a ProviderError so that the
generation moves on to its next candidate.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ..core import deadline
from ..core.errors import DeadlineExceeded
from ..core.settings import ProviderSettings, get_settings
from .base import Completion, CompletionRequest, ErrorKind, ProviderError, count_tokens

RETRYABLE = frozenset({"rate_limited", "server_error", "timeout", "unavailable"})

_clients: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()


class OpenAICompatibleProvider:
    def __init__(self, name: str, settings: ProviderSettings) -> None:
        self.name = name
        self.settings = settings

    def client(self) -> Any:
        from openai import OpenAI

        key = (
            self.name,
            self.settings.base_url,
            self.settings.api_key.get_secret_value() if self.settings.api_key else None,
            self.settings.timeout_seconds,
            self.settings.max_retries,
        )
        with _lock:
            if key not in _clients:
                _clients[key] = OpenAI(
                    api_key=key[2] or "unused",
                    base_url=self.settings.base_url,
                    timeout=self.settings.timeout_seconds,
                    max_retries=self.settings.max_retries,
                )
            return _clients[key]

    def complete(self, request: CompletionRequest) -> Completion:
        """One call, retried `max_retries` times on errors a retry may fix, inside the current deadline."""
        tries = self.settings.max_retries + 1
        for attempt in range(tries):
            try:
                timeout = deadline.timeout_for(self.settings.timeout_seconds)
            except DeadlineExceeded as exc:
                raise ProviderError("timeout", f"no time left for the call ({exc.message})") from exc
            try:
                return self._once(request, timeout)
            except ProviderError as exc:
                pause = min(8.0, 0.5 * 2**attempt)
                left = deadline.left()
                out_of_time = left is not None and left - pause < get_settings().min_attempt_seconds
                if exc.kind not in RETRYABLE or attempt + 1 == tries or out_of_time:
                    raise
                time.sleep(pause)
        raise AssertionError("unreachable: the last try raises or returns")

    def _once(self, request: CompletionRequest, timeout: float) -> Completion:
        client = self.client().with_options(timeout=timeout, max_retries=0)
        try:
            if request.kind == "image":  # never a chat call whose text is recorded as the image
                raise ProviderError("not_supported", "images are made by the image providers (providers/images.py)")
            return self._chat(client, request)
        except ProviderError:
            raise
        except Exception as exc:
            raise translate(exc) from exc

    def _chat(self, client: Any, request: CompletionRequest) -> Completion:
        arguments: dict[str, Any] = {"model": request.model_name, "messages": request.messages}
        if request.max_tokens is not None:
            arguments["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        arguments.update(request.options)
        response = client.chat.completions.create(**arguments)
        if not response.choices:
            raise ProviderError("server_error", f"{self.name} answered without a choice")
        choice = response.choices[0]
        text = choice.message.content or ""
        usage = response.usage
        input_tokens = usage.prompt_tokens if usage else sum(count_tokens(m["content"]) for m in request.messages)
        output_tokens = usage.completion_tokens if usage else count_tokens(text)
        calls = choice.message.tool_calls
        if calls:  # a model calling the request's tools: its calls are the answer (and the session's output)
            output: Any = {"content": text or None, "tool_calls": [call.model_dump(mode="json") for call in calls]}
            return Completion(output, input_tokens, output_tokens, finish_reason=choice.finish_reason)
        return Completion(output=text, input_tokens=input_tokens, output_tokens=output_tokens, finish_reason=choice.finish_reason)


def translate(exc: BaseException) -> ProviderError:
    """The SDK's exceptions as ProviderErrors (kinds the generation and the logs understand)."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return ProviderError("timeout", "the provider did not answer in time")
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError("unavailable", "the provider could not be reached")
    if isinstance(exc, openai.RateLimitError):
        return ProviderError("rate_limited", "the provider is rate limiting (429)")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ProviderError("auth", f"the provider refused the credentials ({exc.status_code})")
    if isinstance(exc, openai.APIStatusError):
        kind: ErrorKind = "server_error" if exc.status_code >= 500 else "bad_request"
        return ProviderError(kind, f"the provider answered {exc.status_code}")
    # Anything else: our words, never the exception's text (it may echo a key, a URL or the prompt); it stays the cause.
    return ProviderError("server_error", "the call to the provider failed unexpectedly")
