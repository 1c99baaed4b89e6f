"""`leadflow reports rebuild`: re-project every lead of the leads table (after a change to the reports' definitions,
or into a new table), and check a projection against one rebuilt from nothing.

In place, a rebuild re-projects each lead against its stored contribution, so the cells stay the sum of the stored
contributions while live events keep arriving; `fresh` clears the projection first (for a new table, or to repair
cells written by hand). A check sums every lead's contribution and compares it with the live cells, writing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from leadflow.domain.report_cells import add_counts, contribution
from leadflow.models.reports import Cell, Counters
from leadflow.ports.leads import Page
from leadflow.ports.reports import ReportProjection
from leadflow.services.reports import LeadsWithHistory, ReportDeps, project_lead

_PAGE = 100


class ListedLeads(LeadsWithHistory, Protocol):
    def list_leads(self, *, limit: int = 50, cursor: str | None = None) -> Page: ...


@dataclass
class RebuildResult:
    leads: int = 0
    changed: int = 0
    forgotten: int = 0


def every_lead_id(leads: ListedLeads) -> Iterator[str]:
    cursor: str | None = None
    while True:
        page = leads.list_leads(limit=_PAGE, cursor=cursor)
        yield from (lead.lead_id for lead in page.items)
        if page.cursor is None:
            return
        cursor = page.cursor


def rebuild(leads: ListedLeads, projection: ReportProjection, *, fresh: bool = False) -> RebuildResult:
    """Re-project every stored lead; a contribution whose lead is gone (erased without its event) is retracted."""
    if fresh:
        projection.clear()
    deps = ReportDeps(leads=leads, projection=projection)
    result = RebuildResult()
    seen: set[str] = set()
    for lead_id in every_lead_id(leads):
        seen.add(lead_id)
        result.leads += 1
        result.changed += project_lead(lead_id, deps)
    for lead_id in list(projection.lead_ids()):
        if lead_id not in seen and leads.get_lead(lead_id) is None:
            result.forgotten += project_lead(lead_id, deps, erased=True)
    return result


@dataclass
class Check:
    """A check: the leads read, and where the live cells differ from their contributions' sums (empty: they agree)."""

    leads: int
    differences: list[str]


def expected_cells(leads: ListedLeads) -> tuple[int, dict[Cell, Counters]]:
    """The cells a projection rebuilt from nothing would hold: every stored lead's contribution, summed (nothing is
    written). With how many leads were read."""
    sums: dict[Cell, Counters] = {}
    read = 0
    for lead_id in every_lead_id(leads):
        read += 1
        for cell, counters in contribution(leads.get_lead(lead_id), leads.history(lead_id)).items():
            add_counts(sums.setdefault(cell, {}), counters)
    return read, {
        cell: nonzero for cell, counters in sums.items() if (nonzero := {k: n for k, n in counters.items() if n})
    }


def check(live: ReportProjection, leads: ListedLeads, *, limit: int = 20) -> Check:
    """Compare the live cells with the leads' contributions, changing nothing."""
    read, expected = expected_cells(leads)
    actual = {cell: counters for cell, counters in live.all_cells() if counters}
    found = [
        f"{'/'.join(cell)}: live {actual.get(cell, {})}, rebuilt {expected.get(cell, {})}"
        for cell in sorted(expected.keys() | actual.keys())
        if expected.get(cell, {}) != actual.get(cell, {})
    ]
    return Check(leads=read, differences=found[:limit])
