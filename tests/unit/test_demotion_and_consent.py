"""When a lead stops being an MQL while a rep owns it, and when a person withdraws marketing consent: the pipeline's
services and the consent API over the in-memory twins, with the lead's SLA timer running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from leadflow.models.consent import ConsentRequest
from leadflow.models.events import (
    EngagementRecorded,
    EngagementState,
    LeadConsentChanged,
    LeadRescoreRequested,
    LeadSlaBreached,
    LeadStageChanged,
    LeadUnassigned,
    SubmissionState,
)
from leadflow.models.lead import Activity, Lead, Stage
from leadflow.models.lifecycle import StageRequest
from leadflow.models.sla import SlaTimerState
from leadflow.models.submission import StoredSubmission, SubmissionIn
from leadflow.services import pipeline
from leadflow.services.consent import change_consent
from leadflow.services.lead_updates import LeadNotFound
from leadflow.services.lifecycle import change_stage
from leadflow.services.pipeline_deps import PipelineDeps
from leadflow.services.routing import open_counter
from leadflow.services.sla import check_timer, start_timer

from tests.unit.conftest import bus, clock, load_config, memory_deps

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday, within business hours
TIMER = "arn:aws:states:eu-central-1:123456789012:execution:leadflow-SlaTimer:t1"
REP = "dana-whitfield"


@pytest.fixture
def deps() -> PipelineDeps:
    kinds = ("scoring", "reps", "matching", "sla", "lifecycle")
    return memory_deps(START, {kind: load_config(f"{kind}.yaml") for kind in kinds})


def stored(deps: PipelineDeps, lead_id: str) -> Lead:
    lead = deps.store.get_lead(lead_id)
    assert lead is not None
    return lead


def owned_mql(deps: PipelineDeps, *, consent: bool = True) -> Lead:
    """A VP at Snowflake who asked for a demo and opted in: A2, an MQL, assigned to Dana, its SLA timer running."""
    document = SubmissionIn(
        email="dana.w@snowflake.com", title="VP of Engineering", form_id="demo-request", consent=consent
    )
    submission = StoredSubmission(submission_id=f"sub_{1:026d}", received_at=START, data=document)
    deps.store.put_submission(submission)
    state = SubmissionState(submission_id=submission.submission_id, received_at=START, submission=document)
    for step in (pipeline.dedupe, pipeline.enrich_lead, pipeline.score, pipeline.route, pipeline.notify):
        state = step(state, deps)
    assert state.lead is not None and (state.lead.stage, state.lead.owner_id) == (Stage.MQL, REP)
    assert start_timer(SlaTimerState(lead_id=state.lead.lead_id, rep_id=REP, timer_id=TIMER), deps).decision == "wait"
    assert deps.config.counter(open_counter(REP)) == 1
    return stored(deps, state.lead.lead_id)


def unsubscribe(deps: PipelineDeps, lead_id: str, event_id: str = "u-1", at: datetime | None = None) -> Lead:
    activity = Activity(
        event_id=f"generic:{event_id}", type="unsubscribe", occurred_at=at or deps.clock.now(), source="generic"
    )
    state = EngagementState(engagement=EngagementRecorded(lead_id=lead_id, provider="generic", activity=activity))
    done = pipeline.record_engagement(state, deps)
    assert done.lead is not None
    return done.lead


# -- an owned MQL that stops qualifying ------------------------------------------------------------------------------


def test_an_unsubscribe_sends_an_unaccepted_mql_back_to_marketing_and_says_why(deps: PipelineDeps) -> None:
    mql = owned_mql(deps)
    clock(deps).advance(minutes=10)

    lead = unsubscribe(deps, mql.lead_id)

    assert lead.score is not None and lead.score.cell == "A4"
    assert (lead.stage, lead.owner_id, lead.assignment) == (Stage.NEW, None, None)
    assert lead.sla is not None and lead.sla.status == "ended"
    assert deps.config.counter(open_counter(REP)) == 0
    (demotion,) = [e for e in bus(deps).of_type(LeadStageChanged) if e.to_stage is Stage.NEW]
    assert demotion.reason.startswith("unsubscribe event generic:u-1 (-40, rule unsubscribed): grade A4")
    (released,) = bus(deps).of_type(LeadUnassigned)
    assert (released.rep_id, released.reason, released.sla_ended) == (REP, demotion.reason, True)
    assert [e.kind for e in deps.store.history(mql.lead_id)].count("unassigned") == 1


def test_a_retried_step_gives_the_rep_back_one_open_lead_only(deps: PipelineDeps) -> None:
    mql = owned_mql(deps)

    unsubscribe(deps, mql.lead_id)
    unsubscribe(deps, mql.lead_id)

    assert deps.config.counter(open_counter(REP)) == 0
    assert len(bus(deps).of_type(LeadUnassigned)) == 1


def test_the_sla_timer_of_a_lead_sent_back_to_marketing_ends_at_its_deadline_without_a_breach(
    deps: PipelineDeps,
) -> None:
    mql = owned_mql(deps)
    unsubscribe(deps, mql.lead_id)
    clock(deps).advance(hours=2)

    checked = check_timer(SlaTimerState(lead_id=mql.lead_id, rep_id=REP, timer_id=TIMER), deps)

    assert checked.decision == "end"
    assert bus(deps).of_type(LeadSlaBreached) == []
    assert stored(deps, mql.lead_id).owner_id is None


def test_a_lead_sales_accepted_keeps_its_stage_and_owner_whatever_the_score(deps: PipelineDeps) -> None:
    mql = owned_mql(deps)
    change_stage(mql.lead_id, StageRequest(action="accept", actor=f"rep:{REP}"), deps)

    lead = unsubscribe(deps, mql.lead_id)

    assert lead.score is not None and lead.score.qualifies is False
    assert (lead.stage, lead.owner_id) == (Stage.SAL, REP)
    assert deps.config.counter(open_counter(REP)) == 1
    assert bus(deps).of_type(LeadUnassigned) == []
    assert lead.consent is False  # consent is withdrawn all the same


def test_an_mql_waiting_in_the_fallback_queue_leaves_it_without_touching_any_rep_count(deps: PipelineDeps) -> None:
    mql = owned_mql(deps)
    queued = mql.model_copy(update={"owner_id": "queue:unassigned", "sla": None})
    deps.store.save_lead(queued, expected_version=mql.version)

    lead = unsubscribe(deps, mql.lead_id)

    assert (lead.stage, lead.owner_id) == (Stage.NEW, None)
    assert [e.rep_id for e in bus(deps).of_type(LeadUnassigned)] == ["queue:unassigned"]
    assert deps.config.counter(open_counter(REP)) == 1  # the queue's lead was never counted against Dana


def test_a_lead_sent_back_to_marketing_is_routed_again_when_it_qualifies_again(deps: PipelineDeps) -> None:
    mql = owned_mql(deps)
    unsubscribe(deps, mql.lead_id)
    clock(deps).advance(days=1)
    meeting = Activity(event_id="generic:m-1", type="meeting_booked", occurred_at=deps.clock.now(), source="generic")
    state = EngagementState(engagement=EngagementRecorded(lead_id=mql.lead_id, provider="generic", activity=meeting))

    done = pipeline.notify(pipeline.route(pipeline.record_engagement(state, deps), deps), deps)

    assert done.lead is not None and done.lead.stage is Stage.MQL and done.lead.owner_id is not None


# -- consent ---------------------------------------------------------------------------------------------------------


def test_an_unsubscribe_event_withdraws_consent_with_its_source_and_time_once(deps: PipelineDeps) -> None:
    mql = owned_mql(deps)
    at = START + timedelta(minutes=5)

    unsubscribe(deps, mql.lead_id, at=at)
    lead = unsubscribe(deps, mql.lead_id, at=at)  # delivered twice

    assert lead.consent is False and lead.consent_record is not None
    assert (lead.consent_record.source, lead.consent_record.at, lead.consent_record.ref) == (
        "unsubscribe:generic",
        at,
        "generic:u-1",
    )
    changes = bus(deps).of_type(LeadConsentChanged)
    assert [(c.consent, c.source, c.at) for c in changes] == [(False, "unsubscribe:generic", at)]
    assert [e.ref for e in deps.store.history(mql.lead_id) if e.kind == "consent_changed"] == ["generic:u-1"]


def test_an_unsubscribe_older_than_a_fresh_opt_in_does_not_withdraw_it(deps: PipelineDeps) -> None:
    mql = owned_mql(deps)
    clock(deps).advance(days=2)
    change_consent(mql.lead_id, ConsentRequest(consent=True, source="preference-center"), deps)

    lead = unsubscribe(deps, mql.lead_id, at=START + timedelta(days=1))  # delivered late

    assert lead.consent is True and lead.consent_record is not None
    assert lead.consent_record.source == "preference-center"


def test_the_consent_api_withdraws_consent_from_an_email_link_and_asks_for_a_rescore(deps: PipelineDeps) -> None:
    mql = owned_mql(deps)
    clock(deps).advance(minutes=30)

    lead = change_consent(mql.lead_id, ConsentRequest(consent=False, source="email-link"), deps)
    again = change_consent(mql.lead_id, ConsentRequest(consent=False, source="email-link"), deps)

    assert lead.consent is False and lead.consent_record is not None
    assert (lead.consent_record.source, lead.consent_record.at) == ("email-link", START + timedelta(minutes=30))
    assert again == lead
    assert [(c.consent, c.source) for c in bus(deps).of_type(LeadConsentChanged)] == [(False, "email-link")]
    assert [r.reason for r in bus(deps).of_type(LeadRescoreRequested)] == ["consent"]
    # Consent is not the score: the default rules do not read it, so the lead stays the rep's MQL.
    assert (lead.stage, lead.owner_id, lead.score) == (Stage.MQL, REP, mql.score)


def test_withdrawing_consent_of_an_unknown_lead_is_refused(deps: PipelineDeps) -> None:
    with pytest.raises(LeadNotFound):
        change_consent("lead_missing", ConsentRequest(consent=False, source="crm"), deps)
