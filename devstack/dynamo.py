"""An embedded DynamoDB-compatible server (moto, hardened) whose contents survive restarts under `.data/`."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from . import moto_fixes

SNAPSHOT = "dynamodb.json"


class EmbeddedDynamo:
    """moto's server on 127.0.0.1, restored from and saved to `<data_dir>/dynamodb.json`."""

    def __init__(self, data_dir: Path, region: str, port: int = 0) -> None:
        self.data_dir = data_dir
        self.region = region
        self.port = port
        self._server: Any = None
        self._saved_at_writes = -1
        self._stop = threading.Event()
        self._saver: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def start(self) -> None:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto_fixes.harden()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def restore(self) -> int:
        """Load the last snapshot into the (already created) tables; returns the number of items."""
        path = self.data_dir / SNAPSHOT
        if not path.exists():
            return 0
        data = json.loads(path.read_text())
        backend = self._backend()
        count = 0
        with moto_fixes.LOCK:
            for table_name, items in data.get("tables", {}).items():
                if table_name not in backend.tables:
                    continue
                for attrs in items:
                    backend.put_item(table_name, attrs)
                    count += 1
        self._saved_at_writes = moto_fixes.writes_seen()
        return count

    def save(self) -> bool:
        """Write a consistent snapshot (taken under the backend lock) when anything changed."""
        if moto_fixes.writes_seen() == self._saved_at_writes:
            return False
        backend = self._backend()
        with moto_fixes.LOCK:
            seen = moto_fixes.writes_seen()
            tables = {name: [item.to_json()["Attributes"] for item in _items(table)] for name, table in backend.tables.items()}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.data_dir / f".{SNAPSHOT}.tmp"
        tmp.write_text(json.dumps({"format": 1, "tables": tables}, separators=(",", ":")))
        os.replace(tmp, self.data_dir / SNAPSHOT)
        self._saved_at_writes = seen
        return True

    def autosave(self, every_seconds: float) -> None:
        def loop() -> None:
            while not self._stop.wait(every_seconds):
                self.save()

        self._saver = threading.Thread(target=loop, name="dynamo-autosave", daemon=True)
        self._saver.start()

    def stop(self) -> None:
        self._stop.set()
        if self._saver is not None:
            self._saver.join(timeout=5)
        self.save()
        if self._server is not None:
            self._server.stop()

    def _backend(self) -> Any:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[DEFAULT_ACCOUNT_ID][self.region]


def _items(table: Any) -> list[Any]:
    if table.range_key_attr is None:
        return list(table.items.values())
    return [item for by_range in table.items.values() for item in by_range.values()]
