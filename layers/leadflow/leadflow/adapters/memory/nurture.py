"""In-memory twins of nurture's workflow engine and track counters."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any


class InMemoryWorkflows:
    """Remembers the executions started and stopped, by name; `running` are those started and not stopped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started: dict[str, dict[str, Any]] = {}
        self.stopped: dict[str, str] = {}

    def start(self, name: str, payload: Mapping[str, Any]) -> None:
        with self._lock:
            self.started.setdefault(name, dict(payload))

    def stop(self, name: str, cause: str) -> None:
        with self._lock:
            if name in self.started and name not in self.stopped:
                self.stopped[name] = cause

    @property
    def running(self) -> set[str]:
        with self._lock:
            return set(self.started) - set(self.stopped)


class InMemoryTrackCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, dict[str, int]] = {}
        self._seen: set[tuple[str, str]] = set()

    def count(self, track_id: str, event_id: str, names: Sequence[str], at: datetime) -> bool:
        with self._lock:
            if not names or (track_id, event_id) in self._seen:
                return False
            self._seen.add((track_id, event_id))
            counts = self._counts.setdefault(track_id, {})
            for name in set(names):
                counts[name] = counts.get(name, 0) + 1
            return True

    def counts(self, track_id: str) -> dict[str, int]:
        with self._lock:
            return dict(self._counts.get(track_id, {}))
