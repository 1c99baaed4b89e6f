"""Keeps the local runtime's DynamoDB data across restarts: a snapshot plus an append-only journal of item writes.

Every write is appended (and flushed) before the request that made it answers, so a stopped or killed runtime
loses no accepted submission. Start-up replays snapshot then journal, then compacts both into a new snapshot.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Item = dict[str, Any]


def _key_id(table: str, key: Item) -> str:
    return json.dumps([table, key], sort_keys=True)


class Journal:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._snapshot = folder / "dynamodb-snapshot.json"
        self._journal = folder / "dynamodb-journal.jsonl"
        self._lock = threading.Lock()
        self._handle: Any = None

    def recorded_items(self) -> Iterator[tuple[str, Item]]:
        """Every item as last written, table by table; deleted items are left out."""
        state: dict[str, tuple[str, Item | None]] = {}
        if self._snapshot.exists():
            for table, items in json.loads(self._snapshot.read_text(encoding="utf-8")).items():
                for entry in items:
                    state[_key_id(table, entry["key"])] = (table, entry["item"])
        if self._journal.exists():
            with self._journal.open(encoding="utf-8") as lines:
                for line in lines:
                    if not line.strip():
                        continue
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        break  # a write cut short by a kill: everything before it is intact
                    state[_key_id(entry["table"], entry["key"])] = (entry["table"], entry["item"])
        for table, item in state.values():
            if item is not None:
                yield table, item

    def record(self, table: str, item: Item | None, key: Item) -> None:
        line = json.dumps({"table": table, "key": key, "item": item}, separators=(",", ":"))
        with self._lock:
            if self._handle is None:
                self._handle = self._journal.open("a", encoding="utf-8")
            self._handle.write(line + "\n")
            self._handle.flush()

    def compact(self, tables: dict[str, list[tuple[Item, Item]]]) -> None:
        """Write the current items as the snapshot (atomically) and start an empty journal."""
        document = {t: [{"key": k, "item": i} for k, i in items] for t, items in tables.items()}
        with self._lock:
            tmp = self._snapshot.with_suffix(".tmp")
            tmp.write_text(json.dumps(document), encoding="utf-8")
            os.replace(tmp, self._snapshot)
            if self._handle is not None:
                self._handle.close()
                self._handle = None
            self._journal.write_text("", encoding="utf-8")

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None
