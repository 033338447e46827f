"""The local scheduler: every few seconds, run each enabled task whose period has passed, per tenant."""

from __future__ import annotations

import threading

from chalicelib.core.logging import get_logger
from chalicelib.scheduler import service


class LocalScheduler:
    def __init__(self, tick_seconds: float) -> None:
        self.tick_seconds = tick_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            try:
                counts = service.run_due()
                if counts["succeeded"] or counts["failed"]:
                    get_logger().info("scheduler tick", extra=counts)
            except Exception:  # noqa: BLE001 - the runner keeps going; each failure is logged
                get_logger().exception("scheduler tick failed")

    def stop(self, wait_seconds: float = 30.0) -> None:
        """No new tick; a run in progress is given `wait_seconds` (its outcome is recorded if it ends in time)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=wait_seconds)
