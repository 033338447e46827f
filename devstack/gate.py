"""Stopping the local API quickly without losing an acknowledged write.

On the way out the server stops accepting, waits a grace period for the requests in flight, then
closes its gate: an answer still to come is never sent (its client sees the connection close, not an
answer), so every answer that went out was sent before the data directory is saved.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class Gate:
    """Requests in flight and answers being sent; once closed, no answer goes out."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.closed = False
        self.in_flight = 0
        self.sending = 0

    def enter(self) -> bool:
        with self._cond:
            if self.closed:
                return False
            self.in_flight += 1
            return True

    def leave(self) -> None:
        with self._cond:
            self.in_flight -= 1
            self._cond.notify_all()

    def begin_send(self) -> bool:
        with self._cond:
            if self.closed:
                return False
            self.sending += 1
            return True

    def end_send(self) -> None:
        with self._cond:
            self.sending -= 1
            self._cond.notify_all()

    def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for the requests in flight; the number still running then."""
        ends = time.monotonic() + seconds
        with self._cond:
            while self.in_flight and time.monotonic() < ends:
                self._cond.wait(max(0.0, ends - time.monotonic()))
            return self.in_flight

    def close(self) -> None:
        """No answer goes out from now on; returns once the answers being sent are out."""
        with self._cond:
            self.closed = True
            while self.sending:
                self._cond.wait()


class GatedHandler:
    """Mixed into the request handler (before ChaliceRequestHandler): every request and answer passes the server's gate."""

    server: Any
    close_connection: bool
    wfile: Any

    def _generic_handle(self) -> None:
        gate: Gate = self.server.gate
        if not gate.enter():
            self.close_connection = True
            return
        try:
            super()._generic_handle()  # type: ignore[misc]
        finally:
            gate.leave()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _send_http_response(self, code: int, headers: Any, body: Any) -> None:
        gate: Gate = self.server.gate
        if not gate.begin_send():  # stopping: the data may be saved already, so this answer must not go out
            self.close_connection = True
            return
        try:
            if getattr(self.server, "stopping", False):  # no keep-alive while stopping
                headers = {**headers, "Connection": "close"}
                self.close_connection = True
            super()._send_http_response(code, headers, body)  # type: ignore[misc]
            self.wfile.flush()
        finally:
            gate.end_send()
