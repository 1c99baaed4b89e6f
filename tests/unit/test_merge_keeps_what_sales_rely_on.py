"""A duplicate merged into a lead sales already work must not change who the lead is to them: the pipeline's services
over the in-memory twins, from the demo request to the merge, with the lead's SLA timer running."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from leadflow.models.events import LeadStageChanged, LeadUnassigned, PipelineState, SubmissionState
from leadflow.models.lead import Firmographics, Lead, Stage
from leadflow.models.sla import SlaTimerState
from leadflow.models.submission import StoredSubmission, SubmissionIn
from leadflow.services import pipeline
from leadflow.services.curation import merge_pair
from leadflow.services.pipeline_deps import PipelineDeps
from leadflow.services.routing import open_counter
from leadflow.services.sla import check_timer, start_timer

from tests.unit.conftest import bus, clock, load_config, memory_deps

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday, within business hours
TIMER = "arn:aws:states:eu-central-1:123456789012:execution:leadflow-SlaTimer:t1"
ADYEN = Firmographics(
    domain="adyen.com",
    company_name="Adyen",
    industry="fintech",
    employees=4000,
    size_band="1001-5000",
    country="NL",
    known=True,
)
PRIYA = {"first_name": "Priya", "last_name": "Raman", "phone": "+31 6 12345678", "country": "NL"}


@pytest.fixture
def deps() -> PipelineDeps:
    rule_sets = {kind: load_config(f"{kind}.yaml") for kind in ("scoring", "reps", "matching", "sla")}
    return memory_deps(START, rule_sets, api_base_url="https://leads.example.com")


def submitted(deps: PipelineDeps, number: int, email: str, form_id: str, **fields: object) -> SubmissionState:
    document = SubmissionIn.model_validate({"email": email, "form_id": form_id, **fields})
    received_at = deps.clock.now()
    stored = StoredSubmission(submission_id=f"sub_{number:026d}", received_at=received_at, data=document)
    deps.store.put_submission(stored)
    return SubmissionState(submission_id=stored.submission_id, received_at=received_at, submission=document)


def run_all(state: PipelineState, deps: PipelineDeps) -> Lead:
    for step in (pipeline.dedupe, pipeline.enrich_lead, pipeline.score, pipeline.route, pipeline.notify):
        state = step(state, deps)
    assert state.lead is not None
    return state.lead


def stored(deps: PipelineDeps, lead_id: str) -> Lead:
    lead = deps.store.get_lead(lead_id)
    assert lead is not None
    return lead


def demo_request(deps: PipelineDeps) -> Lead:
    """A Director of Payments Operations at Adyen asks for a demo: A2, an MQL, assigned, its SLA timer running."""
    lead = run_all(
        submitted(deps, 1, "Priya.Raman@adyen.com", "demo-request", title="Director of Payments Operations", **PRIYA),
        deps,
    )
    assert (lead.score and lead.score.cell, lead.stage, lead.firmographics) == ("A2", Stage.MQL, ADYEN)
    assert lead.owner_id is not None
    timer = start_timer(SlaTimerState(lead_id=lead.lead_id, rep_id=lead.owner_id, timer_id=TIMER), deps)
    assert timer.decision == "wait"
    return stored(deps, lead.lead_id)


def test_a_free_mail_duplicate_joining_a_corporate_mql_keeps_its_email_firmographics_grade_stage_and_owner(
    deps: PipelineDeps,
) -> None:
    mql = demo_request(deps)
    clock(deps).advance(minutes=20)

    # The same person downloads an ebook with a plus-tagged Gmail address; the matcher joins it to the MQL.
    joined = run_all(submitted(deps, 2, "priya.raman+webinar@gmail.com", "ebook-download", **PRIYA), deps)

    lead = stored(deps, mql.lead_id)
    assert joined.lead_id == mql.lead_id
    (matched,) = [e.detail["matched"] for e in deps.store.history(mql.lead_id) if "matched" in e.detail]
    assert matched["probability"] >= 0.97
    assert (lead.email, lead.email_canonical) == ("Priya.Raman@adyen.com", "priya.raman@adyen.com")
    assert lead.emails == ["Priya.Raman@adyen.com", "priya.raman+webinar@gmail.com"]
    assert deps.store.lead_for_identity("email", "priyaraman@gmail.com") == mql.lead_id  # still one person
    assert (lead.firmographics, lead.account_id) == (ADYEN, "adyen.com")
    assert lead.score is not None and mql.score is not None
    assert (lead.score.fit, lead.score.grade) == (mql.score.fit, "A")
    assert (lead.stage, lead.owner_id, lead.assignment) == (Stage.MQL, mql.owner_id, mql.assignment)
    assert lead.sla is not None and (lead.sla.timer_id, lead.sla.status) == (TIMER, "running")
    assert [(e.from_stage, e.to_stage) for e in bus(deps).of_type(LeadStageChanged)] == [(Stage.NEW, Stage.MQL)]
    assert bus(deps).of_type(LeadUnassigned) == []


@pytest.mark.parametrize("survivor", ["free-mail lead", "corporate lead"])
def test_merging_a_free_mail_lead_and_a_corporate_mql_by_hand_keeps_the_work_address_and_the_company(
    deps: PipelineDeps, survivor: str
) -> None:
    mql = demo_request(deps)
    clock(deps).advance(hours=1)
    # Too little in common for the matcher: a separate lead, which a rep then merges.
    personal = run_all(submitted(deps, 2, "p.r.1987@gmail.com", "ebook-download"), deps)
    assert personal.lead_id != mql.lead_id and personal.firmographics is not None and personal.firmographics.free_mail

    keep, other = (personal, mql) if survivor == "free-mail lead" else (mql, personal)
    merged = merge_pair(keep.lead_id, other.lead_id, actor="rep:marcus-okafor", deps=deps)

    assert merged.lead_id == keep.lead_id
    assert merged.email == "Priya.Raman@adyen.com"
    assert sorted(merged.emails) == ["Priya.Raman@adyen.com", "p.r.1987@gmail.com"]
    assert (merged.firmographics, merged.account_id) == (ADYEN, "adyen.com")
    assert merged.score is not None and (merged.score.grade, merged.stage) == ("A", Stage.MQL)
    assert merged.owner_id == mql.owner_id and mql.owner_id is not None
    assert deps.config.counter(open_counter(mql.owner_id)) == 1
    for email in ("priya.raman@adyen.com", "pr1987@gmail.com"):
        assert deps.store.lead_for_identity("email", email) == keep.lead_id


def test_enriching_again_never_lowers_a_known_company_to_an_unknown_one(deps: PipelineDeps) -> None:
    mql = demo_request(deps)

    class Outage:
        """A provider that knows nothing today (every domain looks unknown)."""

        name = "outage"

        def lookup(self, domain: str) -> Firmographics | None:
            return None

    enriched = pipeline.enrich_lead(
        SubmissionState(submission_id="sub_x", received_at=START, submission=SubmissionIn(email=mql.email), lead=mql),
        PipelineDeps(**{**deps.__dict__, "enrichment": Outage()}),
    )

    assert enriched.lead is not None and enriched.lead.firmographics == ADYEN
    assert check_timer(SlaTimerState(lead_id=mql.lead_id, rep_id="x", timer_id=TIMER), deps).decision == "wait"


def test_a_later_work_address_becomes_primary_and_brings_its_company(deps: PipelineDeps) -> None:
    personal = run_all(
        submitted(deps, 1, "priya.raman@gmail.com", "ebook-download", title="Director of Payments", **PRIYA), deps
    )
    assert personal.firmographics is not None and personal.firmographics.free_mail
    clock(deps).advance(days=1)

    lead = run_all(submitted(deps, 2, "Priya.Raman@adyen.com", "demo-request", **PRIYA), deps)

    assert lead.lead_id == personal.lead_id
    assert (lead.email, lead.firmographics, lead.account_id) == ("Priya.Raman@adyen.com", ADYEN, "adyen.com")
    assert lead.score is not None and lead.score.grade == "A" and lead.stage is Stage.MQL


def test_merging_two_owned_mqls_gives_the_other_rep_their_open_lead_back_and_ends_the_other_timer(
    deps: PipelineDeps,
) -> None:
    first = demo_request(deps)
    second = run_all(
        submitted(deps, 2, "priya@adyen-payments.example", "demo-request", title="VP Payments", company="Adyen"), deps
    )
    assert second.owner_id not in (None, first.owner_id) and first.owner_id is not None
    other_timer = TIMER.replace(":t1", ":t2")
    assert start_timer(SlaTimerState(lead_id=second.lead_id, rep_id=second.owner_id, timer_id=other_timer), deps)
    assert second.owner_id is not None

    merge_pair(first.lead_id, second.lead_id, actor="rep:marcus-okafor", deps=deps)

    assert deps.config.counter(open_counter(first.owner_id)) == 1
    assert deps.config.counter(open_counter(second.owner_id)) == 0
    tombstone = stored(deps, second.lead_id)
    assert tombstone.sla is not None and tombstone.sla.status == "ended"
    clock(deps).advance(hours=5)
    ended = check_timer(SlaTimerState(lead_id=second.lead_id, rep_id=second.owner_id, timer_id=other_timer), deps)
    assert ended.decision == "end"
