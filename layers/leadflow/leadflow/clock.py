"""Where leadflow reads the time. Production uses the system clock; tests and the local runtime swap in their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only an annotation here: importing the ports would load the models they name
    from leadflow.ports import Clock


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: tests fast-forward days with `advance`."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class _Current:
    """The clock services are built with; one per process, swapped by `use_clock`."""

    clock: Clock = SystemClock()


def current_clock() -> Clock:
    return _Current.clock


def use_clock(clock: Clock) -> None:
    """Make every service built from now on read `clock` (the local runtime's virtual clock, a test's FixedClock)."""
    _Current.clock = clock
