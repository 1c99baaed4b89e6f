"""The reports: sums of projection cells over a range of capture days, grouped, with rates and percentiles. A report
reads the cells of one dimension for its days (at most 13 queries for a year), never a lead."""

from __future__ import annotations

from datetime import date
from typing import Literal

from leadflow.domain.report_figures import ROWS, dimension_for, sum_by_group, total_of
from leadflow.models.reports import TIME_GROUPS, Counters, DrillItem, DrillPage, Report, ReportQuery
from leadflow.ports.reports import CellRange, ReportProjection

ReportKind = Literal["funnel", "speed-to-lead", "sla"]
#: The counter a row must have to be shown in each report (a past owner's SLA turns alone make no funnel row).
_SHOWN_IF = {"funnel": ("leads",), "speed-to-lead": ("leads",), "sla": ("sla", "turns")}


def report(kind: ReportKind, query: ReportQuery, projection: ReportProjection) -> Report:  # type: ignore[type-arg]
    read = projection.cells(dimension_for(query.group_by), query.from_.isoformat(), query.to.isoformat())
    groups = sum_by_group(query.group_by, read.cells)
    shown = {group: counters for group, counters in groups.items() if _shown(kind, counters)}
    make_row = ROWS[kind]
    rows = [make_row(group, counters) for group, counters in _ordered(kind, query.group_by, shown)]
    return Report(
        from_=query.from_,
        to=query.to,
        group_by=query.group_by,
        rows=rows,
        total=make_row("total", total_of(groups)),
        items_read=read.items_read,
    )


def _shown(kind: ReportKind, counters: Counters) -> bool:
    return any(counters.get(name, 0) for name in _SHOWN_IF[kind])


def _ordered(kind: ReportKind, group_by: str, groups: dict[str, Counters]) -> list[tuple[str, Counters]]:
    if group_by in TIME_GROUPS:
        return sorted(groups.items())
    main = _SHOWN_IF[kind][0]
    return sorted(groups.items(), key=lambda item: (-item[1].get(main, 0), item[0]))


def drill_down(
    cells: CellRange, counter: str, projection: ReportProjection, *, limit: int, cursor: str | None
) -> DrillPage:
    """The leads behind one number of a report (a group's counter over a range of capture days)."""
    page = projection.members(cells, counter, limit=limit, cursor=cursor)
    return DrillPage(
        items=[DrillItem(lead_id=m.lead_id, day=date.fromisoformat(m.day)) for m in page.items],
        next_cursor=page.cursor,
    )
