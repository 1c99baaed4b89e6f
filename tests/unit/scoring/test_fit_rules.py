"""Fit: the points a lead earns for who it is (title, company, custom form fields), each line saying why."""

from __future__ import annotations

from datetime import datetime

import pytest
from leadflow.domain.scoring import score_lead
from leadflow.models.lead import Firmographics
from leadflow.models.rules import ScoringRuleSet

from tests.unit.conftest import NOW, company_lead, scoring_rules
from tests.unit.scoring.conftest import LeadFactory, SubmissionFactory, lines_by_rule


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
