"""What one lead counts as in the reports: the definitions a RevOps engineer reads in the API's descriptions."""

from __future__ import annotations

from datetime import timedelta

from leadflow.domain.latency_histogram import bucket_of, percentile, upper_bound
from leadflow.domain.report_cells import contribution, difference
from leadflow.models.lead import Disqualification, Stage
from leadflow.models.reports import Cell

from tests.unit.reports.leads import CAPTURED, a_lead, assigned, assigned_entry, scored, sla, stage_entry, won

DAY = "2026-11-02"


def test_a_lead_counts_once_in_every_dimension_on_its_capture_day() -> None:
    lead = a_lead(score=scored("B"), assignment=assigned("rep-a", "emea"))

    cells = contribution(lead, [])

    assert set(cells) == {
        Cell("all", DAY, "all"),
        Cell("source", DAY, "google"),
        Cell("medium", DAY, "cpc"),
        Cell("campaign", DAY, "q4"),
        Cell("form", DAY, "demo-request"),
        Cell("grade", DAY, "B"),
        Cell("rep", DAY, "rep-a"),
        Cell("team", DAY, "emea"),
        Cell("priority", DAY, "(none)"),
        Cell("routing", DAY, "(none)"),
        Cell("track", DAY, "(none)"),
    }
    assert all(counters["leads"] == 1 for counters in cells.values())


def test_a_lead_counts_at_every_stage_it_reached_even_after_leaving_it() -> None:
    lead = a_lead(stage=Stage.DISQUALIFIED, disqualification=Disqualification(reason_code="no-budget", actor="rep-a",
                  at=CAPTURED))  # fmt: skip
    history = [stage_entry(Stage.MQL), stage_entry(Stage.SQL), stage_entry(Stage.DISQUALIFIED, reason_code="no-budget")]

    counters = contribution(lead, history)[Cell("all", DAY, "all")]

    assert counters["mql"] == counters["sql"] == 1
    assert "opportunity" not in counters
    assert counters["disqualified"] == counters["dq:no-budget"] == 1


def test_a_won_deal_counts_its_amount_in_cents() -> None:
    lead = a_lead(stage=Stage.CUSTOMER, outcome=won(12_345.67))

    counters = contribution(lead, [stage_entry(Stage.OPPORTUNITY)])[Cell("source", DAY, "google")]

    assert (counters["opportunity"], counters["customer"], counters["won"], counters["won_cents"]) == (
        1,
        1,
        1,
        1_234_567,
    )


def test_speed_to_lead_is_bucketed_from_capture_to_first_rep_assignment_and_first_touch() -> None:
    lead = a_lead(assignment=assigned(), speed_to_lead_seconds=600)
    history = [assigned_entry("queue:overflow", CAPTURED + timedelta(seconds=5)),
               assigned_entry("rep-a", CAPTURED + timedelta(seconds=90))]  # fmt: skip

    counters = contribution(lead, history)[Cell("rep", DAY, "rep-a")]

    assert counters[f"s2a:{bucket_of(90)}"] == 1  # a queue is not a rep
    assert counters[f"s2t:{bucket_of(600)}"] == 1


def test_sla_turns_count_for_the_rep_whose_turn_it_was() -> None:
    lead = a_lead(assignment=assigned("rep-b"), sla=sla(["rep-a", "rep-b"], breached_by=["rep-a"], status="met"))

    cells = contribution(lead, [])

    assert cells[Cell("rep", DAY, "rep-a")] == {"turns": 1, "turns_missed": 1}  # the rep who let the deadline pass
    assert cells[Cell("rep", DAY, "rep-b")]["turns"] == 1 and "turns_missed" not in cells[Cell("rep", DAY, "rep-b")]
    total = cells[Cell("all", DAY, "all")]
    assert (total["turns"], total["turns_missed"], total["breaches"], total["sla_breached"]) == (2, 1, 1, 1)
    assert "sla_met" not in total  # met, but not by the first owner in time


def test_the_current_owners_running_turn_is_not_decided_yet() -> None:
    lead = a_lead(assignment=assigned("rep-a"), sla=sla(["rep-a"], status="running"))

    total = contribution(lead, [])[Cell("all", DAY, "all")]

    assert total["sla"] == 1 and "turns" not in total


def test_a_merged_or_erased_lead_counts_for_nothing() -> None:
    assert contribution(a_lead(merged_into="lead_2"), []) == {}
    assert contribution(None, []) == {}


def test_the_difference_retracts_what_moved_and_adds_what_arrived() -> None:
    before = contribution(a_lead(assignment=assigned("rep-a")), [])
    after = contribution(a_lead(assignment=assigned("rep-b"), stage=Stage.MQL), [])

    delta = difference(before, after)

    assert delta[Cell("rep", DAY, "rep-a")] == {"leads": -1}
    assert delta[Cell("rep", DAY, "rep-b")] == {"leads": 1, "mql": 1}
    assert delta[Cell("source", DAY, "google")] == {"mql": 1}
    assert difference(after, after) == {}


def test_a_percentile_is_the_upper_bound_of_the_bucket_of_the_nearest_rank_value() -> None:
    latencies = [3, 45, 61, 300, 301, 900, 3600, 7200, 86_400, 400_000]
    histogram: dict[int, int] = {}
    for seconds in latencies:
        histogram[bucket_of(seconds)] = histogram.get(bucket_of(seconds), 0) + 1

    for fraction, exact in ((0.5, 301), (0.9, 86_400), (1.0, 400_000), (0.1, 3)):  # nearest rank of 10
        reported = percentile(histogram, fraction)
        assert reported == upper_bound(bucket_of(exact))
        assert exact <= reported <= exact * 2 ** (1 / 4) + 1e-9  # never below, at most 19% above
    assert percentile({}, 0.5) is None
