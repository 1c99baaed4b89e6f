"""The message a rep gets when a lead is assigned to them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from leadflow.domain.notifications import assignment_notification
from leadflow.domain.scoring import score_lead
from leadflow.models.lead import Assignment, Lead
from leadflow.models.rules import RepRoster, ScoringRuleSet
from leadflow.models.submission import StoredSubmission

from tests.unit.conftest import first_rep_assignment

SubmissionFactory = Callable[..., StoredSubmission]
LeadFactory = Callable[..., Lead]
API = "https://api.leadflow.example/prod/"


@pytest.fixture
def scored_lead(
    submission: SubmissionFactory, lead_from: LeadFactory, default_scoring: ScoringRuleSet, now: datetime
) -> Lead:
    lead = lead_from(
        submission("ada@sap.com", first_name="Ada", last_name="Lovelace", title="VP Sales", form_id="demo-request")
    )
    return lead.model_copy(update={"score": score_lead(lead, default_scoring, now)})


@pytest.fixture
def assignment(default_reps: RepRoster, now: datetime) -> Assignment:
    return first_rep_assignment(default_reps, now)


def test_the_notification_id_is_derived_from_the_lead_and_assignment_time(
    scored_lead: Lead, assignment: Assignment
) -> None:
    notification = assignment_notification(scored_lead, assignment, API)

    assert notification.notification_id == f"assigned#{scored_lead.lead_id}#2026-03-02T09:30:00+00:00"
    assert notification == assignment_notification(scored_lead, assignment, API)


def test_the_notification_goes_to_the_assigned_rep(scored_lead: Lead, assignment: Assignment) -> None:
    notification = assignment_notification(scored_lead, assignment, API)

    assert (notification.rep_id, notification.lead_id) == ("dana-whitfield", scored_lead.lead_id)
    assert notification.body.startswith("Hi Dana,")


def test_the_subject_names_the_lead_company_and_score(scored_lead: Lead, assignment: Assignment) -> None:
    notification = assignment_notification(scored_lead, assignment, API)

    assert scored_lead.score is not None
    assert notification.subject == f"New lead for you: Ada Lovelace at SAP (score {scored_lead.score.total})"


def test_the_body_explains_every_score_line(scored_lead: Lead, assignment: Assignment) -> None:
    notification = assignment_notification(scored_lead, assignment, API)

    assert scored_lead.score is not None
    assert all(f"  - {line.reason}" in notification.body for line in scored_lead.score.lines)
    assert "  - Asked for a demo: form submitted once, latest 2026-03-02; +40 halving every 30 days (+40)" in (
        notification.body
    )


def test_the_body_gives_the_grade_cell_fit_and_engagement(scored_lead: Lead, assignment: Assignment) -> None:
    notification = assignment_notification(scored_lead, assignment, API)

    assert "Score A2: fit 65, engagement 40:" in notification.body.splitlines()


def test_the_body_shows_engagement_as_it_stood_when_the_lead_was_scored(
    submission: SubmissionFactory,
    lead_from: LeadFactory,
    default_scoring: ScoringRuleSet,
    assignment: Assignment,
    now: datetime,
) -> None:
    lead = lead_from(submission("ada@sap.com", title="VP Sales", form_id="demo-request", received_at=now))
    scored = lead.model_copy(update={"score": score_lead(lead, default_scoring, now + timedelta(days=30))})

    notification = assignment_notification(scored, assignment, API)

    assert "Score A3: fit 65, engagement 20:" in notification.body.splitlines()
    assert "(+20)" in notification.body


def test_the_notification_links_to_the_lead_in_the_api(scored_lead: Lead, assignment: Assignment) -> None:
    notification = assignment_notification(scored_lead, assignment, API)

    link = f"https://api.leadflow.example/prod/v1/leads/{scored_lead.lead_id}"
    assert link in notification.body
    assert notification.payload["lead_url"] == link
