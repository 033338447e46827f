"""A chat completion's conversation inside the generation flow: the messages each model is sent, and the options it takes.

The OpenAI-compatible routes (chalicelib/sdk_compat) hand the generation a `Chat`: the request's messages and its
pass-through parameters. Each candidate model is sent the conversation, with an experiment variant's prompt as its
system message when the variant declares one, and only the parameters it supports: tools need the capability
`function_calling`, `response_format` needs `json_mode`; the offline models get the text of the messages and no options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..catalog.schemas import ModelPut

# Parameter -> the capability a model needs to be sent it (None: any OpenAI-compatible model takes it).
NEEDS: dict[str, str | None] = {
    "tools": "function_calling",
    "tool_choice": "function_calling",
    "parallel_tool_calls": "function_calling",
    "response_format": "json_mode",
    "stop": None,
    "top_p": None,
    "seed": None,
    "presence_penalty": None,
    "frequency_penalty": None,
    "logit_bias": None,
    "reasoning_effort": None,
}


@dataclass(frozen=True)
class Chat:
    messages: list[dict[str, Any]]
    options: dict[str, Any] = field(default_factory=dict)

    def messages_for(self, model: ModelPut, system: str | None) -> list[dict[str, Any]]:
        """The conversation for `model`: the variant's system prompt in place of the request's, and plain text for the
        offline models (which read text only)."""
        messages = list(self.messages)
        if system is not None:
            messages = [{"role": "system", "content": system}, *(m for m in messages if m.get("role") not in SYSTEM_ROLES)]
        if model.provider == "local":
            return [{"role": str(m.get("role")), "content": text_of(m.get("content"))} for m in messages]
        return messages

    def options_for(self, model: ModelPut) -> dict[str, Any]:
        """The parameters `model` is sent: those it supports (the offline models take none)."""
        if model.provider == "local":
            return {}
        return {k: v for k, v in self.options.items() if NEEDS.get(k) is None or NEEDS[k] in model.capabilities}

    def recorded(self) -> dict[str, Any]:
        """What the session keeps as its input: the whole conversation as the client sent it (tool calls, tool results)."""
        return {"messages": self.messages}

    def text(self) -> str:
        """The conversation's text, one message a line: what request-level routing reads."""
        return "\n".join(t for t in (text_of(m.get("content")) for m in self.messages) if t.strip())

    def ignored_by(self, model: ModelPut) -> list[str]:
        """The request's parameters `model` was not sent, by name."""
        sent = self.options_for(model)
        return sorted(k for k in self.options if k not in sent)


SYSTEM_ROLES = ("system", "developer")


def text_of(content: Any) -> str:
    """A message's content as text: a string as it is, the text parts of a list of parts, nothing for None."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return str(content)
