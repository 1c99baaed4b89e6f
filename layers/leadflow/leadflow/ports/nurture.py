"""What nurture needs outside the leads table: the workflow engine that runs one execution per enrolment, and the
per-track counters its A/B results are read from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol


class Workflows(Protocol):
    """Executions of one state machine, each named by the caller (a nurture enrolment's id)."""

    def start(self, name: str, payload: Mapping[str, Any]) -> None:
        """Start the execution `name` with `payload`, once: starting a name that was started before (a redelivered
        event, a retried step) starts nothing."""

    def stop(self, name: str, cause: str) -> None:
        """Stop the execution `name` if it is running (nothing when it ended or never started)."""


class TrackCounters(Protocol):
    """Counts per nurture track (enrolled, sent per step and variant, opened, clicked, became MQL, exited by
    reason), kept by events: each event counts once however often it is delivered."""

    def count(self, track_id: str, event_id: str, names: Sequence[str], at: datetime) -> bool:
        """Add 1 to each named count of the track, once per `event_id`; False (and no change) for an event counted
        before."""

    def counts(self, track_id: str) -> dict[str, int]:
        """Every count of the track, by name; empty for a track nothing happened in."""
