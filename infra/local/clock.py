"""The local runtime's clock: real time, optionally faster, and movable forward on demand (never backwards).

Everything that waits in the runtime (the scheduler, Step Functions Wait states) waits on this clock with
`sleep_until`, so moving the clock forward wakes it at once instead of after the real-time interval.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class VirtualClock:
    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._lock = threading.Lock()
        # Notified on every advance: sleepers recompute how long they still have to wait.
        self._advanced = threading.Condition(self._lock)
        self._speed = speed
        self._nudges = 0  # sleepers return early (False) when this changes
        self._anchor_virtual = start or datetime.now(UTC)
        self._anchor_real = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def _now_locked(self) -> datetime:
        elapsed = (time.monotonic() - self._anchor_real) * self._speed
        return self._anchor_virtual + timedelta(seconds=elapsed)

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._anchor_virtual += delta
            self._advanced.notify_all()
        return self.now()

    def nudge(self) -> None:
        """Wake every sleeper without moving the clock, so each re-checks its own stop condition (a stopped
        execution's Wait state ends at once instead of at its next poll)."""
        with self._lock:
            self._nudges += 1
            self._advanced.notify_all()

    def sleep_until(self, moment: datetime, timeout: float | None = None) -> bool:
        """Block until the clock reads `moment` or later (True), or until `timeout` real seconds pass (False).

        Wakes on `advance` and otherwise sleeps the real time the remaining virtual time takes at this speed, so a
        waiter costs nothing while it waits; `timeout` lets callers also check their own stop condition, and a
        `nudge` returns False at once so they check it now.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            nudges = self._nudges
            while True:
                remaining = (moment - self._now_locked()).total_seconds() / self._speed
                if remaining <= 0:
                    return True
                if self._nudges != nudges:
                    return False
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    remaining = min(remaining, left)
                self._advanced.wait(remaining)
