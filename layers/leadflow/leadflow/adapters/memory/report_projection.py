"""In-memory twin of the report projection (held to the DynamoDB adapter by the contract tests)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from leadflow.adapters.report_members import member_changes, read_cursor, write_cursor
from leadflow.domain.report_cells import add_counts
from leadflow.models.reports import Cell, Counters
from leadflow.ports.reports import (
    ERASED_VERSION,
    CellRange,
    CellRead,
    ContributionChange,
    Member,
    MemberPage,
    StoredContribution,
)


class InMemoryReportProjection:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._contributions: dict[str, StoredContribution] = {}
        self._cells: dict[Cell, Counters] = {}
        self._members: dict[tuple[str, str], dict[str, frozenset[str]]] = {}

    def contribution(self, lead_id: str) -> StoredContribution | None:
        with self._lock:
            return self._contributions.get(lead_id)

    def replace_many(self, changes: Sequence[ContributionChange]) -> list[str]:
        with self._lock:
            # One group, as DynamoDB's adapter writes a group: all of it or none.
            if not all(self._still_before(change) for change in changes):
                return [change.lead_id for change in changes]
            for change in changes:
                self._apply(change)
            return []

    def _still_before(self, change: ContributionChange) -> bool:
        stored = self._contributions.get(change.lead_id)
        return (stored.revision if stored else None) == (change.before.revision if change.before else None)

    def _apply(self, change: ContributionChange) -> None:
        self._contributions[change.lead_id] = change.after
        before_cells = change.before.cells if change.before else {}
        for cell, names in member_changes(before_cells, change.after.cells):
            members = self._members.setdefault((cell.dimension, cell.value), {})
            if names:
                members[f"{cell.day}#{change.lead_id}"] = names
            else:
                members.pop(f"{cell.day}#{change.lead_id}", None)
        for cell, counts in change.delta.items():
            add_counts(self._cells.setdefault(cell, {}), counts)

    def cells(self, dimension: str, first_day: str, last_day: str) -> CellRead:
        with self._lock:
            found = [
                (cell, {name: n for name, n in counters.items() if n})
                for cell, counters in sorted(self._cells.items())
                if cell.dimension == dimension and first_day <= cell.day <= last_day
            ]
        return CellRead(cells=[(cell, counters) for cell, counters in found if counters], items_read=len(found))

    def members(self, cells: CellRange, counter: str, *, limit: int, cursor: str | None) -> MemberPage:
        after = read_cursor(cursor) if cursor else ""
        with self._lock:
            entries = sorted(self._members.get((cells.dimension, cells.value), {}).items())
        in_range = [
            sort_key
            for sort_key, names in entries
            if f"{cells.first_day}#" <= sort_key <= f"{cells.last_day}#~" and sort_key > after and counter in names
        ]
        page = [Member(*sort_key.split("#", 1)) for sort_key in in_range[:limit]]
        more = len(in_range) > limit
        return MemberPage(items=page, cursor=write_cursor(in_range[limit - 1]) if more else None)

    def all_cells(self) -> Iterator[tuple[Cell, Counters]]:
        with self._lock:
            found = [(cell, {name: n for name, n in counters.items() if n}) for cell, counters in self._cells.items()]
        yield from ((cell, counters) for cell, counters in sorted(found) if counters)

    def lead_ids(self) -> Iterator[str]:
        with self._lock:
            ids = [lead_id for lead_id, stored in self._contributions.items() if stored.lead_version < ERASED_VERSION]
        yield from ids

    def clear(self) -> None:
        with self._lock:
            self._contributions.clear()
            self._cells.clear()
            self._members.clear()
