"""Scoring: fit (who the lead is) and engagement (what it did), the grade cell they make, why, and when that makes the
lead an MQL. Default rules from infra/config/scoring.yaml unless a test builds its own. Decay: test_score_decay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from leadflow.domain.scoring import contributions_for, mql_reason, score_lead, stage_after_scoring
from leadflow.models.lead import Firmographics, Lead, Prediction, Score, Stage
from leadflow.models.rules import ScoringRuleSet
from leadflow.models.submission import StoredSubmission

from tests.unit.conftest import NOW, company_lead, event, scoring_rules

SubmissionFactory = Callable[..., StoredSubmission]
LeadFactory = Callable[..., Lead]
PRICING = "https://acme.example/pricing"
CAREERS = "https://acme.example/careers/senior-engineer"
BLOG = "https://acme.example/blog/why-lead-scoring"


def lines_by_rule(score: Score) -> dict[str, float]:
    return {line.rule_id: line.points for line in score.lines}


# -- who qualifies ---------------------------------------------------------------------------------------------------


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


# -- fit -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Vice President of Marketing", {"executive": 30, "buying-department": 5}),
        ("President", {"executive": 30}),
        ("Assistant to the CEO", {}),
        ("Head of Growth", {"director": 20, "buying-department": 5}),
        ("Sr. Software Engineer", {}),
        ("IT Manager", {"manager": 10, "buying-department": 5}),
        ("Marketing Intern", {"student": -30, "buying-department": 5}),
        (None, {}),
    ],
)
def test_fit_rules_on_seniority_and_department_read_the_title(
    title: str | None, expected: dict[str, int], default_scoring: ScoringRuleSet
) -> None:
    lead = company_lead(title=title, firmographics=None)

    score = score_lead(lead, default_scoring, NOW)

    assert lines_by_rule(score) == expected
    assert score.fit == sum(expected.values())


def test_a_seniority_line_says_what_the_title_was_read_as(default_scoring: ScoringRuleSet) -> None:
    score = score_lead(company_lead(title="Vice President, Demand Gen", firmographics=None), default_scoring, NOW)

    reasons = {line.rule_id: line.reason for line in score.lines}
    assert reasons == {
        "executive": "Senior decision maker: seniority is vp (+30)",
        "buying-department": "Works where our buyers work: department is marketing (+5)",
    }


@pytest.mark.parametrize("email", ["dana@hubspot.com", "Dana.Whitfield@HubSpot.com", "dana+demo@marketo.com"])
def test_a_lead_working_for_a_competitor_is_never_an_mql_however_senior_and_engaged(
    email: str, submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet
) -> None:
    lead = lead_from(
        submission(email, title="VP Marketing", form_id="demo-request"),
        submission(email, form_id="contact-sales"),
    )

    score = score_lead(lead, default_scoring, NOW)

    competitor = next(line for line in score.lines if line.rule_id == "competitor")
    assert competitor.points == -100
    assert competitor.reason.startswith("Works for a competitor: email domain is ")
    assert (score.grade, score.level, score.qualifies) == ("D", 1, False)


def test_a_lead_at_an_unlisted_domain_gets_no_competitor_line(default_scoring: ScoringRuleSet) -> None:
    score = score_lead(company_lead(), default_scoring, NOW)

    assert "competitor" not in lines_by_rule(score)


@pytest.mark.parametrize(("crm", "points"), [("salesforce", 5), ("HubSpot", 5), (" Dynamics ", 5), ("zoho", None)])
def test_a_rule_on_a_custom_form_field_reads_the_lead_fields(
    crm: str, points: int | None, default_scoring: ScoringRuleSet
) -> None:
    score = score_lead(company_lead(fields={"crm": crm, "seats": 40}), default_scoring, NOW)

    assert lines_by_rule(score).get("uses-a-crm") == points


def test_a_custom_field_rule_does_not_apply_when_the_form_did_not_ask(default_scoring: ScoringRuleSet) -> None:
    score = score_lead(company_lead(fields={"seats": 40}), default_scoring, NOW)

    assert "uses-a-crm" not in lines_by_rule(score)


def test_a_custom_field_rule_explains_the_value_it_matched(default_scoring: ScoringRuleSet) -> None:
    score = score_lead(company_lead(fields={"crm": "salesforce"}), default_scoring, NOW)

    line = next(line for line in score.lines if line.rule_id == "uses-a-crm")
    assert line.reason == "Runs a CRM we integrate with: fields.crm is salesforce (+5)"


def test_number_and_checkbox_custom_fields_match_rules_written_as_text() -> None:
    # Custom fields are compared as text (rules on fields.<name> must give text operands), but a number or a
    # ticked box arrives from the form as 25 / true: the rule must see "25" / "true".
    rules = scoring_rules(
        {"id": "team-of-25", "field": "fields.seats", "equals": "25", "points": 5},
        {"id": "on-trial", "field": "fields.trial", "in": ["true", "yes"], "points": 5},
    )

    score = score_lead(company_lead(fields={"seats": 25, "trial": True}), rules, NOW)

    assert lines_by_rule(score) == {"team-of-25": 5, "on-trial": 5}


def test_a_rule_on_the_company_country_reads_the_firmographics() -> None:
    rules = scoring_rules({"id": "dach", "field": "firmographics.country", "in": ["de", "at", "ch"], "points": 10})

    score = score_lead(company_lead(), rules, NOW)

    (line,) = score.lines
    assert line.reason == "company country is DE (+10)"


def test_a_score_line_names_its_rule_and_what_about_the_lead_earned_the_points() -> None:
    lead = company_lead(title="VP Engineering")
    senior = scoring_rules(
        {"id": "senior", "description": "Senior", "field": "title", "matches": "VP|Chief", "points": 25}
    )

    (line,) = score_lead(lead, senior, NOW).lines

    assert (line.rule_id, line.kind, line.points) == ("senior", "fit", 25)
    assert line.reason == 'Senior: title contains "VP" (+25)'


def test_a_negative_fit_rule_subtracts_its_points(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    lead = lead_from(submission("ada.lovelace@gmail.com"))

    score = score_lead(lead, default_scoring, now)

    free_mail = next(line for line in score.lines if line.rule_id == "free-mail")
    assert free_mail.points == -20
    assert free_mail.reason == "Personal mailbox: email is on a free-mail domain (-20)"


def test_a_list_rule_explains_which_value_matched(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    lead = lead_from(submission("ada@sap.com"))

    score = score_lead(lead, default_scoring, now)

    industry = next(line for line in score.lines if line.rule_id == "target-industry")
    assert industry.reason == "Target industry: industry is software (+10)"


def test_firmographic_rules_do_not_apply_before_enrichment(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    lead = lead_from(submission("ada@sap.com")).model_copy(update={"firmographics": None})

    score = score_lead(lead, default_scoring, now)

    assert not [line for line in score.lines if line.rule_id in {"known-company", "size-enterprise", "free-mail"}]


def test_a_numeric_fit_rule_compares_the_employee_count() -> None:
    lead = company_lead(firmographics=Firmographics(domain="northwind.example", employees=800, known=True))
    large = scoring_rules({"id": "large", "field": "firmographics.employees", "gte": 500, "points": 10})

    (line,) = score_lead(lead, large, NOW).lines

    assert line.reason == "employees is 800, at least 500 (+10)"


def test_a_score_records_the_rule_set_version_and_when_it_was_computed() -> None:
    score = score_lead(company_lead(), scoring_rules(), NOW)

    assert (score.ruleset_version, score.scored_at) == (4, NOW)


# -- behaviour: which events a rule counts ---------------------------------------------------------------------------


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


# -- explanations ----------------------------------------------------------------------------------------------------


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


# -- the MQL decision ------------------------------------------------------------------------------------------------


def score_with(qualifies: bool) -> Score:
    return Score(
        fit=60, engagement=40, total=100, grade="A", level=2, qualifies=qualifies, ruleset_version=1, scored_at=NOW
    )


@pytest.mark.parametrize(
    ("stage", "when_it_qualifies", "when_it_does_not"),
    [
        (Stage.NEW, Stage.MQL, Stage.NEW),
        (Stage.RECYCLED, Stage.MQL, Stage.RECYCLED),
        (Stage.MQL, Stage.MQL, Stage.NEW),
        (Stage.SAL, Stage.SAL, Stage.SAL),
        (Stage.SQL, Stage.SQL, Stage.SQL),
        (Stage.OPPORTUNITY, Stage.OPPORTUNITY, Stage.OPPORTUNITY),
        (Stage.CUSTOMER, Stage.CUSTOMER, Stage.CUSTOMER),
        (Stage.DISQUALIFIED, Stage.DISQUALIFIED, Stage.DISQUALIFIED),
    ],
)
def test_the_stage_after_scoring_for_every_stage(
    stage: Stage, when_it_qualifies: Stage, when_it_does_not: Stage
) -> None:
    lead = company_lead(stage=stage)

    assert stage_after_scoring(lead, score_with(qualifies=True)) is when_it_qualifies
    assert stage_after_scoring(lead, score_with(qualifies=False)) is when_it_does_not


def test_every_stage_is_covered_by_the_stage_table() -> None:
    covered = {Stage.NEW, Stage.RECYCLED, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER}
    assert set(Stage) == covered | {Stage.DISQUALIFIED}


def test_an_mql_whose_score_no_longer_qualifies_goes_back_to_new(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    lead = lead_from(submission("ada.lovelace@gmail.com")).model_copy(update={"stage": Stage.MQL})

    score = score_lead(lead, default_scoring, now)

    assert stage_after_scoring(lead, score) is Stage.NEW


@pytest.mark.parametrize("stage", [Stage.SAL, Stage.SQL, Stage.DISQUALIFIED])
def test_stages_set_by_a_person_are_never_changed_by_scoring(
    stage: Stage, submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    qualified = lead_from(submission("ada@sap.com", title="CEO", form_id="demo-request")).model_copy(
        update={"stage": stage}
    )
    unqualified = lead_from(submission("ada@gmail.com")).model_copy(update={"stage": stage})

    assert stage_after_scoring(qualified, score_lead(qualified, default_scoring, now)) is stage
    assert stage_after_scoring(unqualified, score_lead(unqualified, default_scoring, now)) is stage


def test_the_mql_reason_names_the_cell_the_scores_and_the_rule_set_version(default_scoring: ScoringRuleSet) -> None:
    lead = company_lead(event("web-1", "webinar_attended"), event("visit-1", "page_visit", url=PRICING))

    score = score_lead(lead, default_scoring, NOW)

    assert mql_reason(score, default_scoring) == "grade A2 (fit 70, engagement 41) is an MQL cell (rules v1)"


def test_the_reason_a_lead_is_not_an_mql_names_its_cell(default_scoring: ScoringRuleSet) -> None:
    score = score_lead(company_lead(event("web-1", "webinar_attended")), default_scoring, NOW)

    assert mql_reason(score, default_scoring) == "grade A3 (fit 70, engagement 25) is not an MQL cell (rules v1)"


def test_a_cell_qualifies_only_when_the_rule_set_lists_it() -> None:
    lead = company_lead(event("web-1", "webinar_attended"))
    fit = {"id": "vp", "field": "seniority", "equals": "vp", "points": 60}
    webinar = [{"id": "webinar", "event": "webinar_attended", "points": 40}]

    listed = score_lead(lead, scoring_rules(fit, behaviour_rules=webinar, mql_cells=["A2"]), NOW)
    unlisted = score_lead(lead, scoring_rules(fit, behaviour_rules=webinar, mql_cells=["A1", "B2"]), NOW)

    assert (listed.cell, listed.qualifies) == ("A2", True)
    assert (unlisted.cell, unlisted.qualifies) == ("A2", False)


# -- the predictive model --------------------------------------------------------------------------------------------


def predictive_rules(threshold: float | None) -> ScoringRuleSet:
    return scoring_rules(predictive={"mql_probability": threshold})


@pytest.mark.parametrize(("probability", "qualifies"), [(0.8, True), (0.6, True), (0.59, False)])
def test_a_lead_predicted_likely_to_convert_qualifies_outside_the_mql_cells(
    probability: float, qualifies: bool
) -> None:
    prediction = Prediction(probability=probability, reasons=["similar leads converted"], model_version=3)

    score = score_lead(company_lead(), predictive_rules(0.6), NOW, prediction=prediction)

    assert score.cell == "D4"
    assert score.qualifies is qualifies
    assert score.predictive == prediction


def test_a_prediction_does_not_qualify_a_lead_without_a_probability_threshold() -> None:
    prediction = Prediction(probability=0.99, model_version=3)

    assert score_lead(company_lead(), predictive_rules(None), NOW, prediction=prediction).qualifies is False


def test_the_mql_reason_gives_the_predicted_probability_when_the_model_takes_part() -> None:
    rules = predictive_rules(0.6)
    score = score_lead(company_lead(), rules, NOW, prediction=Prediction(probability=0.8, model_version=3))

    assert (
        mql_reason(score, rules)
        == "grade D4 (fit 0, engagement 0) is not an MQL cell; predicted conversion 80% (rules v4)"
    )
