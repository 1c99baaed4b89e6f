"""Cohorts, attribution, velocity and experiments: the definitions their API descriptions promise."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from leadflow.domain.attribution import MODELS, channel_credits, split, weights
from leadflow.domain.report_rows import spend_in_range, velocity_row
from leadflow.domain.report_timing import timing_counters
from leadflow.domain.two_proportion import two_proportion
from leadflow.models.lead import HistoryEntry, Stage
from leadflow.models.spend import SpendRuleSet

from tests.unit.reports.leads import CAPTURED, a_lead, stage_entry, won


def submission(at_hours: float, utm_source: str | None) -> HistoryEntry:
    at = CAPTURED + timedelta(hours=at_hours)
    return HistoryEntry(at=at, kind="submission", ref=f"sub-{at_hours}", detail={"source": {"utm_source": utm_source}})


def engagement(at_hours: float, provider: str, **properties: str) -> HistoryEntry:
    at = CAPTURED + timedelta(hours=at_hours)
    detail = {"source": provider, "properties": properties, "type": "page_visit"}
    return HistoryEntry(at=at, kind="engagement", ref=f"{provider}-{at_hours}", detail=detail)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("first_touch", {"google": 1000}),
        ("last_touch", {"linkedin": 1000}),
        ("linear", {"google": 500, "hubspot": 250, "linkedin": 250}),  # google touched twice
        ("u_shaped", {"google": 500, "hubspot": 100, "linkedin": 400}),
    ],
)
def test_an_opportunity_is_credited_to_its_touches_before_it_by_model(model: str, expected: dict[str, int]) -> None:
    history = [
        submission(0, "google"),
        engagement(5, "hubspot"),
        submission(10, "google"),
        engagement(20, "ses", utm_source="linkedin"),
        submission(100, "bing"),  # after the opportunity: no credit
    ]
    credited = channel_credits(a_lead(outcome=won(999.99)), history, CAPTURED + timedelta(hours=50))

    assert {
        channel: counters[f"att:{model}:opp"] for channel, counters in credited.items() if counters[f"att:{model}:opp"]
    } == expected
    assert sum(counters[f"att:{model}:won"] for counters in credited.values()) == 99_999  # every cent, no more


def test_credits_add_up_exactly_whatever_the_number_of_touches() -> None:
    for count in range(1, 12):
        for model in MODELS:
            assert sum(split(1000, weights(model, count))) == 1000
            assert sum(split(12_345, weights(model, count))) == 12_345


def test_a_lead_that_never_became_an_opportunity_credits_nothing() -> None:
    assert channel_credits(a_lead(), [submission(0, "google")], None) == {}


def test_cohort_conversion_counts_within_each_window_and_stays_count_hours() -> None:
    lead = a_lead(stage=Stage.CUSTOMER, outcome=won(100.0))
    history = [
        stage_entry(Stage.MQL, CAPTURED + timedelta(days=2)),
        stage_entry(Stage.SQL, CAPTURED + timedelta(days=20)),
        stage_entry(Stage.CUSTOMER, CAPTURED + timedelta(days=40)),
    ]

    counters = timing_counters(lead, history)

    assert {name for name in counters if "@" in name} == {
        "mql@7d",
        "mql@30d",
        "mql@90d",
        "sql@30d",
        "sql@90d",
        "customer@90d",
    }
    assert (counters["stay_h:new"], counters["stay_h:mql"], counters["stay_h:sql"]) == (48, 18 * 24, 20 * 24)
    assert counters["cycle_h"] == 40 * 24  # closed 40 days after capture


def test_velocity_is_opportunities_times_win_rate_times_deal_over_cycle() -> None:
    counters = {
        "opportunity": 10,
        "won": 3,
        "lost": 1,
        "won_cents": 3_000_000,
        "cycle_h": 3 * 30 * 24,
        "mql": 40,
        "sql": 20,
    }

    row = velocity_row("google", counters, spend=8000.0)

    assert (row.win_rate.rate, row.average_deal, row.average_cycle_days) == (0.75, 10_000.0, 30.0)
    assert row.velocity_per_day == 2500.0  # 10 x 0.75 x 10,000 / 30
    assert (row.cost_per_mql, row.cost_per_sql) == (200.0, 400.0)


def test_spend_is_spread_over_the_days_of_its_month() -> None:
    spend = SpendRuleSet(monthly={"google": {"2026-11": 3000, "2026-12": 3100}})

    assert spend_in_range(spend, "google", date(2026, 11, 1), date(2026, 11, 30)) == 3000
    assert spend_in_range(spend, "google", date(2026, 11, 21), date(2026, 12, 10)) == 2000  # 10 x 100 + 10 x 100
    assert spend_in_range(spend, "bing", date(2026, 11, 1), date(2026, 11, 30)) is None


def test_the_two_proportion_test_calls_a_real_difference_and_not_noise() -> None:
    clear = two_proportion(50, 1000, 90, 1000)  # 5% against 9%
    noise = two_proportion(50, 1000, 53, 1000)

    assert clear.significant and clear.z is not None and clear.z > 3
    assert not noise.significant and noise.p_value is not None and noise.p_value > 0.5
    assert two_proportion(0, 0, 5, 10).p_value is None
