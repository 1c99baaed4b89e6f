"""Keeps the local runtime's DynamoDB data and SQS messages across restarts: for each, a snapshot plus an
append-only journal of writes.

Every write is appended (and flushed) before the request that made it answers, so a stopped or killed runtime
loses no accepted submission and no dead letter. Start-up replays snapshot then journal, then compacts both into a
new snapshot.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Item = dict[str, Any]


def _key_id(table: str, key: Item) -> str:
    return json.dumps([table, key], sort_keys=True)


class _SnapshotAndLog:
    """One kind of state kept as a snapshot plus an append-only log of changes, each flushed as it is written."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._snapshot = folder / f"{name}-snapshot.json"
        self._journal = folder / f"{name}-journal.jsonl"
        self._lock = threading.Lock()
        self._handle: Any = None

    def _snapshot_document(self) -> Any:
        return json.loads(self._snapshot.read_text(encoding="utf-8")) if self._snapshot.exists() else None

    def _logged(self) -> Iterator[Item]:
        """The log's entries, oldest first, up to the first one a kill cut short (everything before it is intact)."""
        if not self._journal.exists():
            return
        with self._journal.open(encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                try:
                    entry: Item = json.loads(line)
                except json.JSONDecodeError:
                    break
                yield entry

    def _append(self, entry: Item) -> None:
        line = json.dumps(entry, separators=(",", ":"))
        with self._lock:
            if self._handle is None:
                self._handle = self._journal.open("a", encoding="utf-8")
            self._handle.write(line + "\n")
            self._handle.flush()

    def _replace_snapshot(self, document: Any) -> None:
        """Write the snapshot atomically and start an empty log."""
        with self._lock:
            tmp = self._snapshot.with_suffix(".tmp")
            tmp.write_text(json.dumps(document), encoding="utf-8")
            tmp.replace(self._snapshot)
            if self._handle is not None:
                self._handle.close()
                self._handle = None
            self._journal.write_text("", encoding="utf-8")

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


class Journal(_SnapshotAndLog):
    """DynamoDB items, by table and key."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, "dynamodb")

    def recorded_items(self) -> Iterator[tuple[str, Item]]:
        """Every item as last written, table by table; deleted items are left out."""
        state: dict[str, tuple[str, Item | None]] = {}
        for table, items in (self._snapshot_document() or {}).items():
            for entry in items:
                state[_key_id(table, entry["key"])] = (table, entry["item"])
        for entry in self._logged():
            state[_key_id(entry["table"], entry["key"])] = (entry["table"], entry["item"])
        for table, item in state.values():
            if item is not None:
                yield table, item

    def record(self, table: str, item: Item | None, key: Item) -> None:
        self._append({"table": table, "key": key, "item": item})

    def compact(self, tables: dict[str, list[tuple[Item, Item]]]) -> None:
        """Write the current items as the snapshot (atomically) and start an empty journal."""
        self._replace_snapshot({t: [{"key": k, "item": i} for k, i in items] for t, items in tables.items()})


class QueueJournal(_SnapshotAndLog):
    """Keeps the local runtime's SQS messages (the dead-letter queues above all) across restarts, as Journal keeps
    DynamoDB items: every message sent or deleted is appended (and flushed) at once, so a killed runtime keeps each
    failed run it had put in a dead-letter queue, and a redriven one does not come back.

    A message's id is moto's, which changes when a restart sends it again; the snapshot written at start-up and at a
    clean stop names the messages by their new ids."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, "sqs")

    def recorded_messages(self) -> list[tuple[str, str, Item]]:
        """(queue name, body, message attributes) of every message sent and not deleted, oldest first."""
        live: dict[str, tuple[str, str, Item]] = {}
        for entry in self._snapshot_document() or []:
            live[entry["id"]] = (entry["queue"], entry["body"], entry.get("attributes") or {})
        for entry in self._logged():
            if entry.get("deleted"):
                live.pop(entry["id"], None)
            else:
                live[entry["id"]] = (entry["queue"], entry["body"], entry.get("attributes") or {})
        return list(live.values())

    def sent(self, queue: str, message_id: str, body: str, attributes: Item) -> None:
        self._append({"queue": queue, "id": message_id, "body": body, "attributes": attributes})

    def deleted(self, queue: str, message_id: str) -> None:
        self._append({"queue": queue, "id": message_id, "deleted": True})

    def compact(self, messages: list[tuple[str, str, str, Item]]) -> None:
        """Write (queue, id, body, attributes) of every live message as the snapshot and start an empty journal."""
        self._replace_snapshot([{"queue": q, "id": i, "body": b, "attributes": a} for q, i, b, a in messages])
