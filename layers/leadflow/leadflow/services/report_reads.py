"""The reports: sums of projection cells over a range of capture days, grouped, with rates and percentiles. A report
reads the cells of one dimension for its days (at most 13 queries for a year), never a lead."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel

from leadflow.domain.attribution import AttributionModel
from leadflow.domain.report_figures import ROWS, dimension_for, group_key, sum_by_group, total_of
from leadflow.domain.report_rows import attribution_row, cohort_row, spend_in_range, velocity_row
from leadflow.models.reports import TIME_GROUPS, Counters, DrillItem, DrillPage, Report, ReportQuery
from leadflow.models.spend import SpendRuleSet
from leadflow.ports.reports import CellRange, ReportProjection

ReportKind = Literal["funnel", "speed-to-lead", "sla", "cohorts", "attribution", "velocity"]
#: The counter a row must have to be shown in each report (a past owner's SLA turns alone make no funnel row).
_SHOWN_IF = {
    "funnel": ("leads",),
    "speed-to-lead": ("leads",),
    "sla": ("sla", "turns"),
    "cohorts": ("leads",),
    "velocity": ("leads",),
}
RowMaker = Callable[[str, Counters, date | None], BaseModel]


@dataclass(frozen=True)
class ReportOptions:
    """What some reports need besides their range: today (cohort maturity), the attribution model, the spend."""

    today: date | None = None
    model: AttributionModel = "linear"
    spend: SpendRuleSet | None = None


def report(
    kind: ReportKind, query: ReportQuery, projection: ReportProjection, options: ReportOptions | None = None
) -> Report:  # type: ignore[type-arg]
    options = options or ReportOptions()
    read = projection.cells(dimension_for(query.group_by), query.from_.isoformat(), query.to.isoformat())
    groups = sum_by_group(query.group_by, read.cells)
    last_days: dict[str, date] = {}
    for cell, counters in read.cells:
        if counters.get("leads"):
            key, day = group_key(query.group_by, cell), date.fromisoformat(cell.day)
            last_days[key] = max(day, last_days.get(key, day))
    shown_if = _SHOWN_IF.get(kind, (f"att:{options.model}:opp",))
    shown = {group: counters for group, counters in groups.items() if any(counters.get(n, 0) for n in shown_if)}
    make_row = _row_maker(kind, query, options)
    ordered = _ordered(query.group_by, shown, shown_if[0])
    return Report(
        from_=query.from_,
        to=query.to,
        group_by=query.group_by,
        rows=[make_row(group, counters, last_days.get(group)) for group, counters in ordered],
        total=make_row("total", total_of(groups), max(last_days.values(), default=None)),
        items_read=read.items_read,
    )


def _row_maker(kind: ReportKind, query: ReportQuery, options: ReportOptions) -> RowMaker:
    if kind == "cohorts":
        today = options.today or query.to
        return lambda group, counters, last: cohort_row(group, counters, last, today)
    if kind == "attribution":
        return lambda group, counters, _: attribution_row(group, counters, options.model)
    if kind == "velocity":
        spend = options.spend

        def velocity(group: str, counters: Counters, _: date | None) -> BaseModel:
            by_source = query.group_by == "source" and spend is not None
            cost = spend_in_range(spend, group, query.from_, query.to) if by_source and spend else None
            if group == "total" and by_source and spend is not None:
                costs = [spend_in_range(spend, source, query.from_, query.to) for source in spend.monthly]
                cost = round(sum(c for c in costs if c is not None), 2) if any(c is not None for c in costs) else None
            return velocity_row(group, counters, cost)

        return velocity
    make = ROWS[kind]
    return lambda group, counters, _: make(group, counters)


def _ordered(group_by: str, groups: dict[str, Counters], main: str) -> list[tuple[str, Counters]]:
    if group_by in TIME_GROUPS:
        return sorted(groups.items())
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
