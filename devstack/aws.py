"""An embedded AWS (moto's server, hardened): DynamoDB and S3 on 127.0.0.1, their contents kept under `.data/`.

DynamoDB is saved as `.data/dynamodb.json` and `.data/dynamodb.journal` (devstack/journal.py: each save appends
the items changed since the last one, taken under the backend's lock so that each save is a consistent cut),
S3 as `.data/s3/<bucket>/<key>` files with `.data/s3/index.json`.
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from pathlib import Path
from typing import Any

from . import moto_fixes
from .journal import TableStore

S3_DIR = "s3"
# The last saves of the table (GET /_local/probes shows them; bench/local_stack.py reads them): items written,
# seconds the backend lock was held for their copy, seconds the whole save took (with a merge, its item count).
SAVES: deque[dict[str, float]] = deque(maxlen=50)


class EmbeddedAws:
    """moto's server on 127.0.0.1, restored from and saved to `<data_dir>`."""

    def __init__(self, data_dir: Path, region: str, port: int = 0) -> None:
        self.data_dir = data_dir
        self.region = region
        self.port = port
        self._server: Any = None
        self._store: TableStore | None = None
        self._saved_objects: tuple[tuple[str, str, str], ...] | None = None
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
        _cache_moto_modules()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def restore(self) -> int:
        """Load the snapshot and the journal into the (already created) tables; returns the number of items."""
        self._store = TableStore(self.data_dir, self._backend())
        return self._store.restore()

    def save(self) -> bool:
        """Write what changed: the table's changed items (devstack/journal.py), and the buckets."""
        saved_objects = self._save_objects()
        if self._store is None:
            return saved_objects
        figures = self._store.save()
        if figures is not None:
            SAVES.append(figures)
        return saved_objects or figures is not None

    def restore_objects(self, s3: Any) -> int:
        """Put the saved objects back into the (already created) buckets."""
        index_path = self.data_dir / S3_DIR / "index.json"
        if not index_path.exists():
            return 0
        count = 0
        for entry in json.loads(index_path.read_text()):
            path = self.data_dir / S3_DIR / entry["bucket"] / entry["key"]
            if path.exists():
                s3.put_object(
                    Bucket=entry["bucket"],
                    Key=entry["key"],
                    Body=path.read_bytes(),
                    ContentType=entry.get("content_type") or "application/octet-stream",
                )
                count += 1
        self._saved_objects = self._object_signature()
        return count

    def _object_signature(self) -> tuple[tuple[str, str, str], ...]:
        return tuple(sorted((bucket, key, obj.etag) for bucket, key, obj in self._objects()))

    def _objects(self) -> list[tuple[str, str, Any]]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        found = []
        for name, bucket in list(backend.buckets.items()):
            for key in list(bucket.keys.keys()):
                obj = bucket.keys.get(key)
                if obj is not None and hasattr(obj, "value"):
                    found.append((name, key, obj))
        return found

    def _save_objects(self) -> bool:
        signature = self._object_signature()
        if signature == self._saved_objects:
            return False
        root = self.data_dir / S3_DIR
        index = []
        for bucket, key, obj in self._objects():
            path = root / bucket / key
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(obj.value)
            os.replace(tmp, path)
            index.append({"bucket": bucket, "key": key, "content_type": obj.metadata.get("Content-Type")})
        root.mkdir(parents=True, exist_ok=True)
        (root / "index.json").write_text(json.dumps(index))
        self._saved_objects = signature
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


def _cache_moto_modules() -> None:
    """moto's server lists its package directory (and stats each entry) to route every request; the list is fixed."""
    import functools

    from moto import backends

    listed = backends.list_of_moto_modules
    if not hasattr(listed, "cache_info"):
        backends.list_of_moto_modules = functools.cache(lambda: tuple(listed()))
