"""The table's items on disk: a snapshot plus a journal of what each save changed, so a save costs what changed.

Every write moto serves reports the item it touched (devstack/moto_index.py); a save takes those items'
current state under the backend's lock (a consistent cut, a few milliseconds for the writes of a few
seconds), then appends them outside the lock to `dynamodb.journal` as one group ended by a commit line. When
the journal has grown past the snapshot's size, the snapshot and the journal are merged into a new snapshot
(`dynamodb.json`, written to a temporary file and renamed) from the files alone, without the lock.

`dynamodb.json` is one header line `{"format": 2, "journal_seq": n}` then one line per item
(`<key>\\t<attributes>`); the journal holds lines `<key>\\t<attributes or null>` and `#commit\\t<seq>`.
A restore loads the snapshot, then every complete journal group newer than it; a group cut short by a
crash (no commit line) is ignored, so each restore is the state of one save. The first format (one JSON
document of every item) is still read.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import moto_fixes, moto_index

SNAPSHOT = "dynamodb.json"
JOURNAL = "dynamodb.journal"
_COMMIT = "#commit"


def _key(table_name: str, hash_value: Any, range_value: Any) -> str:
    return json.dumps([table_name, hash_value.to_json(), range_value.to_json() if range_value is not None else None])


class TableStore:
    """The dirty items since the last save, the journal's sequence, and the snapshot's size."""

    def __init__(self, data_dir: Path, backend: Any) -> None:
        self.data_dir = data_dir
        self.backend = backend
        self.dirty: set[tuple[str, Any, Any]] = set()
        self.seq = 0  # the last group appended to the journal
        self.snapshot_seq = 0  # the last group the snapshot includes
        self.snapshot_items = 0
        self.journal_lines = 0
        self._save_lock = threading.Lock()  # one save (or merge) at a time
        moto_index.observe(self._touched)

    def _touched(self, table: Any, hash_value: Any, range_value: Any) -> None:
        self.dirty.add((table.name, hash_value, range_value))

    # --- restore ------------------------------------------------------------------------------------------------

    def restore(self) -> int:
        """Load the snapshot and the journal's complete groups into the (already created) tables; the item count."""
        items: dict[str, str] = {}
        snapshot = self.data_dir / SNAPSHOT
        first_format = False
        if snapshot.exists():
            self.snapshot_seq = self._read_snapshot(snapshot, items)
            first_format = any(attrs == "" for attrs in items.values())
        self.seq = self.snapshot_seq
        journal = self.data_dir / JOURNAL
        if journal.exists():
            for seq, records in self._groups(journal):
                self.journal_lines += len(records)
                if seq > self.snapshot_seq:
                    _apply(items, records)
                    self.seq = seq
        self.snapshot_items = len(items)
        count = self._load(items)
        with moto_fixes.LOCK:
            self.dirty.clear()
        if first_format:  # rewritten at once in this format, whose journal keys name the items
            with self._save_lock:
                self._rewrite_from_tables()
        return count

    @staticmethod
    def _read_snapshot(path: Path, items: dict[str, str]) -> int:
        with path.open() as lines:
            header = json.loads(next(lines, "{}") or "{}")
            if header.get("format", 1) == 1:  # one document of every item
                for table_name, found in header.get("tables", {}).items():
                    for attrs in found:
                        items[json.dumps([table_name, attrs])] = ""  # keyed below, once the table's keys are known
                return 0
            for line in lines:
                key, _, attrs = line.rstrip("\n").partition("\t")
                items[key] = attrs
            return int(header.get("journal_seq", 0))

    @staticmethod
    def _groups(path: Path) -> Iterator[tuple[int, list[tuple[str, str]]]]:
        group: list[tuple[str, str]] = []
        with path.open() as lines:
            for line in lines:
                if not line.endswith("\n"):
                    return  # a line cut short: the save it belongs to never committed
                key, _, attrs = line.rstrip("\n").partition("\t")
                if key == _COMMIT:
                    yield int(attrs), group
                    group = []
                else:
                    group.append((key, attrs))

    def _load(self, items: dict[str, str]) -> int:
        """Put the items straight into moto's tables (they were valid when saved), then index each table once."""
        from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

        checked = LimitedSizeDict.__setitem__
        LimitedSizeDict.__setitem__ = dict.__setitem__  # type: ignore[method-assign]  # the size check is quadratic
        count = 0
        try:
            with moto_fixes.LOCK:
                for key, attrs_text in items.items():
                    if attrs_text == "":  # the first format: the key holds the table and the attributes
                        table_name, attrs = json.loads(key)
                    else:
                        table_name, attrs = json.loads(key)[0], json.loads(attrs_text)
                    table = self.backend.tables.get(table_name)
                    if table is None:
                        continue
                    hash_value = DynamoType(attrs[table.hash_key_attr])
                    if table.range_key_attr is None:
                        table.items[hash_value] = Item(hash_value, None, attrs)
                    else:
                        range_value = DynamoType(attrs[table.range_key_attr])
                        table.items[hash_value][range_value] = Item(hash_value, range_value, attrs)
                    count += 1
                for table in self.backend.tables.values():
                    moto_index.index_of(table)
        finally:
            LimitedSizeDict.__setitem__ = checked  # type: ignore[method-assign]
        return count

    # --- save ---------------------------------------------------------------------------------------------------

    def save(self) -> dict[str, Any] | None:
        """Append what changed since the last save as one journal group; None when nothing did."""
        with self._save_lock:
            began = time.perf_counter()
            with moto_fixes.LOCK:
                dirty, self.dirty = self.dirty, set()
                lines = [self._line(name, h, r) for name, h, r in dirty]
                cut = time.time()  # every write answered before this instant is in this save
            locked = time.perf_counter() - began
            written = [line for line in lines if line is not None]
            if not written:
                return None
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.seq += 1
            with (self.data_dir / JOURNAL).open("a") as journal:
                journal.write("".join(written) + f"{_COMMIT}\t{self.seq}\n")
            self.journal_lines += len(written)
            figures: dict[str, Any] = {"items": len(written), "lock_seconds": round(locked, 4), "at": cut}
            if self.journal_lines > max(20_000, self.snapshot_items):
                figures["merged_items"] = self._merge()
            figures["seconds"] = round(time.perf_counter() - began, 4)
            return figures

    def _line(self, table_name: str, hash_value: Any, range_value: Any) -> str | None:
        table = self.backend.tables.get(table_name)
        if table is None:
            return None
        try:
            item = table.get_item(hash_value, range_value)
        except Exception:  # noqa: BLE001 - a key moto would not store (it answered the write with an error)
            return None
        attrs = "null" if item is None else json.dumps(item.to_json()["Attributes"], separators=(",", ":"))
        return f"{_key(table_name, hash_value, range_value)}\t{attrs}\n"

    def _merge(self) -> int:
        """A new snapshot from the snapshot and the journal (files only, no lock), then an empty journal."""
        items: dict[str, str] = {}
        snapshot, journal = self.data_dir / SNAPSHOT, self.data_dir / JOURNAL
        if snapshot.exists():
            with snapshot.open() as lines:
                header = json.loads(next(lines, "{}") or "{}")
                if header.get("format", 1) == 1:
                    return self._rewrite_from_tables()
            self._read_snapshot(snapshot, items)
        last = self.snapshot_seq
        for seq, records in self._groups(journal):
            if seq > self.snapshot_seq:
                _apply(items, records)
                last = seq
        self._write_snapshot(items, last)
        return len(items)

    def _rewrite_from_tables(self) -> int:
        """The first format's snapshot is replaced once by the tables' items (under the lock: one full copy)."""
        with moto_fixes.LOCK:
            items = {}
            for table in self.backend.tables.values():
                for by_range in table.items.values():
                    for item in by_range.values() if table.range_key_attr else [by_range]:
                        key = _key(table.name, item.hash_key, item.range_key)
                        items[key] = json.dumps(item.to_json()["Attributes"], separators=(",", ":"))
            self.dirty.clear()
            last = self.seq
        self._write_snapshot(items, last)
        return len(items)

    def _write_snapshot(self, items: dict[str, str], seq: int) -> None:
        tmp = self.data_dir / f".{SNAPSHOT}.tmp"
        with tmp.open("w") as out:
            out.write(json.dumps({"format": 2, "journal_seq": seq}) + "\n")
            for key, attrs in items.items():
                out.write(f"{key}\t{attrs}\n")
        os.replace(tmp, self.data_dir / SNAPSHOT)  # a crash here keeps the journal, whose groups <= seq are skipped
        (self.data_dir / JOURNAL).write_text("")
        self.snapshot_seq, self.snapshot_items, self.journal_lines = seq, len(items), 0


def _apply(items: dict[str, str], records: list[tuple[str, str]]) -> None:
    for key, attrs in records:
        if attrs == "null":
            items.pop(key, None)
        else:
            items[key] = attrs
