"""A chat completion as server-sent events in OpenAI's chunk format (`stream: true`).

Chalice on API Gateway (REST) answers a request with one body, so the completion is made first and its events are
sent together in one `text/event-stream` answer, which the openai SDK reads as a stream: a first chunk with the role
(and Learnloop's facts), the content in pieces of a few words, the tool calls, the finish reason, the usage when
`stream_options.include_usage` asks for it, then `data: [DONE]`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .schemas import ChatCompletion

PIECE = re.compile(r"(?:\S+\s*){1,4}|\s+")


def events(completion: ChatCompletion, include_usage: bool) -> str:
    head = {"id": completion.id, "object": "chat.completion.chunk", "created": completion.created, "model": completion.model}
    choice = completion.choices[0]
    message = choice.message

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        return {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}

    chunks = [chunk({"role": "assistant", "content": ""}, learnloop=completion.learnloop.model_dump(mode="json"))]
    chunks += [chunk({"content": piece}) for piece in PIECE.findall(message.content or "")]
    if message.tool_calls:
        calls = [{"index": i, **call} for i, call in enumerate(message.tool_calls)]
        chunks.append(chunk({"tool_calls": calls}))
    chunks.append(chunk({}, choice.finish_reason))
    if include_usage:
        chunks.append({**head, "choices": [], "usage": completion.usage.model_dump(mode="json")})
    lines = [f"data: {json.dumps(c, separators=(',', ':'))}\n\n" for c in chunks]
    return "".join(lines) + "data: [DONE]\n\n"
