"""Decay: behaviour points halve every `half_life_days`, so a score is a function of time, and the moment decay alone
changes the MQL decision (`next_change_at`) is known when the lead is scored. Every time here is explicit."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest
from leadflow.domain.scoring import HORIZON, decayed, score_lead, stage_after_scoring
from leadflow.models.lead import Lead, Prediction, Score, Stage
from leadflow.models.rules import ScoringRuleSet
from pydantic import ValidationError

from tests.unit.conftest import NOW, company_lead, event, scoring_rules

DAY = timedelta(days=1)
#: next_change_at is "to the minute": the flip happens at most this long before it.
PRECISION = timedelta(minutes=1, seconds=1)
PRICING = "https://acme.example/pricing"
CAREERS = "https://acme.example/careers"
VP = {"id": "vp", "field": "seniority", "equals": "vp", "points": 60}  # grade A for the leads built here


def at(lead: Lead, rules: ScoringRuleSet, when: datetime) -> Score:
    return score_lead(lead, rules, when)


def default_rule(rules: ScoringRuleSet, rule_id: str) -> dict[str, Any]:
    """A behaviour rule of the default rule set, as configuration, to use in a smaller rule set."""
    rule = next(rule for rule in rules.behaviour_rules if rule.id == rule_id)
    return rule.model_dump(exclude_none=True)


def assert_flips_at(lead: Lead, rules: ScoringRuleSet, now: datetime, *, qualifies_before: bool) -> datetime:
    """next_change_at of the score at `now` is where `qualifies` changes, to the minute; returns it."""
    change = at(lead, rules, now).next_change_at
    assert change is not None
    assert change > now
    assert at(lead, rules, change - PRECISION).qualifies is qualifies_before
    assert at(lead, rules, change).qualifies is not qualifies_before
    return change


# -- decayed(): the arithmetic ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"), [(timedelta(0), 40), (30 * DAY, 20), (60 * DAY, 10), (15 * DAY, 40 / math.sqrt(2))]
)
def test_points_halve_every_half_life(age: timedelta, expected: float) -> None:
    assert decayed(40, NOW, 30, NOW + age) == pytest.approx(expected)


def test_points_without_a_half_life_never_decay() -> None:
    assert decayed(-40, NOW, None, NOW + 3650 * DAY) == -40


def test_an_event_stamped_in_the_future_counts_in_full_and_not_more() -> None:
    assert decayed(40, NOW + 2 * DAY, 30, NOW) == 40


# -- engagement over time --------------------------------------------------------------------------------------------


def test_a_leads_engagement_halves_after_one_half_life(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(event("web-1", "webinar_attended"))

    today, month_later = at(lead, default_scoring, NOW), at(lead, default_scoring, NOW + 30 * DAY)

    assert (today.engagement, month_later.engagement) == (25, 12.5)
    assert month_later.fit == today.fit == 70
    (line,) = [line for line in month_later.lines if line.kind == "behaviour"]
    assert line.points == 12.5
    assert line.reason.endswith("+25 halving every 30 days (+12.5)")


def test_rules_decay_at_their_own_rate(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(event("web-1", "webinar_attended"), event("visit-1", "page_visit", url=PRICING))

    score = at(lead, default_scoring, NOW + 14 * DAY)

    points = {line.rule_id: line.points for line in score.lines if line.kind == "behaviour"}
    assert points == {
        "webinar-attended": pytest.approx(25 * 0.5 ** (14 / 30), abs=0.01),
        "pricing-page": 7.5,
        "page-visit": 0.25,
    }


def test_the_cap_applies_to_the_decayed_total(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(*(event(f"ebook-{n}", "form_submitted", form_id="ebook-download") for n in range(5)))

    today, later = at(lead, default_scoring, NOW), at(lead, default_scoring, NOW + 45 * DAY)

    (capped,) = [line for line in today.lines if line.rule_id == "ebook"]
    (decayed_line,) = [line for line in later.lines if line.rule_id == "ebook"]
    assert (capped.points, "capped at 30" in capped.reason) == (30, True)
    assert (decayed_line.points, "capped" in decayed_line.reason) == (25, False)


def test_an_unsubscribe_keeps_counting_after_the_rest_has_decayed(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(event("demo-1", "demo_request"), event("unsub-1", "unsubscribe"))

    assert at(lead, default_scoring, NOW).engagement == 0
    assert at(lead, default_scoring, NOW + 30 * DAY).engagement == -20
    assert at(lead, default_scoring, NOW + 720 * DAY).engagement == pytest.approx(-40, abs=0.01)


def test_an_event_stamped_in_the_future_counts_in_full_until_its_time_comes(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(event("web-1", "webinar_attended", at=NOW + 2 * DAY))

    assert at(lead, default_scoring, NOW).engagement == 25
    assert at(lead, default_scoring, NOW + 2 * DAY).engagement == 25
    assert at(lead, default_scoring, NOW + 32 * DAY).engagement == 12.5


# -- next_change_at: when decay alone changes the decision -----------------------------------------------------------


def test_an_mql_is_demoted_at_the_moment_its_engagement_decays_out_of_the_mql_cells(
    default_scoring: ScoringRuleSet,
) -> None:
    lead = company_lead(
        event("web-1", "webinar_attended"), event("visit-1", "page_visit", url=PRICING), stage=Stage.MQL
    )
    today = at(lead, default_scoring, NOW)
    assert (today.cell, today.qualifies) == ("A2", True)

    change = assert_flips_at(lead, default_scoring, NOW, qualifies_before=True)

    then = at(lead, default_scoring, change)
    assert (then.cell, then.qualifies) == ("A3", False)
    assert stage_after_scoring(lead, then) is Stage.NEW
    assert today.next_change_at == change
    # 25 halving every 30 days + 15 every 14 + 1 every 7 falls below 35 between the 4th and 5th day.
    assert NOW + 4 * DAY < change < NOW + 5 * DAY
    after_half_lives = at(lead, default_scoring, NOW + 30 * DAY)
    assert (after_half_lives.cell, after_half_lives.qualifies) == ("A3", False)


def test_the_change_moment_does_not_depend_on_when_the_lead_was_scored(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(event("web-1", "webinar_attended"), event("visit-1", "page_visit", url=PRICING))

    first = at(lead, default_scoring, NOW).next_change_at
    again = at(lead, default_scoring, NOW + 2 * DAY).next_change_at

    assert first is not None and again is not None
    assert abs(first - again) <= PRECISION


def test_a_lead_with_only_points_that_never_decay_has_no_change_moment() -> None:
    rules = scoring_rules(VP, behaviour_rules=[{"id": "demo", "event": "demo_request", "points": 40}])

    score = at(company_lead(event("demo-1", "demo_request")), rules, NOW)

    assert (score.qualifies, score.next_change_at) == (True, None)


def test_a_lead_without_activity_has_no_change_moment(default_scoring: ScoringRuleSet) -> None:
    assert at(company_lead(), default_scoring, NOW).next_change_at is None


def test_a_lead_that_decay_only_takes_further_from_the_mql_cells_has_no_change_moment(
    default_scoring: ScoringRuleSet,
) -> None:
    # An intern at a good company: grade C, an MQL only at level 1 (C1); C2 now, and decay only lowers the level.
    lead = company_lead(event("demo-1", "demo_request"), event("web-1", "webinar_attended"), title="Marketing Intern")

    score = at(lead, default_scoring, NOW)

    assert (score.cell, score.qualifies, score.next_change_at) == ("C2", False, None)


def test_a_lead_qualified_by_its_prediction_has_no_change_moment() -> None:
    rules = scoring_rules(
        VP,
        behaviour_rules=[{"id": "demo", "event": "demo_request", "points": 40, "half_life_days": 30}],
        predictive={"mql_probability": 0.5},
    )
    lead = company_lead(event("demo-1", "demo_request"))

    score = score_lead(lead, rules, NOW, prediction=Prediction(probability=0.7, model_version=1))

    assert (score.cell, score.qualifies, score.next_change_at) == ("A2", True, None)


def test_a_decaying_penalty_makes_a_lead_qualify_later(default_scoring: ScoringRuleSet) -> None:
    # Uses the product and looked at jobs: the careers-page penalty (-10, halving every 30 days) keeps engagement at
    # 30, level 3; once the penalty has halved, engagement is 35, level 2, and the lead is an MQL.
    rules = scoring_rules(
        VP,
        behaviour_rules=[
            {"id": "product", "event": "product_usage", "points": 40},
            default_rule(default_scoring, "careers-page"),
        ],
    )
    lead = company_lead(event("usage-1", "product_usage"), event("visit-1", "page_visit", url=CAREERS))
    today = at(lead, rules, NOW)
    assert (today.cell, today.qualifies) == ("A3", False)

    change = assert_flips_at(lead, rules, NOW, qualifies_before=False)

    assert NOW + 30 * DAY <= change <= NOW + 30 * DAY + PRECISION
    assert stage_after_scoring(lead, at(lead, rules, change)) is Stage.MQL


def test_engagement_that_rises_then_falls_gives_each_change_in_turn() -> None:
    # A big penalty that decays fast under points that decay slowly: engagement climbs into level 2, then decays
    # out of it again. Each score names the next change only.
    rules = scoring_rules(
        VP,
        behaviour_rules=[
            {"id": "usage", "event": "product_usage", "points": 60, "half_life_days": 90},
            {"id": "jobs", "event": "page_visit", "url_matches": "/careers", "points": -40, "half_life_days": 15},
        ],
    )
    lead = company_lead(event("usage-1", "product_usage"), event("visit-1", "page_visit", url=CAREERS))
    assert at(lead, rules, NOW).qualifies is False

    promoted = assert_flips_at(lead, rules, NOW, qualifies_before=False)
    demoted = assert_flips_at(lead, rules, promoted, qualifies_before=True)

    assert NOW + 15 * DAY < promoted < NOW + 30 * DAY < NOW + 50 * DAY < demoted < NOW + 70 * DAY
    assert at(lead, rules, demoted).next_change_at is None


def test_the_change_moment_is_never_beyond_the_horizon() -> None:
    # 40 points halving every 10,000 days fall below 35 after about 1,926 days, beyond the 730-day horizon: nothing
    # is filed until the lead is scored again within 730 days of the change.
    rules = scoring_rules(
        VP, behaviour_rules=[{"id": "demo", "event": "demo_request", "points": 40, "half_life_days": 10_000}]
    )
    lead = company_lead(event("demo-1", "demo_request"))

    assert at(lead, rules, NOW).next_change_at is None
    change = assert_flips_at(lead, rules, NOW + 1300 * DAY, qualifies_before=True)
    assert NOW + 1900 * DAY < change < NOW + 1950 * DAY
    assert HORIZON == 730 * DAY


@pytest.mark.parametrize("half_life", [1e10, math.inf])
def test_a_rule_set_that_validates_can_score_any_lead(half_life: float) -> None:
    # A half-life too long for a timedelta made scoring raise OverflowError; the rule set must either be refused
    # up front or scored (as, in effect, no decay).
    try:
        rules = scoring_rules(
            VP, behaviour_rules=[{"id": "demo", "event": "demo_request", "points": 40, "half_life_days": half_life}]
        )
    except ValidationError:
        return

    score = at(company_lead(event("demo-1", "demo_request")), rules, NOW)

    assert (score.engagement, score.qualifies) == (40, True)


def test_a_vp_demo_request_under_the_default_rules_decays_out_of_mql_in_about_six_days(
    default_scoring: ScoringRuleSet,
) -> None:
    """The README's promise: 40 points halving every 30 days fall below level 2 (35) after 30·log2(40/35) days."""
    demo = event("demo-1", "form_submitted", form_id="demo-request")
    lead = company_lead(demo, title="VP of Engineering")
    assert at(lead, default_scoring, NOW).qualifies
    change = assert_flips_at(lead, default_scoring, NOW, qualifies_before=True)
    assert change - NOW == pytest.approx(30 * math.log2(40 / 35) * DAY, abs=PRECISION)
