"""How a score explains itself: every line names its rule and events, and the lines add up to the score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from leadflow.domain.scoring import score_lead
from leadflow.models.rules import ScoringRuleSet

from tests.unit.conftest import NOW, company_lead, event
from tests.unit.scoring.conftest import BLOG, CAREERS, PRICING


def test_every_line_names_its_rule_and_the_lines_add_up_to_the_score(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(
        event("web-1", "webinar_attended", at=NOW - timedelta(days=3)),
        event("visit-1", "page_visit", url=PRICING, at=NOW - timedelta(days=2)),
        event("visit-2", "page_visit", url=CAREERS, at=NOW - timedelta(days=1, hours=5)),
        event("visit-3", "page_visit", url=BLOG, at=NOW - timedelta(hours=7)),
        event("click-1", "email_click", at=NOW - timedelta(days=9)),
        event("open-1", "email_open", at=NOW - timedelta(days=11)),
        phone="+49 30 1234567",
        fields={"crm": "hubspot"},
    )

    score = score_lead(lead, default_scoring, NOW)

    descriptions = {rule.id: rule.description for rule in default_scoring.fit_rules}
    descriptions |= {rule.id: rule.description for rule in default_scoring.behaviour_rules}
    for line in score.lines:
        assert line.rule_id in descriptions
        assert line.reason.startswith(f"{descriptions[line.rule_id]}: ")
    fit_lines = [line for line in score.lines if line.kind == "fit"]
    behaviour_lines = [line for line in score.lines if line.kind == "behaviour"]
    assert score.fit == sum(line.points for line in fit_lines)
    assert score.engagement == pytest.approx(sum(line.points for line in behaviour_lines), abs=0.01 * len(score.lines))
    assert score.total == pytest.approx(sum(line.points for line in score.lines), abs=0.01 * len(score.lines))
    assert score.total == pytest.approx(score.fit + score.engagement, abs=0.01)


def test_a_behaviour_line_lists_the_events_behind_it_oldest_first(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(
        event("visit-b", "page_visit", url=PRICING, at=NOW - timedelta(days=1)),
        event("visit-a", "page_visit", url=PRICING, at=NOW - timedelta(days=2)),
        event("visit-c", "page_visit", url=BLOG, at=NOW - timedelta(hours=1)),
    )

    score = score_lead(lead, default_scoring, NOW)

    events = {line.rule_id: line.event_ids for line in score.lines if line.kind == "behaviour"}
    assert events == {"pricing-page": ["visit-a", "visit-b"], "page-visit": ["visit-a", "visit-b", "visit-c"]}
    assert all(line.event_ids == [] for line in score.lines if line.kind == "fit")


def test_a_behaviour_line_says_what_happened_when_and_how_it_decays(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(
        event("web-1", "webinar_attended"), event("web-2", "webinar_attended", at=NOW + timedelta(days=2))
    )

    score = score_lead(lead, default_scoring, NOW + timedelta(days=2))

    line = next(line for line in score.lines if line.rule_id == "webinar-attended")
    assert line.reason.startswith(
        "Attended a webinar: webinar attended 2 times, +25 each, latest 2026-03-04; +50 halving every 30 days ("
    )
    assert line.points == pytest.approx(25 + 25 * 0.5 ** (2 / 30), abs=0.01)


def test_each_contribution_records_the_rule_event_time_and_points_before_decay(default_scoring: ScoringRuleSet) -> None:
    at = NOW - timedelta(days=3)
    lead = company_lead(event("visit-1", "page_visit", url=PRICING, at=at))

    score = score_lead(lead, default_scoring, NOW)

    assert [(c.rule_id, c.event_id, c.at, c.points, c.half_life_days) for c in score.contributions] == [
        ("pricing-page", "visit-1", at, 15, 14),
        ("page-visit", "visit-1", at, 1, 7),
    ]
