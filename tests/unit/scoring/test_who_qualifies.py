"""Who the default scoring rules make an MQL, and where the grade and level thresholds fall."""

from __future__ import annotations

from datetime import datetime

import pytest
from leadflow.domain.scoring import score_lead, stage_after_scoring
from leadflow.models.lead import Stage
from leadflow.models.rules import ScoringRuleSet

from tests.unit.conftest import NOW, company_lead, event
from tests.unit.scoring.conftest import PRICING, LeadFactory, SubmissionFactory, lines_by_rule


@pytest.mark.parametrize(
    "title", ["VP Sales", "Vice President, Engineering", "Chief Revenue Officer", "CTO", "Head of Marketing"]
)
def test_senior_lead_at_a_company_domain_requesting_a_demo_is_an_mql(
    title: str,
    submission: SubmissionFactory,
    lead_from: LeadFactory,
    default_scoring: ScoringRuleSet,
    now: datetime,
) -> None:
    lead = lead_from(submission("ada@northwind.example", title=title, form_id="demo-request"))

    score = score_lead(lead, default_scoring, now)

    assert (score.grade, score.level, score.qualifies) == ("B", 2, True)
    assert stage_after_scoring(lead, score) is Stage.MQL


def test_the_same_demo_request_from_a_developer_is_not_an_mql(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    lead = lead_from(submission("ada@northwind.example", title="Software Engineer", form_id="demo-request"))

    score = score_lead(lead, default_scoring, now)

    assert (score.cell, score.qualifies) == ("D2", False)
    assert stage_after_scoring(lead, score) is Stage.NEW


def test_free_mail_newsletter_signup_is_not_an_mql(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    lead = lead_from(submission("ada.lovelace@gmail.com", form_id="newsletter"))

    score = score_lead(lead, default_scoring, now)

    assert (score.grade, score.qualifies) == ("D", False)
    assert stage_after_scoring(lead, score) is Stage.NEW


def test_free_mail_lead_does_not_become_an_mql_by_volume_of_content_downloads(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    forms = ["newsletter"] * 4 + ["ebook-download"] * 5 + ["webinar-registration"] * 3 + ["demo-request"] * 2
    lead = lead_from(*(submission("ada.lovelace@gmail.com", form_id=form, phone="+44 20 7946 0958") for form in forms))

    score = score_lead(lead, default_scoring, now)

    assert (score.grade, score.level) == ("D", 1)  # as engaged as can be, and still not a buyer
    assert stage_after_scoring(lead, score) is Stage.NEW


def test_a_vp_at_a_midmarket_software_company_who_attended_a_webinar_and_saw_pricing_is_a2(
    default_scoring: ScoringRuleSet,
) -> None:
    lead = company_lead(event("web-1", "webinar_attended"), event("visit-1", "page_visit", url=PRICING))

    score = score_lead(lead, default_scoring, NOW)

    assert lines_by_rule(score) == {
        "executive": 30,
        "buying-department": 5,
        "known-company": 10,
        "size-midmarket": 15,
        "target-industry": 10,
        "webinar-attended": 25,
        "pricing-page": 15,
        "page-visit": 1,
    }
    assert (score.fit, score.engagement, score.total) == (70, 41, 111)
    assert (score.cell, score.qualifies) == ("A2", True)


def test_grade_and_level_thresholds_are_inclusive(default_scoring: ScoringRuleSet) -> None:
    grades, levels = default_scoring.grades, default_scoring.engagement_levels

    assert [grades.grade(fit) for fit in (50, 49.9, 25, 24, 10, 9, -100)] == ["A", "B", "B", "C", "C", "D", "D"]
    assert [levels.level(points) for points in (70, 69.99, 35, 34.99, 15, 14.99, -40)] == [1, 2, 2, 3, 3, 4, 4]
