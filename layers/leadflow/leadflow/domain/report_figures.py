"""Reports from projection cells: sum the cells of a range by group, then derive rates and percentiles.

Pure: no I/O. Cells come from the projection (live or rebuilt); the functions here never see a lead."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from leadflow.domain.latency_histogram import percentile
from leadflow.domain.report_cells import add_counts
from leadflow.models.reports import (
    TIME_GROUPS,
    Cell,
    Counters,
    FunnelRow,
    LatencyFigures,
    Rate,
    SlaRow,
    SpeedRow,
)


def dimension_for(group_by: str) -> str:
    """The dimension whose cells a grouping reads: a time grouping reads the `all` cells, one per day."""
    return "all" if group_by in TIME_GROUPS else group_by


def group_key(group_by: str, cell: Cell) -> str:
    if group_by == "day":
        return cell.day
    if group_by == "week":
        day = date.fromisoformat(cell.day)
        return (day - timedelta(days=day.weekday())).isoformat()
    if group_by == "month":
        return cell.day[:7]
    return cell.value


def sum_by_group(group_by: str, cells: Iterable[tuple[Cell, Counters]]) -> dict[str, Counters]:
    groups: dict[str, Counters] = defaultdict(dict)
    for cell, counters in cells:
        add_counts(groups[group_key(group_by, cell)], counters)
    return dict(groups)


def total_of(groups: dict[str, Counters]) -> Counters:
    total: Counters = {}
    for counters in groups.values():
        add_counts(total, counters)
    return total


def rate(numerator: int, denominator: int) -> Rate:
    return Rate(
        numerator=numerator,
        denominator=denominator,
        rate=round(numerator / denominator, 4) if denominator else None,
    )


def funnel_row(group: str, counters: Counters) -> FunnelRow:
    def count(name: str) -> int:
        return counters.get(name, 0)

    return FunnelRow(
        group=group,
        leads=count("leads"),
        mql=count("mql"),
        sal=count("sal"),
        sql=count("sql"),
        opportunity=count("opportunity"),
        customer=count("customer"),
        lost=count("lost"),
        won_amount=count("won_cents") / 100,
        disqualified=count("disqualified"),
        disqualified_by_reason={
            name.removeprefix("dq:"): n for name, n in sorted(counters.items()) if name.startswith("dq:") and n
        },
        conversion={
            "lead_to_mql": rate(count("mql"), count("leads")),
            "mql_to_sql": rate(count("sql"), count("mql")),
            "sql_to_opportunity": rate(count("opportunity"), count("sql")),
            "opportunity_to_won": rate(count("won"), count("opportunity")),
        },
    )


def histogram(counters: Counters, prefix: str) -> dict[int, int]:
    return {int(name.removeprefix(prefix)): n for name, n in counters.items() if name.startswith(prefix) and n > 0}


def latency(counters: Counters, prefix: str) -> LatencyFigures:
    buckets = histogram(counters, prefix)
    return LatencyFigures(
        count=sum(buckets.values()), p50_seconds=percentile(buckets, 0.5), p90_seconds=percentile(buckets, 0.9)
    )


def speed_row(group: str, counters: Counters) -> SpeedRow:
    return SpeedRow(
        group=group,
        capture_to_assigned=latency(counters, "s2a:"),
        capture_to_first_touch=latency(counters, "s2t:"),
    )


def sla_row(group: str, counters: Counters) -> SlaRow:
    def count(name: str) -> int:
        return counters.get(name, 0)

    return SlaRow(
        group=group,
        leads_with_sla=count("sla"),
        met_in_time=count("sla_met"),
        breached_leads=count("sla_breached"),
        turns=count("turns"),
        turns_missed=count("turns_missed"),
        compliance=rate(count("turns") - count("turns_missed"), count("turns")),
        breaches=count("breaches"),
        reassignments=count("reassigned"),
        escalations=count("escalated"),
    )


ROWS: dict[str, Callable[[str, Counters], FunnelRow | SpeedRow | SlaRow]] = {
    "funnel": funnel_row,
    "speed-to-lead": speed_row,
    "sla": sla_row,
}
