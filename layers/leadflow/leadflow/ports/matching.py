"""The match index: blocking keys to leads, and the possible duplicates found in the grey zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class IndexedRecord:
    """A lead's matching fields as the match index holds them, so candidates are scored without reading profiles."""

    lead_id: str
    record: dict[str, Any]


@dataclass(frozen=True)
class DuplicateLink:
    """A possible duplicate found in the grey zone, kept for a person to merge or dismiss."""

    lead_id: str
    other_id: str
    probability: float
    evidence: list[dict[str, Any]]
    found_at: datetime


@dataclass(frozen=True)
class DuplicatePage:
    """A page of the possible duplicates waiting for a decision, oldest first; `cursor` reads on (None: no more)."""

    links: list[DuplicateLink]
    cursor: str | None


MAX_DUPLICATE_PAGE = 100


class MatchIndex(Protocol):
    """Blocking keys → leads, so that finding candidates costs a few bounded queries whatever the table's size."""

    def candidates(self, keys: Sequence[str], per_key: int) -> list[IndexedRecord]:
        """The leads filed under any of `keys`, at most `per_key` per key, each lead once."""

    def file(self, lead_id: str, keys: Sequence[str], record: dict[str, Any], previous_keys: Sequence[str]) -> None:
        """File the lead under `keys` with its matching fields; remove it from previous keys no longer in `keys`."""

    def unfile(self, lead_id: str, keys: Sequence[str]) -> None: ...

    def link_possible_duplicate(self, link: DuplicateLink) -> None:
        """Record the link on both leads (idempotent)."""

    def possible_duplicates(self, lead_id: str) -> list[DuplicateLink]: ...

    def remove_possible_duplicate(self, lead_id: str, other_id: str) -> None: ...

    def pending_duplicates(self, limit: int, cursor: str | None) -> DuplicatePage:
        """Every pair still linked, each once, oldest first: at most `limit` (1..MAX_DUPLICATE_PAGE) from where
        `cursor` left off, in one bounded read. ValueError for a limit out of range or a cursor not handed out here."""
