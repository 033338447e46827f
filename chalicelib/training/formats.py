"""The two dataset formats, one JSON object a line, and the check every line passes before it is written.

- `openai-chat-jsonl` (OpenAI's supervised fine-tuning format):
  `{"messages": [{"role": "system", ...}?, {"role": "user", ...}, {"role": "assistant", ...}]}`.
- `openai-preference-jsonl` (OpenAI's DPO format):
  `{"input": {"messages": [system?, user]}, "preferred_output": [{"role": "assistant", ...}],
  "non_preferred_output": [{"role": "assistant", ...}]}`.
"""

from __future__ import annotations

import json
from typing import Any

CHAT = "openai-chat-jsonl"
PREFERENCE = "openai-preference-jsonl"
FORMATS = (CHAT, PREFERENCE)


class InvalidLine(ValueError):
    """A line that does not follow its format."""


def prompt_messages(system: str | None, user: str) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system}] if system else []
    return [*messages, {"role": "user", "content": user}]


def chat_line(system: str | None, user: str, assistant: str) -> dict[str, Any]:
    return {"messages": [*prompt_messages(system, user), {"role": "assistant", "content": assistant}]}


def preference_line(system: str | None, user: str, preferred: str, non_preferred: str) -> dict[str, Any]:
    return {
        "input": {"messages": prompt_messages(system, user)},
        "preferred_output": [{"role": "assistant", "content": preferred}],
        "non_preferred_output": [{"role": "assistant", "content": non_preferred}],
    }


def validate(fmt: str, line: Any) -> None:
    """Raise InvalidLine unless `line` is one valid record of `fmt`."""
    if not isinstance(line, dict):
        raise InvalidLine("a line must be a JSON object")
    if fmt == CHAT:
        _check_keys(line, {"messages"}, set())
        _check_conversation(line["messages"], "messages", ends_with="assistant")
    elif fmt == PREFERENCE:
        _check_keys(line, {"input", "preferred_output", "non_preferred_output"}, set())
        if not isinstance(line["input"], dict):
            raise InvalidLine("input must be an object")
        _check_keys(line["input"], {"messages"}, {"tools", "parallel_tool_calls"})
        _check_conversation(line["input"]["messages"], "input.messages", ends_with="user")
        for name in ("preferred_output", "non_preferred_output"):
            _check_output(line[name], name)
        if line["preferred_output"] == line["non_preferred_output"]:
            raise InvalidLine("preferred_output and non_preferred_output must differ")
    else:
        raise InvalidLine(f"unknown format {fmt}")


def parse(fmt: str, text: str) -> dict[str, Any]:
    """One line of a file of `fmt`, parsed and checked."""
    try:
        line = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidLine(f"not JSON: {exc.msg}") from exc
    validate(fmt, line)
    return line


def dumps(line: dict[str, Any]) -> str:
    """The line as written: compact JSON, UTF-8 characters kept, no newline inside."""
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def user_text(fmt: str, line: dict[str, Any]) -> str:
    messages = line["messages"] if fmt == CHAT else line["input"]["messages"]
    return "\n".join(m["content"] for m in messages if m["role"] == "user")


def system_text(fmt: str, line: dict[str, Any]) -> str | None:
    messages = line["messages"] if fmt == CHAT else line["input"]["messages"]
    return next((m["content"] for m in messages if m["role"] == "system"), None)


def answer_text(fmt: str, line: dict[str, Any]) -> str:
    """What the line teaches to answer: the assistant's message, or the preferred output."""
    if fmt == CHAT:
        return str(line["messages"][-1]["content"])
    return str(line["preferred_output"][0]["content"])


def _check_keys(obj: dict[str, Any], required: set[str], optional: set[str]) -> None:
    missing = required - obj.keys()
    extra = obj.keys() - required - optional
    if missing:
        raise InvalidLine(f"missing {', '.join(sorted(missing))}")
    if extra:
        raise InvalidLine(f"unexpected {', '.join(sorted(extra))}")


def _check_message(message: Any, where: str) -> str:
    if not isinstance(message, dict):
        raise InvalidLine(f"{where} must be an object")
    _check_keys(message, {"role", "content"}, {"name", "weight"})
    role, content = message["role"], message["content"]
    if role not in ("system", "user", "assistant"):
        raise InvalidLine(f"{where}.role must be system, user or assistant")
    if not isinstance(content, str) or not content.strip():
        raise InvalidLine(f"{where}.content must be a non-empty string")
    return str(role)


def _check_conversation(messages: Any, where: str, *, ends_with: str) -> None:
    if not isinstance(messages, list) or not messages:
        raise InvalidLine(f"{where} must be a non-empty list")
    roles = [_check_message(m, f"{where}[{i}]") for i, m in enumerate(messages)]
    if "system" in roles[1:]:
        raise InvalidLine(f"{where}: a system message may only come first")
    turns = roles[1:] if roles[0] == "system" else roles
    if not turns or turns[0] != "user":
        raise InvalidLine(f"{where}: the conversation must start with a user message")
    if roles[-1] != ends_with:
        raise InvalidLine(f"{where} must end with the {ends_with}'s message")


def _check_output(output: Any, where: str) -> None:
    if not isinstance(output, list) or len(output) != 1:
        raise InvalidLine(f"{where} must hold exactly one message")
    if _check_message(output[0], f"{where}[0]") != "assistant":
        raise InvalidLine(f"{where}[0].role must be assistant")
