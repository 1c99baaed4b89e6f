"""Rule sets kept in a warm function, so a lead's steps do not read the config table again on every use.

The active version of a kind is kept for `max_age` seconds of the process's monotonic time (never the business
clock: the local runtime and the tests move that by days), then read again; a publish made through the same store
forgets its kind at once, so the process that made a change sees it on its next read. Other processes see it within
`max_age` seconds. Published versions never change, so they are kept without expiry, the least recently used
dropped beyond `MAX_VERSIONS`.

Bodies are kept as the JSON text stored, and each reader gets a dict of its own (no reader can change another's).
Powertools' parameters utility caches the same way, but on the wall clock and with no way to forget one entry when
the store itself writes it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_VERSIONS = 64  # nurture enrolments follow the version they started with: a few per kind are in use at once

Stored = tuple[int, str] | None  # the active version's number and JSON text; None when none was ever published


@dataclass(frozen=True)
class _Kept:
    until: float
    stored: Stored


class RuleSetCache:
    def __init__(self, max_age: float, *, now: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._now = now
        self._lock = threading.Lock()
        self._active: dict[str, _Kept] = {}
        # Bumped by forget(): a read that began before a publish must not keep what it read after it.
        self._generations: dict[str, int] = {}
        self._versions: OrderedDict[tuple[str, int], str] = OrderedDict()

    def active(self, kind: str, read: Callable[[], Stored]) -> Stored:
        """The kept active version of `kind` while fresh; otherwise `read()`, kept for max_age seconds."""
        if self.max_age <= 0:
            return read()
        kept = self._active.get(kind)
        if kept is not None and self._now() < kept.until:
            return kept.stored
        generation = self._generations.get(kind, 0)
        started = self._now()
        stored = read()
        with self._lock:
            if self._generations.get(kind, 0) == generation:
                self._active[kind] = _Kept(started + self.max_age, stored)
        return stored

    def forget(self, kind: str) -> None:
        """The kind was just published: the next read of it goes to the table."""
        with self._lock:
            self._generations[kind] = self._generations.get(kind, 0) + 1
            self._active.pop(kind, None)

    def version(self, kind: str, number: int, read: Callable[[], str | None]) -> str | None:
        """A published version's JSON text; a version not (yet) published is read again next time."""
        key = (kind, number)
        with self._lock:
            text = self._versions.get(key)
            if text is not None:
                self._versions.move_to_end(key)
                return text
        text = read()
        if text is not None:
            with self._lock:
                self._versions[key] = text
                while len(self._versions) > MAX_VERSIONS:
                    self._versions.popitem(last=False)
        return text
