"""The provider interface: a completion request in, a completion (text and usage) out, or a ProviderError."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

ErrorKind = Literal["rate_limited", "server_error", "timeout", "unavailable", "auth", "bad_request", "not_supported"]


@dataclass(frozen=True)
class CompletionRequest:
    model_id: str  # as in the catalog: "openai:gpt-4o-mini"
    messages: list[dict[str, Any]]
    max_tokens: int | None = None
    temperature: float | None = None
    kind: Literal["text", "image"] = "text"
    task: str | None = None  # the task category, for providers that use it (the offline models do)
    tenant_id: str | None = None
    # Chat completion parameters passed through to an OpenAI-compatible model (tools, response_format, stop...).
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def provider(self) -> str:
        return self.model_id.split(":", 1)[0]

    @property
    def model_name(self) -> str:
        """The provider's own name of the model ("gpt-4o-mini", "ft:gpt-4o-mini:org::abc")."""
        return self.model_id.split(":", 1)[1]

    @property
    def prompt(self) -> str:
        return "\n".join(m["content"] for m in self.messages if m.get("role") == "user")


@dataclass(frozen=True)
class Completion:
    output: str
    input_tokens: int
    output_tokens: int
    finish_reason: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class ProviderError(Exception):
    """A call that failed; `kind` says how (every kind moves the generation to the next candidate)."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class Provider(Protocol):
    def complete(self, request: CompletionRequest) -> Completion: ...


_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """An estimate of a text's tokens (words and punctuation, about 4 characters a token for long words)."""
    return sum(max(1, math.ceil(len(piece) / 4)) for piece in _TOKEN.findall(text))
