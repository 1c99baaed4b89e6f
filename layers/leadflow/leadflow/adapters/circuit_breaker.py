"""A circuit breaker for calls to an outside service (the enrichment provider, Slack): when a dependency keeps failing,
stop calling it for a while instead of spending every request's time budget on it."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Literal

from leadflow.clock import SystemClock
from leadflow.ports import Clock

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Stops calls to a failing dependency: closed → open after `failure_threshold` consecutive failures → half-open
    once `reset_after_seconds` have passed, when exactly one trial call goes ahead: its success closes the breaker,
    its failure opens it for another period. Thread-safe; time comes from `clock`, so tests fast-forward it.

    State lives in the process: each Lambda execution environment has its own breaker, so an outage costs at most
    `failure_threshold` slow calls per environment per period, and no extra call to a shared store per lookup."""

    def __init__(self, failure_threshold: int = 5, reset_after_seconds: float = 60.0, *, clock: Clock | None = None):
        if failure_threshold < 1 or reset_after_seconds <= 0:
            raise ValueError("failure_threshold must be at least 1 and reset_after_seconds positive")
        self.failure_threshold = failure_threshold
        self.reset_after_seconds = reset_after_seconds
        self._clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: datetime | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    def acquire(self) -> bool:
        """Whether a call may go ahead now; a caller given True must report record_success or record_failure."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half_open" and not self._trial_in_flight:
                self._trial_in_flight = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_in_flight or self._failures >= self.failure_threshold:
                self._opened_at = self._clock.now()
            self._trial_in_flight = False

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if (self._clock.now() - self._opened_at).total_seconds() >= self.reset_after_seconds:
            return "half_open"
        return "open"


__all__ = ["BreakerState", "CircuitBreaker"]
