"""Where the report projections live: each lead's stored contribution (the version of the lead it was computed from,
and its counters per cell) and the cells' sums, which the reports read."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from leadflow.models.reports import Cell, Contribution, Counters

#: The version a forgotten lead's contribution is stored under: above any real version, so nothing re-adds it.
ERASED_VERSION = 2**53


@dataclass(frozen=True)
class StoredContribution:
    """What a lead adds to the cells, as last stored: `revision` counts the writes (each write is conditional on
    the one before), `lead_version` is the version of the lead it was computed from."""

    revision: int
    lead_version: int
    cells: Contribution = field(default_factory=dict)


@dataclass
class CellRead:
    """Cells of one dimension over a range of days, and how many stored items reading them took."""

    cells: list[tuple[Cell, Counters]]
    items_read: int


@dataclass(frozen=True)
class CellRange:
    """The cells of one value of a dimension over a range of capture days (ISO dates, both included)."""

    dimension: str
    value: str
    first_day: str
    last_day: str


@dataclass(frozen=True)
class Member:
    """A lead behind a cell: its capture day and id, and the counters it adds there."""

    day: str
    lead_id: str


@dataclass(frozen=True)
class MemberPage:
    items: list[Member]
    cursor: str | None  # opaque; None on the last page


@dataclass(frozen=True)
class ContributionChange:
    """A lead's contribution as read (`before`, None if never stored), as it must become, and the difference."""

    lead_id: str
    before: StoredContribution | None
    after: StoredContribution
    delta: Contribution


#: The most members one page holds.
MAX_MEMBERS_PAGE = 100


class ReportProjection(Protocol):
    def contribution(self, lead_id: str) -> StoredContribution | None:
        """The lead's stored contribution; None for a lead never projected."""

    def replace_many(self, changes: Sequence[ContributionChange]) -> list[str]:
        """Store each change's `after` as its lead's contribution and add the changes' deltas to the cells, only if
        each lead's stored contribution is still its `before` (the same revision). Written in as few all-or-nothing
        groups as the store allows, a cell shared by several leads once with their summed delta. The ids of the
        leads whose group was refused (another writer got there first) and left unchanged, to plan again."""

    def cells(self, dimension: str, first_day: str, last_day: str) -> CellRead:
        """The cells of `dimension` with a day in [first_day, last_day] (ISO dates), with their counters."""

    def members(self, cells: CellRange, counter: str, *, limit: int, cursor: str | None) -> MemberPage:
        """The leads that add `counter` to the cells (a drill-down), oldest capture day first; `cursor` is the
        previous page's. Raises ValueError for a cursor it did not make."""

    def all_cells(self) -> Iterator[tuple[Cell, Counters]]:
        """Every cell with a count (a rebuild's check reads them all)."""

    def lead_ids(self) -> Iterator[str]:
        """Every lead with a stored contribution, erased ones excepted (a rebuild retracts those it cannot find)."""

    def clear(self) -> None:
        """Delete every contribution and cell (a rebuild starts from nothing)."""
