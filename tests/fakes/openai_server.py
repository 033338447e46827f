"""A fake OpenAI-compatible server on 127.0.0.1, for exercising the real openai SDK over HTTP.

Chat completions answer deterministically with usage. A model's name scripts its behaviour:
`fail-429` and `fail-500` always fail so; `slow` answers after `slow_seconds`; `flaky-<n>`
fails with 500 its first n calls, then answers. Every request is kept in `requests`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    def __init__(self, slow_seconds: float = 2.0) -> None:
        self.slow_seconds = slow_seconds
        self.requests: list[dict[str, Any]] = []
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                model = payload.get("model", "")
                with fake._lock:
                    fake.requests.append({"path": self.path, "body": payload, "auth": self.headers.get("Authorization")})
                    fake.calls[model] += 1
                    calls = fake.calls[model]
                if model == "fail-429":
                    self._send(429, {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}})
                    return
                if model == "fail-500" or (model.startswith("flaky-") and calls <= int(model.split("-")[1])):
                    self._send(500, {"error": {"message": "The server had an error", "type": "server_error"}})
                    return
                if model == "slow":
                    time.sleep(fake.slow_seconds)
                if self.path.endswith("/chat/completions"):
                    prompt = " ".join(m.get("content", "") for m in payload.get("messages", []))
                    answer = f"[{model}] {prompt[:200]}"
                    self._send(
                        200,
                        {
                            "id": f"chatcmpl-{calls}",
                            "object": "chat.completion",
                            "created": 1_700_000_000,
                            "model": model,
                            "choices": [
                                {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}
                            ],
                            "usage": {
                                "prompt_tokens": len(prompt.split()) + 7,
                                "completion_tokens": len(answer.split()),
                                "total_tokens": len(prompt.split()) + 7 + len(answer.split()),
                            },
                        },
                    )
                    return
                if self.path.endswith("/images/generations"):
                    self._send(200, {"created": 1_700_000_000, "data": [{"url": f"https://images.example/{model}/{calls}.png"}]})
                    return
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

        return Handler
