"""Reading the reports: grouped sums and rates, the leads behind a number, headline numbers against their targets, and
reads bounded by days and groups, however many leads there are."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from leadflow.adapters.memory import (
    InMemoryConfigStore,
    InMemoryLeadStore,
    InMemoryReportProjection,
    InMemoryTrackCounters,
)
from leadflow.models.reports import DIMENSIONS, Cell, Contribution, ReportQuery
from leadflow.ports.reports import CellRange, ContributionChange, StoredContribution
from leadflow.services.report_headlines import ReportReadDeps, headlines
from leadflow.services.report_reads import drill_down, report
from pydantic import ValidationError

SOURCES = ["google", "bing", "linkedin", "(none)", "newsletter", "partner"]


def a_contribution(rng: random.Random, day: str) -> Contribution:
    values = {"all": "all", "source": rng.choice(SOURCES), "rep": rng.choice(["rep-a", "rep-b", "rep-c"])}
    counters = {"leads": 1}
    if rng.random() < 0.4:
        counters["mql"] = 1
        if rng.random() < 0.5:
            counters["sql"] = 1
    return {Cell(dimension, day, values.get(dimension, "x")): dict(counters) for dimension in DIMENSIONS}


def project_many(projection: InMemoryReportProjection, count: int, first: date, days: int, seed: int) -> None:
    rng = random.Random(seed)
    for n in range(count):
        day = (first + timedelta(days=rng.randrange(days))).isoformat()
        after = StoredContribution(revision=1, lead_version=1, cells=a_contribution(rng, day))
        assert projection.replace_many([ContributionChange(f"lead_{seed}_{n}", None, after, after.cells)]) == []


def query(first: str, last: str, group_by: str = "source") -> ReportQuery:
    return ReportQuery.model_validate({"from": first, "to": last, "group_by": group_by})


def test_a_years_report_reads_items_by_days_and_groups_never_by_leads() -> None:
    few, many = InMemoryReportProjection(), InMemoryReportProjection()
    project_many(few, 10_000, date(2026, 1, 1), 365, seed=1)
    project_many(many, 100_000, date(2026, 1, 1), 365, seed=2)

    year = query("2026-01-01", "2026-12-31")
    small, large = report("funnel", year, few), report("funnel", year, many)

    assert large.total.leads == 100_000 and small.total.leads == 10_000
    assert large.items_read == 365 * len(SOURCES)  # one item per day and source: every cell has leads
    assert small.items_read <= large.items_read  # ten times the leads, no more reads than cells


def test_the_funnel_groups_sum_to_the_total_with_stage_to_stage_rates() -> None:
    projection = InMemoryReportProjection()
    project_many(projection, 500, date(2026, 11, 2), 14, seed=3)

    funnel = report("funnel", query("2026-11-02", "2026-11-15"), projection)
    weekly = report("funnel", query("2026-11-02", "2026-11-15", "week"), projection)

    assert sum(row.leads for row in funnel.rows) == funnel.total.leads == 500
    assert [row.group for row in weekly.rows] == ["2026-11-02", "2026-11-09"]  # Mondays
    assert sum(row.mql for row in weekly.rows) == funnel.total.mql
    rate = funnel.total.conversion["mql_to_sql"]
    assert (rate.numerator, rate.denominator) == (funnel.total.sql, funnel.total.mql)
    assert rate.rate == round(funnel.total.sql / funnel.total.mql, 4)
    assert [row.leads for row in funnel.rows] == sorted((row.leads for row in funnel.rows), reverse=True)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-12-31"}, "366 days"),
        ({"from": "2026-01-01", "to": "2026-01-31", "group_by": "colour"}, "group_by"),
    ],
)
def test_bad_parameters_are_refused(params: dict[str, str], parameter: str) -> None:
    with pytest.raises(ValidationError, match=parameter):
        ReportQuery.model_validate(params)


def test_the_leads_behind_a_number_page_through_exactly_that_numbers_leads() -> None:
    projection = InMemoryReportProjection()
    project_many(projection, 400, date(2026, 11, 2), 14, seed=4)
    funnel = report("funnel", query("2026-11-02", "2026-11-15"), projection)
    google = next(row for row in funnel.rows if row.group == "google")

    listed: list[str] = []
    cursor = None
    while True:
        page = drill_down(
            CellRange("source", "google", "2026-11-02", "2026-11-15"), "mql", projection, limit=7, cursor=cursor
        )
        listed += [item.lead_id for item in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert len(listed) == len(set(listed)) == google.mql
    with pytest.raises(ValueError, match="cursor"):
        drill_down(CellRange("source", "google", "2026-11-02", "2026-11-15"), "mql", projection, limit=7, cursor="bm90")


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday


def test_headlines_flag_what_is_outside_its_target_or_usual_range() -> None:
    projection = InMemoryReportProjection()
    for n in range(40):  # past weeks: 5 leads on every Monday..Wednesday
        week_start = date(2026, 9, 21) + timedelta(weeks=n // 5)
        day = (week_start + timedelta(days=n % 3)).isoformat()
        cells = {Cell("all", day, "all"): {"leads": 1, "mql": 1, "s2t:40": 1, "turns": 1, "turns_missed": 1}}
        projection.replace_many([ContributionChange(f"lead_{n}", None, StoredContribution(1, 1, cells), cells)])
    rules = InMemoryConfigStore()
    rules.publish("reports", {"speed_to_lead_minutes": 5, "sla_compliance": 0.9, "mql_to_sql": 0.2})
    deps = ReportReadDeps(
        projection=projection,
        rules=rules,
        leads=InMemoryLeadStore(),
        clock=FixedClock(),
        counters=InMemoryTrackCounters(),
    )

    found = {headline.id: headline for headline in headlines(deps).headlines}

    assert found["speed_to_lead"].status == "attention"  # bucket 40 is about 17 minutes, over 5
    assert found["sla_compliance"].value == 0 and found["sla_compliance"].status == "attention"
    assert found["mql_to_sql"].status == "attention"
    assert found["mql_untouched_past_sla"].value == 0 and found["mql_untouched_past_sla"].status == "ok"
    this_week = found["leads_this_week"]
    assert (this_week.value, this_week.usual_low, this_week.usual_high, this_week.status) == (0, 5, 5, "attention")
    assert "15 leads" in found["speed_to_lead"].explain  # the last 28 days: three of the weeks
