"""The config table's two roles: versioned rule sets an operator publishes, and named counters the services keep."""

from __future__ import annotations

from typing import Any, Protocol


class RuleSets(Protocol):
    """Versioned documents (scoring, reps, routing, ...): publishing adds a version and makes it the active one."""

    def active(self, kind: str) -> tuple[int, dict[str, Any]] | None:
        """The active version number and body of a config document (scoring, reps, ...), if any."""

    def publish(self, kind: str, body: dict[str, Any]) -> int:
        """Store a new version and make it active; return its number."""

    def version(self, kind: str, version: int) -> dict[str, Any] | None:
        """The body of one published version (active or not), None if never published. Versions never change, so a
        reader may cache them: a running nurture enrolment follows the version it was enrolled with."""


class Counters(Protocol):
    """Named counters and cursors (round-robin positions, a rep's open leads and daily count), each changed in one
    conditional write so limits hold under concurrency."""

    def next_in_sequence(self, name: str) -> int:
        """Atomically increment and return a named counter (round-robin cursors); 1 on first use."""

    def increment_if_below(self, name: str, limit: int, *, expires_at: int | None = None) -> bool:
        """Add 1 to a named counter only while it is below `limit`, in one conditional write; False (and no change)
        when it is at or over the limit. Routing claims a rep's capacity with it, so limits hold under concurrency.
        `expires_at` (epoch seconds) lets the table's TTL delete a counter that has done its job (a day's count)."""

    def decrement(self, name: str) -> None:
        """Take 1 from a named counter, never below 0 (a lead left the rep, or a claim was not used)."""

    def counter(self, name: str) -> int:
        """A named counter's value; 0 when never used."""


class ConfigStore(RuleSets, Counters, Protocol):
    """Both roles, as the config table's adapter and its in-memory twin implement them."""
