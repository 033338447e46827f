"""A webhook receiver on 127.0.0.1, as a tenant would write one: verifies each signature, dedupes by event id,
and answers 500 to the first `fail_first` attempts of each event (to see the retries)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalicelib.webhooks import signing


@dataclass
class Received:
    event_id: str
    delivery_id: str
    attempt: int
    signature_ok: bool
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class WebhookReceiver:
    secret: str = ""
    fail_first: int = 0  # answer 500 to this many attempts of each event before accepting it
    always_fail: bool = False
    received: list[Received] = field(default_factory=list)
    processed: dict[str, dict[str, Any]] = field(default_factory=dict)  # event id -> event, processed once
    duplicates: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.handle(self, raw)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/learnloop"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def handle(self, request: BaseHTTPRequestHandler, raw: bytes) -> None:
        ok = signing.verify(self.secret, request.headers.get(signing.HEADER, ""), raw, int(time.time()))
        body = json.loads(raw)
        event_id = request.headers.get("Learnloop-Event-Id", "")
        with self._lock:
            tries = sum(1 for r in self.received if r.event_id == event_id)
            status = 400 if not ok else 500 if self.always_fail or tries < self.fail_first else 200
            if status == 200:
                if event_id in self.processed:
                    self.duplicates += 1  # seen before: acknowledged, not processed again
                else:
                    self.processed[event_id] = body
            self.received.append(
                Received(
                    event_id,
                    request.headers.get("Learnloop-Delivery-Id", ""),
                    int(request.headers.get("Learnloop-Delivery-Attempt") or 0),
                    ok,
                    status,
                    body,
                    dict(request.headers.items()),
                )
            )
        request.send_response(status)
        request.send_header("Content-Length", "0")
        request.end_headers()
