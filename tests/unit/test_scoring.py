"""Scoring: how good a lead is, why, and when that makes it an MQL (default rules from infra/config/scoring.yaml)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from leadflow.domain.scoring import mql_reason, score_lead, stage_after_scoring
from leadflow.models.lead import Firmographics, Lead, Stage
from leadflow.models.rules import ScoringRuleSet
from leadflow.models.submission import StoredSubmission

SubmissionFactory = Callable[..., StoredSubmission]
LeadFactory = Callable[..., Lead]


def rules(*fit_rules: dict[str, object], behaviour_rules: list[dict[str, object]] | None = None) -> ScoringRuleSet:
    return ScoringRuleSet.model_validate(
        {"version": 4, "mql_threshold": 50, "fit_rules": list(fit_rules), "behaviour_rules": behaviour_rules or []}
    )


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

    assert stage_after_scoring(lead, score, default_scoring) is Stage.MQL


def test_free_mail_newsletter_signup_is_not_an_mql(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    lead = lead_from(submission("ada.lovelace@gmail.com", form_id="newsletter"))

    score = score_lead(lead, default_scoring, now)

    assert stage_after_scoring(lead, score, default_scoring) is Stage.NEW


def test_free_mail_lead_does_not_become_an_mql_by_volume_of_content_downloads(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    forms = ["newsletter"] * 4 + ["ebook-download"] * 5 + ["webinar-registration"] * 3
    lead = lead_from(*(submission("ada.lovelace@gmail.com", form_id=form, phone="+44 20 7946 0958") for form in forms))

    score = score_lead(lead, default_scoring, now)

    assert stage_after_scoring(lead, score, default_scoring) is Stage.NEW


def test_score_lines_add_up_to_fit_behaviour_and_total(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    lead = lead_from(
        submission("ada@sap.com", title="Director of IT", phone="+49 30 1234567", form_id="ebook-download"),
        submission("ada@sap.com", form_id="demo-request"),
    )

    score = score_lead(lead, default_scoring, now)

    assert score.fit == sum(line.points for line in score.lines if line.kind == "fit")
    assert score.behaviour == sum(line.points for line in score.lines if line.kind == "behaviour")
    assert score.total == score.fit + score.behaviour == sum(line.points for line in score.lines)
    assert {line.rule_id for line in score.lines} == {
        "director-title", "known-company", "size-enterprise", "target-industry", "phone-given",
        "demo-request", "ebook", "repeat-engagement",
    }  # fmt: skip


def test_a_score_line_names_its_rule_and_what_about_the_lead_earned_the_points(
    submission: SubmissionFactory, lead_from: LeadFactory, now: datetime
) -> None:
    lead = lead_from(submission(title="VP Engineering"))
    senior = rules({"id": "senior", "description": "Senior", "field": "title", "matches": "VP|Chief", "points": 25})

    (line,) = score_lead(lead, senior, now).lines

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


def test_behaviour_points_stop_at_the_rule_cap(
    submission: SubmissionFactory, lead_from: LeadFactory, now: datetime
) -> None:
    lead = lead_from(*(submission(form_id="ebook-download") for _ in range(5)))
    capped = rules(behaviour_rules=[{"id": "ebook", "form_ids": ["ebook-download"], "points": 10, "max_points": 30}])

    (line,) = score_lead(lead, capped, now).lines

    assert line.points == 30
    assert line.reason == "ebook-download submitted 5 times, +10 each, capped at 30 (+30)"


def test_a_once_rule_counts_repeated_submissions_once(
    submission: SubmissionFactory, lead_from: LeadFactory, now: datetime
) -> None:
    lead = lead_from(*(submission(form_id="newsletter") for _ in range(3)))
    once = rules(behaviour_rules=[{"id": "newsletter", "form_ids": ["newsletter"], "points": 5, "once": True}])

    (line,) = score_lead(lead, once, now).lines

    assert line.points == 5
    assert line.reason == "newsletter submitted 3 times, counted once (+5)"


def test_an_any_form_rule_counts_every_submission_including_those_without_a_form(
    submission: SubmissionFactory, lead_from: LeadFactory, now: datetime
) -> None:
    lead = lead_from(submission(form_id="newsletter"), submission(), submission(form_id="demo-request"))
    visits = rules(behaviour_rules=[{"id": "visits", "any_form": True, "points": 2}])

    (line,) = score_lead(lead, visits, now).lines

    assert line.points == 6


def test_a_negative_behaviour_rule_is_capped_in_size(
    submission: SubmissionFactory, lead_from: LeadFactory, now: datetime
) -> None:
    lead = lead_from(*(submission(form_id="careers") for _ in range(4)))
    job_seeker = rules(behaviour_rules=[{"id": "careers", "form_ids": ["careers"], "points": -10, "max_points": 25}])

    (line,) = score_lead(lead, job_seeker, now).lines

    assert line.points == -25


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


def test_a_numeric_fit_rule_compares_the_employee_count(
    submission: SubmissionFactory, lead_from: LeadFactory, now: datetime
) -> None:
    lead = lead_from(submission()).model_copy(
        update={"firmographics": Firmographics(domain="northwind.example", employees=800, known=True)}
    )
    large = rules({"id": "large", "field": "firmographics.employees", "gte": 500, "points": 10})

    (line,) = score_lead(lead, large, now).lines

    assert line.reason == "employees is 800, at least 500 (+10)"


def test_a_score_records_the_rule_set_version_and_when_it_was_computed(
    submission: SubmissionFactory, lead_from: LeadFactory, now: datetime
) -> None:
    score = score_lead(lead_from(submission()), rules(), now)

    assert (score.ruleset_version, score.scored_at) == (4, now)


def test_a_high_total_without_enough_fit_is_not_an_mql(
    submission: SubmissionFactory, lead_from: LeadFactory, now: datetime
) -> None:
    lead = lead_from(submission(form_id="demo-request"))
    behaviour_only = rules(behaviour_rules=[{"id": "demo", "form_ids": ["demo-request"], "points": 90}]).model_copy(
        update={"mql_fit": 10}
    )

    score = score_lead(lead, behaviour_only, now)

    assert score.total >= behaviour_only.mql_threshold
    assert stage_after_scoring(lead, score, behaviour_only) is Stage.NEW
    assert mql_reason(score, behaviour_only) == "score 90 ≥ 50, fit 0 < 10 (rules v4)"


def test_an_mql_is_not_demoted_by_a_lower_score(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> None:
    lead = lead_from(submission("ada.lovelace@gmail.com")).model_copy(update={"stage": Stage.MQL})

    score = score_lead(lead, default_scoring, now)

    assert stage_after_scoring(lead, score, default_scoring) is Stage.MQL


@pytest.mark.parametrize("stage", [Stage.SAL, Stage.SQL, Stage.DISQUALIFIED, Stage.RECYCLED])
def test_stages_set_after_qualification_are_never_changed_by_scoring(
    stage: Stage,
    submission: SubmissionFactory,
    lead_from: LeadFactory,
    default_scoring: ScoringRuleSet,
    now: datetime,
) -> None:
    lead = lead_from(submission("ada@sap.com", title="CEO", form_id="demo-request")).model_copy(update={"stage": stage})

    score = score_lead(lead, default_scoring, now)

    assert stage_after_scoring(lead, score, default_scoring) is stage
