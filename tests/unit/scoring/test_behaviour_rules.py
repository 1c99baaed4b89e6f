"""Engagement: which events a behaviour rule counts, how often, up to which cap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from leadflow.domain.scoring import contributions_for, score_lead, stage_after_scoring
from leadflow.models.lead import Stage
from leadflow.models.rules import ScoringRuleSet

from tests.unit.conftest import NOW, company_lead, event, scoring_rules
from tests.unit.scoring.conftest import BLOG, CAREERS, PRICING, LeadFactory, SubmissionFactory, lines_by_rule


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (PRICING, {"pricing-page": 15, "page-visit": 1}),
        ("https://acme.example/Pricing?plan=team", {"pricing-page": 15, "page-visit": 1}),
        (CAREERS, {"careers-page": -10, "page-visit": 1}),
        ("https://acme.example/jobs", {"careers-page": -10, "page-visit": 1}),
        (BLOG, {"page-visit": 1}),
    ],
)
def test_page_visits_count_by_url(url: str, expected: dict[str, int], default_scoring: ScoringRuleSet) -> None:
    score = score_lead(company_lead(event("visit-1", "page_visit", url=url)), default_scoring, NOW)

    assert {line.rule_id: line.points for line in score.lines if line.kind == "behaviour"} == expected


def test_a_url_rule_does_not_match_an_event_without_a_url(default_scoring: ScoringRuleSet) -> None:
    score = score_lead(company_lead(event("visit-1", "page_visit", title="Pricing")), default_scoring, NOW)

    assert "pricing-page" not in lines_by_rule(score)
    assert lines_by_rule(score)["page-visit"] == 1


def test_a_page_visit_rule_does_not_count_a_form_sent_from_that_page(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet
) -> None:
    lead = lead_from(submission("ada@northwind.example", form_id="contact-us", page_url=PRICING))

    score = score_lead(lead, default_scoring, NOW)

    assert lead.activity[0].properties == {"form_id": "contact-us", "url": PRICING}
    assert score.engagement == 0
    assert not [line for line in score.lines if line.kind == "behaviour"]


def test_a_url_rule_on_form_submissions_reads_the_page_the_form_was_sent_from(
    submission: SubmissionFactory, lead_from: LeadFactory
) -> None:
    rules = scoring_rules(
        behaviour_rules=[{"id": "pricing-form", "event": "form_submitted", "url_matches": "/pricing", "points": 20}]
    )
    lead = lead_from(
        submission(form_id="contact-us", page_url=PRICING), submission(form_id="contact-us", page_url=BLOG)
    )

    (line,) = score_lead(lead, rules, NOW).lines

    assert (line.points, line.event_ids) == (20, [lead.activity[0].event_id])


def test_form_ids_narrow_a_rule_to_those_forms_and_a_rule_without_them_counts_every_form(
    submission: SubmissionFactory, lead_from: LeadFactory
) -> None:
    rules = scoring_rules(
        behaviour_rules=[
            {"id": "demo", "event": "form_submitted", "form_ids": ["demo-request", "contact-sales"], "points": 40},
            {"id": "any-form", "event": "form_submitted", "points": 2},
        ]
    )
    lead = lead_from(
        submission(form_id="newsletter"), submission(), submission(form_id="demo-request"), submission(form_id="demo")
    )

    score = score_lead(lead, rules, NOW)

    assert lines_by_rule(score) == {"demo": 40, "any-form": 8}


def test_a_property_rule_counts_only_events_with_that_value() -> None:
    rules = scoring_rules(
        behaviour_rules=[
            {
                "id": "launch-webinar",
                "event": "webinar_attended",
                "properties": {"campaign": "spring-launch", "minutes": 45, "live": True},
                "points": 30,
            }
        ]
    )
    lead = company_lead(
        event("w-1", "webinar_attended", campaign=" Spring-Launch", minutes=45, live=True),
        event("w-2", "webinar_attended", campaign="autumn-launch", minutes=45, live=True),
        event("w-3", "webinar_attended", campaign="spring-launch", minutes="45", live=True),
        event("w-4", "webinar_attended", campaign="spring-launch", minutes=45, live=1),
        event("w-5", "webinar_attended", campaign="spring-launch", live=True),
    )

    (line,) = score_lead(lead, rules, NOW).lines

    assert line.event_ids == ["w-1"]  # text ignores case and spaces; numbers and flags must be the same type


def test_an_event_of_another_type_never_matches_even_with_the_same_properties() -> None:
    rules = scoring_rules(
        behaviour_rules=[
            {"id": "click", "event": "email_click", "url_matches": "/pricing", "points": 3},
            {"id": "demo", "event": "form_submitted", "form_ids": ["demo-request"], "points": 40},
        ]
    )
    lead = company_lead(
        event("open-1", "email_open", url=PRICING),
        event("visit-1", "page_visit", url=PRICING),
        event("demo-1", "demo_request", form_id="demo-request"),
    )

    assert contributions_for(lead.activity, rules.behaviour_rules) == []
    assert score_lead(lead, rules, NOW).engagement == 0


def test_a_once_rule_counts_only_the_first_event(submission: SubmissionFactory, lead_from: LeadFactory) -> None:
    once = scoring_rules(
        behaviour_rules=[
            {"id": "newsletter", "event": "form_submitted", "form_ids": ["newsletter"], "points": 5, "once": True}
        ]
    )
    lead = lead_from(*(submission(form_id="newsletter") for _ in range(3)))

    score = score_lead(lead, once, NOW)

    (line,) = score.lines
    assert (line.points, line.event_ids) == (5, ["sub-0001"])
    assert line.reason == "form submitted once (counted once) (+5)"
    assert [item.event_id for item in score.contributions] == ["sub-0001"]


def test_behaviour_points_stop_at_the_rule_cap(submission: SubmissionFactory, lead_from: LeadFactory) -> None:
    lead = lead_from(*(submission(form_id="ebook-download") for _ in range(5)))
    capped = scoring_rules(
        behaviour_rules=[
            {"id": "ebook", "event": "form_submitted", "form_ids": ["ebook-download"], "points": 10, "max_points": 30}
        ]
    )

    score = score_lead(lead, capped, NOW)

    (line,) = score.lines
    assert line.points == 30
    assert line.reason == "form submitted 5 times, +10 each, capped at 30 (+30)"
    assert len(line.event_ids) == 5 and len(score.contributions) == 5  # every event is on record, capped or not


def test_a_negative_behaviour_rule_is_capped_in_size(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(*(event(f"visit-{n}", "page_visit", url=CAREERS) for n in range(4)))

    score = score_lead(lead, default_scoring, NOW)

    assert lines_by_rule(score)["careers-page"] == -20
    assert lines_by_rule(score)["page-visit"] == 4


def test_a_cap_of_zero_silences_a_rule_but_keeps_it_on_record() -> None:
    rules = scoring_rules(behaviour_rules=[{"id": "opens", "event": "email_open", "points": 1, "max_points": 0}])

    score = score_lead(company_lead(event("open-1", "email_open")), rules, NOW)

    (line,) = score.lines
    assert (line.points, line.event_ids, score.engagement) == (0, ["open-1"], 0)


def test_an_unsubscribe_takes_an_mql_out_of_the_mql_cells(default_scoring: ScoringRuleSet) -> None:
    engaged = [event("web-1", "webinar_attended"), event("visit-1", "page_visit", url=PRICING)]
    before = score_lead(company_lead(*engaged), default_scoring, NOW)
    lead = company_lead(*engaged, event("unsub-1", "unsubscribe", at=NOW + timedelta(hours=1)))

    after = score_lead(lead.model_copy(update={"stage": Stage.MQL}), default_scoring, NOW + timedelta(hours=1))

    assert before.qualifies and not after.qualifies
    assert lines_by_rule(after)["unsubscribed"] == -40
    assert stage_after_scoring(lead.model_copy(update={"stage": Stage.MQL}), after) is Stage.NEW
