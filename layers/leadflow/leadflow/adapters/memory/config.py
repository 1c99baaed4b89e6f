"""The in-memory twin of the config table's ConfigStore: versioned rule sets and counters."""

from __future__ import annotations

import json
from typing import Any

from leadflow.adapters import layout
from leadflow.adapters.memory.items import Items


class InMemoryConfigStore:
    def __init__(self) -> None:
        self._table = Items()

    def active(self, kind: str) -> tuple[int, dict[str, Any]] | None:
        with self._table.lock:
            item = self._table.get(layout.config_active_key(kind))
        if item is None:
            return None
        return int(item["version"]), json.loads(item["body"])

    def version(self, kind: str, version: int) -> dict[str, Any] | None:
        with self._table.lock:
            item = self._table.get(layout.config_version_key(kind, version))
        return None if item is None else dict(json.loads(item["body"]))

    def publish(self, kind: str, body: dict[str, Any]) -> int:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        with self._table.lock:
            active = self._table.get(layout.config_active_key(kind))
            version = (int(active["version"]) if active else 0) + 1
            for key in (layout.config_version_key(kind, version), layout.config_active_key(kind)):
                self._table.put({**key, "version": version, "body": text})
        return version

    def next_in_sequence(self, name: str) -> int:
        key = layout.sequence_key(name)
        with self._table.lock:
            item = self._table.get(key) or {**key, "n": 0}
            item["n"] += 1
            self._table.put(item)
        return int(item["n"])

    def increment_if_below(self, name: str, limit: int, *, expires_at: int | None = None) -> bool:
        key = layout.sequence_key(name)
        with self._table.lock:
            item = self._table.get(key) or {**key, "n": 0}
            if item["n"] >= limit:
                return False
            item["n"] += 1
            if expires_at is not None:
                item[layout.TTL_ATTRIBUTE] = expires_at
            self._table.put(item)
        return True

    def decrement(self, name: str) -> None:
        key = layout.sequence_key(name)
        with self._table.lock:
            item = self._table.get(key)
            if item is not None and item["n"] > 0:
                item["n"] -= 1
                self._table.put(item)

    def counter(self, name: str) -> int:
        with self._table.lock:
            item = self._table.get(layout.sequence_key(name))
        return int(item["n"]) if item else 0
