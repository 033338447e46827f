"""OpenAI and every OpenAI-compatible endpoint (Anthropic's, Google's, vLLM, Ollama, Azure) through the openai SDK.

The SDK is imported here, when the first call is made, never at cold start. Each provider's
base URL, key, timeout and retries come from settings (`LEARNLOOP_PROVIDERS`); the SDK retries
429s, 5xxs and timeouts itself, and what still fails becomes a ProviderError so that the
generation moves on to its next candidate.
"""

from __future__ import annotations

import threading
from typing import Any

from ..core.settings import ProviderSettings
from .base import Completion, CompletionRequest, ProviderError, count_tokens

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
        try:
            if request.kind == "image":
                return self._image(request)
            return self._chat(request)
        except ProviderError:
            raise
        except Exception as exc:
            raise translate(exc) from exc

    def _chat(self, request: CompletionRequest) -> Completion:
        arguments: dict[str, Any] = {"model": request.model_name, "messages": request.messages}
        if request.max_tokens is not None:
            arguments["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        response = self.client().chat.completions.create(**arguments)
        if not response.choices:
            raise ProviderError("server_error", f"{self.name} answered without a choice")
        choice = response.choices[0]
        text = choice.message.content or ""
        usage = response.usage
        input_tokens = usage.prompt_tokens if usage else sum(count_tokens(m["content"]) for m in request.messages)
        output_tokens = usage.completion_tokens if usage else count_tokens(text)
        return Completion(output=text, input_tokens=input_tokens, output_tokens=output_tokens, finish_reason=choice.finish_reason)

    def _image(self, request: CompletionRequest) -> Completion:
        response = self.client().images.generate(model=request.model_name, prompt=request.prompt, n=1)
        image = response.data[0] if response.data else None
        if image is None:
            raise ProviderError("server_error", f"{self.name} answered without an image")
        location = image.url or (f"data:image/png;base64,{image.b64_json}" if image.b64_json else "")
        return Completion(output=location, input_tokens=count_tokens(request.prompt), output_tokens=0, finish_reason="stop")


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
        kind = "server_error" if exc.status_code >= 500 else "bad_request"
        return ProviderError(kind, f"the provider answered {exc.status_code}")
    return ProviderError("server_error", f"{type(exc).__name__}: {exc}")
