"""Shared by the pipeline service tests: the in-memory twins with the default rule sets, and leads brought through
the pipeline's steps as a submission, an engagement event or a rescore request would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from leadflow.models.events import (
    EngagementRecorded,
    EngagementState,
    LeadStageChanged,
    PipelineState,
    SubmissionState,
)
from leadflow.models.lead import Activity, EngagementType, Lead, PropertyValue, Stage
from leadflow.models.submission import StoredSubmission, SubmissionIn
from leadflow.services import pipeline
from leadflow.services.pipeline import PipelineDeps

from tests.unit.conftest import bus, load_config, memory_deps

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def deps() -> PipelineDeps:
    rule_sets = {kind: load_config(f"{kind}.yaml") for kind in ("scoring", "reps", "matching")}
    return memory_deps(START, rule_sets, api_base_url="https://leads.example.com")


def submitted(
    deps: PipelineDeps,
    number: int,
    email: str = "dana.whitfield@snowflake.com",
    *,
    received_at: datetime = START,
    **fields: object,
) -> SubmissionState:
    """A submission as intake stored and announced it: the state the pipeline starts from."""
    document = SubmissionIn.model_validate(
        {"email": email, "title": "VP of Engineering", "form_id": "demo-request", **fields}
    )
    stored = StoredSubmission(submission_id=f"sub_{number:026d}", received_at=received_at, data=document)
    deps.store.put_submission(stored)
    return SubmissionState(submission_id=stored.submission_id, received_at=received_at, submission=document)


def run_all(initial: PipelineState, deps: PipelineDeps) -> PipelineState:
    current = initial
    for step in (pipeline.dedupe, pipeline.enrich_lead, pipeline.score, pipeline.route, pipeline.notify):
        current = step(current, deps)
    return current


PRICING = "https://www.celonis.example/pricing"
CAREERS = "https://www.celonis.example/careers"


def stored(deps: PipelineDeps, lead_id: str) -> Lead:
    lead = deps.store.get_lead(lead_id)
    assert lead is not None
    return lead


def stage_changes(deps: PipelineDeps, lead_id: str) -> list[tuple[Stage, Stage]]:
    return [(e.from_stage, e.to_stage) for e in bus(deps).of_type(LeadStageChanged) if e.lead_id == lead_id]


def engaged(
    lead_id: str, event_id: str, kind: EngagementType, at: datetime, **properties: PropertyValue
) -> EngagementState:
    """The state of a run started by engagement.recorded."""
    activity = Activity(event_id=event_id, type=kind, occurred_at=at, source="generic", properties=properties)
    return EngagementState(engagement=EngagementRecorded(lead_id=lead_id, provider="generic", activity=activity))


def mql(deps: PipelineDeps, number: int = 1, email: str = "dana.whitfield@snowflake.com") -> Lead:
    """A VP at Snowflake (fit 60, grade A) who requests a demo now (40 points halving every 30 days): A2, an MQL,
    routed and notified. The request decays below 35 (level 3) after 30 x log2(40/35) days, about 5 days 19 hours."""
    done = run_all(submitted(deps, number, email, received_at=deps.clock.now()), deps)
    assert done.lead is not None and done.lead.stage is Stage.MQL
    return done.lead


def known_lead(deps: PipelineDeps, **fields: Any) -> Lead:
    """A VP of Marketing at a mid-market software company (fit 70, grade A) who sent a form no rule scores: A4."""
    state = submitted(deps, 1, "ada.lovelace@celonis.com", title="VP Marketing", form_id="contact-us", **fields)
    done = pipeline.score(pipeline.enrich_lead(pipeline.dedupe(state, deps), deps), deps)
    assert done.lead is not None and done.lead.score is not None
    assert (done.lead.score.cell, done.lead.stage) == ("A4", Stage.NEW)
    return done.lead
