"""Shared fixtures for the domain's unit tests: a fixed clock, the default rule sets, and submission, lead and
engagement-event builders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from leadflow.adapters.memory import (
    InMemoryConfigStore,
    InMemoryEventBus,
    InMemoryLeadStore,
    InMemoryMatchIndex,
    InMemoryOutbox,
)
from leadflow.clock import FixedClock
from leadflow.domain.enrichment import DirectoryProvider, DomainDirectory, enrich
from leadflow.domain.identity import email_domain
from leadflow.domain.merge import apply_submission
from leadflow.domain.notifications import assignment_notification
from leadflow.domain.scoring import score_lead
from leadflow.models.lead import Activity, Assignment, EngagementType, Firmographics, Lead, PropertyValue
from leadflow.models.rules import RepRoster, ScoringRuleSet, parse_ruleset
from leadflow.models.submission import StoredSubmission, SubmissionIn
from leadflow.ports import Notification
from leadflow.services.pipeline_deps import PipelineDeps

CONFIG_DIR = Path(__file__).resolve().parents[2] / "infra" / "config"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LEAD_ID = "lead-0001"

SubmissionFactory = Callable[..., StoredSubmission]
LeadFactory = Callable[..., Lead]

#: What enrichment finds for a mid-market software company (our sweet spot in the default scoring rules).
MIDMARKET_SOFTWARE = Firmographics(
    domain="acme-analytics.example",
    company_name="Acme Analytics",
    industry="software",
    employees=600,
    size_band="201-1000",
    country="DE",
    known=True,
)


def load_config(name: str) -> dict[str, Any]:
    body = yaml.safe_load((CONFIG_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(body, dict)
    return body


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def default_scoring() -> ScoringRuleSet:
    return parse_ruleset("scoring", load_config("scoring.yaml"), version=1)


@pytest.fixture(scope="session")
def default_reps() -> RepRoster:
    return parse_ruleset("reps", load_config("reps.yaml"), version=1)


@pytest.fixture
def submission() -> SubmissionFactory:
    """Build a stored submission; the n-th one built in a test is received n minutes after NOW unless told."""
    count = 0

    def build(
        email: str = "ada.lovelace@northwind.example",
        *,
        submission_id: str | None = None,
        received_at: datetime | None = None,
        **data: Any,
    ) -> StoredSubmission:
        nonlocal count
        count += 1
        return StoredSubmission(
            submission_id=submission_id or f"sub-{count:04d}",
            received_at=received_at or NOW + timedelta(minutes=count),
            data=SubmissionIn(email=email, **data),
        )

    return build


@pytest.fixture
def lead_from() -> LeadFactory:
    """The lead the pipeline would hold after merging and enriching `submissions`, in order."""

    def build(*submissions: StoredSubmission) -> Lead:
        lead: Lead | None = None
        for stored in submissions:
            lead = apply_submission(lead, stored, LEAD_ID, NOW)
        assert lead is not None, "a lead needs at least one submission"
        firmographics = enrich(email_domain(lead.email_canonical), DomainDirectory.bundled())
        return lead.model_copy(update={"firmographics": firmographics})

    return build


def event(event_id: str, kind: EngagementType, *, at: datetime = NOW, **properties: PropertyValue) -> Activity:
    """An engagement event as a lead's activity holds it."""
    return Activity(event_id=event_id, type=kind, occurred_at=at, properties=properties)


def company_lead(*activity: Activity, title: str | None = "VP Marketing", **profile: Any) -> Lead:
    """An enriched lead at a mid-market software company (override with `firmographics=`) that did `activity`."""
    values: dict[str, Any] = {
        "lead_id": LEAD_ID,
        "email": "ada.lovelace@acme-analytics.example",
        "email_canonical": "ada.lovelace@acme-analytics.example",
        "title": title,
        "created_at": NOW,
        "updated_at": NOW,
        "firmographics": MIDMARKET_SOFTWARE,
        "activity": sorted(activity, key=lambda item: (item.occurred_at, item.event_id)),
    }
    return Lead.model_validate(values | profile)


def scoring_rules(
    *fit_rules: dict[str, Any], behaviour_rules: list[dict[str, Any]] | None = None, **rest: Any
) -> ScoringRuleSet:
    """A small rule set: grades A 50 / B 25 / C 10, levels 1 at 70 / 2 at 35 / 3 at 15, MQL cells A1 A2 B1 B2 unless
    `rest` says otherwise."""
    body: dict[str, Any] = {
        "version": 4,
        "grades": {"A": 50, "B": 25, "C": 10},
        "engagement_levels": {"1": 70, "2": 35, "3": 15},
        "mql_cells": ["A1", "A2", "B1", "B2"],
        "fit_rules": list(fit_rules),
        "behaviour_rules": behaviour_rules or [],
    }
    return ScoringRuleSet.model_validate(body | rest)


def memory_deps(now: datetime, rule_sets: dict[str, dict[str, Any]], *, api_base_url: str = "") -> PipelineDeps:
    """What the services run on in unit tests: the in-memory adapters, a clock fixed at `now` (move it with
    `clock(deps).advance(...)`), and `rule_sets` published as version 1 of each kind. Every adapter, with each port
    whole, so the one set satisfies each use case's deps (a test may score, route and decay the same lead)."""
    config = InMemoryConfigStore()
    for kind, body in rule_sets.items():
        config.publish(kind, body)
    return PipelineDeps(
        store=InMemoryLeadStore(),
        index=InMemoryMatchIndex(),
        config=config,
        bus=InMemoryEventBus(),
        outbox=InMemoryOutbox(),
        clock=FixedClock(now),
        directory=DomainDirectory.bundled(),
        enrichment=DirectoryProvider(DomainDirectory.bundled()),
        api_base_url=api_base_url,
    )


def bus(deps: PipelineDeps) -> InMemoryEventBus:
    assert isinstance(deps.bus, InMemoryEventBus)
    return deps.bus


def clock(deps: PipelineDeps) -> FixedClock:
    assert isinstance(deps.clock, FixedClock)
    return deps.clock


def first_rep_assignment(roster: RepRoster, at: datetime) -> Assignment:
    """The assignment routing records when the roster's first active rep gets a lead by round robin."""
    active = [rep for rep in roster.reps if rep.active]
    return Assignment(
        rep_id=active[0].rep_id,
        rep_name=active[0].name,
        rep_email=active[0].email,
        rule="round_robin",
        pool="default",
        cursor=1,
        candidates=[rep.rep_id for rep in active],
        skipped={rep.rep_id: "inactive" for rep in roster.reps if not rep.active},
        ruleset_version=1,
        assigned_at=at,
        strategy="round_robin",
    )


NOTIFICATION_API = "https://api.leadflow.example/prod"


@pytest.fixture
def notification(  # what the delivery tests deliver: an MQL assigned to the first rep
    submission: Callable[..., StoredSubmission],
    lead_from: Callable[..., Lead],
    default_scoring: ScoringRuleSet,
    default_reps: RepRoster,
    now: datetime,
) -> Notification:
    lead = lead_from(
        submission("ada@sap.com", first_name="Ada", last_name="Lovelace", title="VP Sales", form_id="demo-request")
    )
    lead = lead.model_copy(update={"score": score_lead(lead, default_scoring, now)})
    assignment = first_rep_assignment(default_reps, now)
    return assignment_notification(lead, assignment, NOTIFICATION_API)
