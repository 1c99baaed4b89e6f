"""`leadflow reports rebuild`: re-project every lead of the leads table (after a change to the reports' definitions,
or into a new table), and check a projection against one rebuilt from nothing.

In place, a rebuild re-projects each lead against its stored contribution, so the cells stay the sum of the stored
contributions while live events keep arriving; `fresh` clears the projection first (for a new table, or to repair
cells written by hand)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

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
    differences: list[str] = field(default_factory=list)


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


def differences(live: ReportProjection, leads: ListedLeads, scratch: ReportProjection, *, limit: int = 20) -> list[str]:
    """Where the live cells differ from cells rebuilt from nothing into `scratch` (empty when they agree)."""
    fresh = scratch
    rebuild(leads, fresh, fresh=True)
    expected, actual = _cells(fresh), _cells(live)
    found = []
    for cell in sorted(expected.keys() | actual.keys()):
        if expected.get(cell, {}) != actual.get(cell, {}):
            found.append(f"{'/'.join(cell)}: live {actual.get(cell, {})}, rebuilt {expected.get(cell, {})}")
    return found[:limit]


def _cells(projection: ReportProjection) -> dict[Cell, Counters]:
    return {cell: counters for cell, counters in projection.all_cells() if counters}
