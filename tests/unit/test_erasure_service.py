"""Erasure and export over the in-memory twins: a person is forgotten with every lead merged into them, an erase
that fails half-way completes on retry, repeated requests agree, and nothing kept or published names the person."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from leadflow.adapters.memory import InMemoryEventBus, InMemoryLeadStore, InMemoryMatchIndex, InMemoryOutbox
from leadflow.adapters.memory_erasure import InMemoryAuditLog, InMemoryPersonalDataStore, InMemorySuppressionList
from leadflow.models.engagement import EngagementEventIn
from leadflow.models.events import LeadErased, SubmissionState
from leadflow.models.lead import HistoryEntry
from leadflow.models.submission import StoredSubmission, SubmissionIn
from leadflow.services import pipeline
from leadflow.services.curation import merge_pair
from leadflow.services.dedupe import SubmissionErased
from leadflow.services.engagement import EngagementDeps, receive_engagement
from leadflow.services.erasure import (
    ErasureDeps,
    LeadErasedAlready,
    Requester,
    email_hash,
    erase,
    export,
    is_suppressed,
)
from leadflow.services.lead_updates import LeadNotFound
from leadflow.services.pipeline_deps import PipelineDeps
from leadflow.services.routing import open_counter

from tests.unit.conftest import load_config, memory_deps

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SALT = "test-salt"
WORK, PRIVATE, PHONE = "priya.raman@stripe.com", "priya.raman@gmail.com", "+49 30 5550 1987"
DPO = Requester(actor="dpo@example.com", api_key_id="key-1", request_id="req-1")


@pytest.fixture
def deps() -> PipelineDeps:
    rule_sets = {kind: load_config(f"{kind}.yaml") for kind in ("scoring", "reps", "matching")}
    return memory_deps(START, rule_sets, api_base_url="https://leads.example.com")


def erasure_deps(deps: PipelineDeps) -> ErasureDeps:
    assert isinstance(deps.store, InMemoryLeadStore) and isinstance(deps.index, InMemoryMatchIndex)
    assert isinstance(deps.outbox, InMemoryOutbox)
    return ErasureDeps(
        store=deps.store,
        index=deps.index,
        outbox=deps.outbox,
        config=deps.config,
        personal=InMemoryPersonalDataStore(deps.store, deps.index, deps.outbox),
        suppression=InMemorySuppressionList(),
        audit=InMemoryAuditLog(),
        bus=deps.bus,
        clock=deps.clock,
        salt=SALT,
    )


def submit(deps: PipelineDeps, number: int, email: str, **fields: object) -> str:
    """Run a submission through the pipeline; the id of the lead it joined."""
    document = SubmissionIn.model_validate(
        {"email": email, "first_name": "Priya", "last_name": "Raman", "phone": PHONE, "country": "DE", **fields}
    )
    stored = StoredSubmission(submission_id=f"sub_{number:026d}", received_at=START, data=document)
    deps.store.put_submission(stored)
    state = SubmissionState(submission_id=stored.submission_id, received_at=START, submission=document)
    for step in (pipeline.dedupe, pipeline.enrich_lead, pipeline.score, pipeline.route, pipeline.notify):
        state = step(state, deps)
    return state.require_lead().lead_id


def a_person(deps: PipelineDeps) -> tuple[str, str]:
    """Priya's demo request (an MQL, routed and notified) and a second lead of hers merged into it by hand."""
    lead_id = submit(deps, 1, WORK, title="VP Engineering", company="Stripe", form_id="demo-request", consent=True)
    other_id = submit(deps, 2, PRIVATE, first_name="P.", last_name="Raman-Iyer", phone=None, form_id="newsletter")
    assert other_id != lead_id, "a different name and no phone: a second lead"
    merge_pair(lead_id, other_id, actor="rep", deps=deps)
    return lead_id, other_id


def everything(deps: PipelineDeps) -> str:
    assert isinstance(deps.store, InMemoryLeadStore) and isinstance(deps.index, InMemoryMatchIndex)
    items = [*deps.store._table.all(), *deps.index._table.all()]
    assert isinstance(deps.outbox, InMemoryOutbox)
    items += deps.outbox._table.all()
    return json.dumps(items).lower()


def test_erasing_a_survivor_forgets_the_leads_merged_into_it(deps: PipelineDeps) -> None:
    # Given a person with two leads merged into one, notified to a rep
    lead_id, other_id = a_person(deps)
    assert "notified" in {entry.kind for entry in deps.store.history(lead_id)}

    # When the survivor is erased
    answer = erase(lead_id, DPO, erasure_deps(deps))

    # Then both leads are gone and no item names the person, their phone or their name
    assert answer.status == "done" and set(answer.lead_ids) == {lead_id, other_id}
    assert deps.store.get_lead(lead_id) is None and deps.store.get_lead(other_id) is None
    held = everything(deps)
    for needle in (WORK, PRIVATE, "+493055501987", "raman"):
        assert needle not in held


def test_the_event_and_the_audit_name_no_one(deps: PipelineDeps) -> None:
    lead_id, _ = a_person(deps)
    erasing = erasure_deps(deps)

    erase(lead_id, DPO, erasing)

    assert isinstance(deps.bus, InMemoryEventBus)
    [event] = deps.bus.of_type(LeadErased)
    assert event.lead_id == lead_id and event.counts["submission"] == 2 and event.counts["lead"] == 2
    assert isinstance(erasing.audit, InMemoryAuditLog)
    [entry] = erasing.audit.entries
    assert (entry.action, entry.lead_id, entry.actor, entry.api_key_id) == ("erase", lead_id, DPO.actor, "key-1")
    for text in (event.model_dump_json(), repr(entry)):
        assert "raman" not in text.lower() and "stripe.com" not in text


def test_only_the_salted_hashes_of_the_emails_stay_on_the_suppression_list(deps: PipelineDeps) -> None:
    lead_id, _ = a_person(deps)
    erasing = erasure_deps(deps)

    erase(lead_id, DPO, erasing)

    assert isinstance(erasing.suppression, InMemorySuppressionList)
    assert set(erasing.suppression.hashes) == {email_hash(WORK, SALT), email_hash(PRIVATE, SALT)}
    assert email_hash("Priya.Raman+promo@Stripe.com", SALT) == email_hash(WORK, SALT)  # canonical, as claims are
    assert email_hash(WORK, "another-salt") != email_hash(WORK, SALT)


@pytest.mark.parametrize("fail_after", [0, 1, 5, 12, 25])
def test_an_erase_that_fails_half_way_completes_on_retry(deps: PipelineDeps, fail_after: int) -> None:
    # Given an erase whose store fails after some deletions
    lead_id, other_id = a_person(deps)
    erasing = erasure_deps(deps)
    assert isinstance(erasing.personal, InMemoryPersonalDataStore)
    erasing.personal.fail_after = fail_after
    with pytest.raises(ConnectionError):
        erase(lead_id, DPO, erasing)
    assert erasing.personal.erasure(lead_id) is not None
    assert erasing.personal.erasure(lead_id).status == "in_progress"  # type: ignore[union-attr]

    # When the same request is sent again
    answer = erase(lead_id, DPO, erasing)

    # Then it is done, with the counts of the whole erasure, and nothing of the person is left
    assert answer.status == "done" and answer.counts["submission"] == 2
    assert set(answer.lead_ids) == {lead_id, other_id}
    assert "raman" not in everything(deps)


def test_an_erase_repeated_answers_the_same_record_and_an_unknown_id_is_not_found(deps: PipelineDeps) -> None:
    lead_id, _ = a_person(deps)
    erasing = erasure_deps(deps)

    first = erase(lead_id, DPO, erasing)
    second = erase(lead_id, DPO, erasing)

    assert second == first
    with pytest.raises(LeadNotFound):
        erase("lead_" + "0" * 26, DPO, erasing)


def test_naming_a_merged_away_lead_erases_its_whole_person(deps: PipelineDeps) -> None:
    lead_id, other_id = a_person(deps)
    erasing = erasure_deps(deps)

    answer = erase(other_id, DPO, erasing)

    assert answer.person_id == lead_id and answer.lead_id == other_id
    assert deps.store.get_lead(lead_id) is None
    assert erase(lead_id, DPO, erasing).status == "done"


def test_an_export_holds_the_person_and_not_the_possible_duplicates_evidence(deps: PipelineDeps) -> None:
    # Given a person, a note in their history, and a possible duplicate whose evidence holds another lead's values
    lead_id, other_id = a_person(deps)
    deps.store.add_history(lead_id, HistoryEntry(at=START, kind="touched", ref="call-1"))

    # When their data is exported
    document = export(other_id, DPO, erasure_deps(deps))

    # Then it is the survivor's person: both leads, both submissions, the history, the rep's notification
    assert document.lead_id == lead_id
    assert [lead.lead_id for lead in document.leads] == [lead_id, other_id]
    assert {s.data.email for s in document.submissions} == {WORK, PRIVATE}
    assert "touched" in {entry.kind for entry in document.history[lead_id]}
    assert document.notifications and document.notifications[0].lead_id == lead_id
    assert document.merges and document.merges[0].other_id == other_id
    assert "evidence" not in document.model_dump_json(include={"possible_duplicates"})


def test_an_erased_person_cannot_be_exported(deps: PipelineDeps) -> None:
    lead_id, _ = a_person(deps)
    erasing = erasure_deps(deps)
    erase(lead_id, DPO, erasing)

    with pytest.raises(LeadErasedAlready):
        export(lead_id, DPO, erasing)


@pytest.mark.parametrize(("consent", "expected"), [(False, False), (True, True)])
def test_a_returning_person_is_accepted_with_only_the_consent_their_new_form_gives(
    deps: PipelineDeps, consent: bool, expected: bool
) -> None:
    # Given a person who gave consent and was erased
    lead_id, _ = a_person(deps)
    erasing = erasure_deps(deps)
    erase(lead_id, DPO, erasing)
    returning = replace(deps, suppressed=lambda email: is_suppressed(email, erasing.suppression, SALT))

    # When the same address sends a form again
    new_id = submit(returning, 3, WORK.upper(), form_id="ebook-download", consent=consent)

    # Then it is a new lead, kept, with consent only if this form gave it, and its history says why
    lead = returning.store.get_lead(new_id)
    assert lead is not None and new_id != lead_id
    assert lead.consent is expected
    if not consent:
        assert lead.consent_record is not None and lead.consent_record.source == "suppression"
    [entry] = [e for e in returning.store.history(new_id) if e.kind == "submission"]
    assert entry.detail["returning_after_erasure"] is True


def test_a_second_form_after_the_return_keeps_the_consent_given_then(deps: PipelineDeps) -> None:
    lead_id, _ = a_person(deps)
    erasing = erasure_deps(deps)
    erase(lead_id, DPO, erasing)
    returning = replace(deps, suppressed=lambda email: is_suppressed(email, erasing.suppression, SALT))
    new_id = submit(returning, 3, WORK, form_id="demo-request", consent=True)

    again = submit(returning, 4, WORK, form_id="ebook-download", consent=False)

    lead = returning.store.get_lead(again)
    assert again == new_id and lead is not None and lead.consent is True


def test_erasing_an_owned_open_lead_gives_its_rep_the_capacity_back(deps: PipelineDeps) -> None:
    lead_id, _ = a_person(deps)
    lead = deps.store.get_lead(lead_id)
    assert lead is not None and lead.owner_id is not None
    before = deps.config.counter(open_counter(lead.owner_id))
    erasing = erasure_deps(deps)
    assert isinstance(erasing.personal, InMemoryPersonalDataStore)
    erasing.personal.fail_after = 3

    with pytest.raises(ConnectionError):
        erase(lead_id, DPO, erasing)
    erase(lead_id, DPO, erasing)

    assert deps.config.counter(open_counter(lead.owner_id)) == before - 1  # once, though asked twice


def test_engagement_about_an_erased_address_is_not_collected_again(deps: PipelineDeps) -> None:
    # Given an erased person whose address a marketing tool still tracks
    lead_id, _ = a_person(deps)
    erasing = erasure_deps(deps)
    erase(lead_id, DPO, erasing)
    engagement = EngagementDeps(
        store=deps.store,
        bus=deps.bus,
        clock=deps.clock,
        suppressed=lambda email: is_suppressed(email, erasing.suppression, SALT),
    )
    event = EngagementEventIn.model_validate(
        {"event_id": "evt-after", "type": "email_open", "email": WORK, "occurred_at": START.isoformat()}
    )

    # When an event about the address arrives
    [receipt] = receive_engagement("generic", [event], engagement)

    # Then nothing is parked or recorded under it
    assert receipt.status == "suppressed"
    assert deps.store.parked_activity(WORK) == []
    assert not deps.store.engagement_event_recorded("generic", "evt-after")


def test_a_replayed_run_of_an_erased_submission_brings_nobody_back(deps: PipelineDeps) -> None:
    # Given an erased person, and their first submission's run still in a dead-letter queue
    lead_id, _ = a_person(deps)
    erasing = erasure_deps(deps)
    erase(lead_id, DPO, erasing)
    returning = replace(deps, suppressed=lambda email: is_suppressed(email, erasing.suppression, SALT))
    document = SubmissionIn.model_validate({"email": WORK, "last_name": "Raman", "form_id": "demo-request"})
    replay = SubmissionState(submission_id=f"sub_{1:026d}", received_at=START, submission=document)

    # When the run is redriven
    with pytest.raises(SubmissionErased):
        pipeline.dedupe(replay, returning)

    # Then nothing about the person was written
    assert "raman" not in everything(deps)


def test_the_event_names_the_persons_active_nurture_enrolments_so_their_executions_stop(deps: PipelineDeps) -> None:
    from leadflow.models.enrolment import Enrolment

    lead_id, _ = a_person(deps)
    lead = deps.store.get_lead(lead_id)
    assert lead is not None
    active = Enrolment(
        enrolment_id="nur_1",
        track_id="welcome",
        track_version=1,
        cause="scored_below_mql",
        entry_stage="new",
        enrolled_at=lead.created_at,
    )
    deps.store.save_lead(lead.model_copy(update={"nurture": [active]}), expected_version=lead.version)

    erase(lead_id, DPO, erasure_deps(deps))

    assert isinstance(deps.bus, InMemoryEventBus)
    [event] = deps.bus.of_type(LeadErased)
    assert event.enrolment_ids == ["nur_1"]
