"""The SlaTimer's steps over the in-memory twins with a fixed clock: what is stored, written to history and
announced at each deadline, and what a retried step does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from leadflow.domain.routing import NoEligibleRep
from leadflow.models.events import LeadAssigned, LeadEscalated, LeadSlaBreached, LeadTouched
from leadflow.models.lead import Assignment, Lead, Score, Stage
from leadflow.models.sla import SlaTimerState, TouchRequest
from leadflow.services.pipeline_deps import PipelineDeps
from leadflow.services.sla import breach_and_reassign, check_timer, escalate, start_timer, touch_lead

from tests.unit.conftest import bus, clock, load_config, memory_deps

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TIMER = "arn:aws:states:us-east-1:123456789012:execution:leadflow-SlaTimer:t1"
REPS = ["ana", "ben", "cy"]


@pytest.fixture
def deps() -> PipelineDeps:
    reps = {"reps": [{"rep_id": r, "name": r.title(), "email": f"{r}@example.com"} for r in REPS]}
    return memory_deps(START, {"sla": load_config("sla.yaml"), "reps": reps})


def given_a1_lead(deps: PipelineDeps, owner: str = "ana") -> str:
    score = Score(
        fit=60, engagement=80, total=140, grade="A", level=1, qualifies=True, ruleset_version=1, scored_at=START
    )
    assignment = Assignment(
        rep_id=owner, rep_name=owner.title(), rule="round_robin", pool="default", ruleset_version=1, assigned_at=START
    )
    lead = Lead(
        lead_id="lead_1",
        email="ada@northwind.example",
        email_canonical="ada@northwind.example",
        created_at=START,
        updated_at=START,
        score=score,
        stage=Stage.MQL,
        owner_id=owner,
        assignment=assignment,
    )
    deps.store.save_lead(lead, expected_version=None)
    return lead.lead_id


def lead(deps: PipelineDeps, lead_id: str = "lead_1") -> Lead:
    found = deps.store.get_lead(lead_id)
    assert found is not None
    return found


def run_to_deadline(deps: PipelineDeps, timer: SlaTimerState, **after: Any) -> SlaTimerState:
    clock(deps).advance(minutes=6)
    checked = check_timer(timer, deps)
    steps = {"reassign": breach_and_reassign, "escalate": escalate}
    return steps[checked.decision](checked, deps) if checked.decision in steps else checked


def test_an_untouched_a1_lead_goes_to_two_other_reps_and_then_to_the_manager(deps: PipelineDeps) -> None:
    given_a1_lead(deps)
    timer = start_timer(SlaTimerState(lead_id="lead_1", rep_id="ana", timer_id=TIMER), deps)
    assert timer.decision == "wait" and timer.deadline == datetime(2026, 3, 2, 9, 35, tzinfo=UTC)

    second = run_to_deadline(deps, timer)
    third = run_to_deadline(deps, second)
    last = run_to_deadline(deps, third)

    assert (second.decision, third.decision, last.decision) == ("wait", "wait", "end")
    assert [second.rep_id, third.rep_id] == ["ben", "cy"]
    sla = lead(deps).sla
    assert sla is not None and (sla.status, sla.escalated_to) == ("escalated", "dana-whitfield")
    breaches = bus(deps).of_type(LeadSlaBreached)
    assert [(b.rep_id, b.action, b.to_rep, b.breach) for b in breaches] == [
        ("ana", "reassigned", "ben", 1),
        ("ben", "reassigned", "cy", 2),
        ("cy", "escalated", None, 3),
    ]
    assert [(e.rep_id, e.manager_id) for e in bus(deps).of_type(LeadEscalated)] == [("cy", "dana-whitfield")]
    assert [a.rep_id for a in bus(deps).of_type(LeadAssigned)] == ["ben", "cy"]  # each starts (and ends) a timer
    assert {n.rep_id for n in deps.outbox.recent()} == {"ben", "cy", "dana-whitfield"}  # the escalate_to fallback


def test_a_retried_reassignment_moves_the_lead_once_and_announces_the_breach_once(deps: PipelineDeps) -> None:
    given_a1_lead(deps)
    timer = start_timer(SlaTimerState(lead_id="lead_1", rep_id="ana", timer_id=TIMER), deps)
    clock(deps).advance(minutes=6)
    checked = check_timer(timer, deps)

    first = breach_and_reassign(checked, deps)
    retried = breach_and_reassign(checked, deps)

    assert first.rep_id == retried.rep_id == lead(deps).owner_id == "ben"
    assert first.deadline == retried.deadline
    assert len(bus(deps).of_type(LeadSlaBreached)) == 1
    sla = lead(deps).sla
    assert sla is not None and sla.reassignments == 1


def test_a_touched_lead_ends_its_timer_at_the_deadline_with_speed_to_lead_recorded(deps: PipelineDeps) -> None:
    given_a1_lead(deps)
    timer = start_timer(SlaTimerState(lead_id="lead_1", rep_id="ana", timer_id=TIMER), deps)
    clock(deps).advance(minutes=3)

    touched = touch_lead("lead_1", TouchRequest(type="call", actor="ana"), deps)
    after = run_to_deadline(deps, timer)

    assert touched.speed_to_lead_seconds == 180 and touched.first_touch is not None
    assert after.decision == "end" and lead(deps).owner_id == "ana"
    assert bus(deps).of_type(LeadSlaBreached) == []
    assert [(t.type, t.first) for t in bus(deps).of_type(LeadTouched)] == [("call", True)]


def test_when_no_other_rep_is_left_the_reassignment_fails_so_the_timer_escalates(deps: PipelineDeps) -> None:
    deps.config.publish("reps", {"reps": [{"rep_id": "ana", "name": "Ana", "email": "ana@example.com"}]})
    given_a1_lead(deps)
    timer = start_timer(SlaTimerState(lead_id="lead_1", rep_id="ana", timer_id=TIMER), deps)
    clock(deps).advance(minutes=6)
    checked = check_timer(timer, deps)

    with pytest.raises(NoEligibleRep):
        breach_and_reassign(checked, deps)
    escalate(checked, deps)  # the ASL's Catch on BreachAndReassign

    sla = lead(deps).sla
    assert sla is not None and sla.status == "escalated" and lead(deps).owner_id == "ana"
    assert [(b.rep_id, b.action) for b in bus(deps).of_type(LeadSlaBreached)] == [("ana", "escalated")]


def test_a_lead_sales_acted_on_ends_its_timer_without_a_breach_and_is_never_handed_on(deps: PipelineDeps) -> None:
    given_a1_lead(deps)
    timer = start_timer(SlaTimerState(lead_id="lead_1", rep_id="ana", timer_id=TIMER), deps)
    disqualified = lead(deps).model_copy(update={"stage": Stage.DISQUALIFIED})
    deps.store.save_lead(disqualified, expected_version=disqualified.version)  # a rep disqualified it, untouched

    after = run_to_deadline(deps, timer)

    assert after.decision == "end"
    ended = lead(deps)
    assert ended.owner_id == "ana" and ended.sla is not None and ended.sla.status == "ended"
    assert bus(deps).of_type(LeadSlaBreached) == []


# -- a timer acts only on a lead that is still its rep's ------------------------------------------------------------


def test_an_escalation_after_no_rep_could_take_the_lead_names_the_queue_it_waits_in(deps: PipelineDeps) -> None:
    routing = {"fallback_queue": "queue:unassigned", "rules": [{"id": "all", "assign": {"pool": [{"rep": "ana"}]}}]}
    deps.config.publish("routing", routing)
    given_a1_lead(deps)
    timer = start_timer(SlaTimerState(lead_id="lead_1", rep_id="ana", timer_id=TIMER), deps)
    clock(deps).advance(minutes=6)

    moved = breach_and_reassign(check_timer(timer, deps), deps)
    assert (moved.decision, lead(deps).owner_id) == ("escalate", "queue:unassigned")
    escalate(moved, deps)

    (message,) = [n for n in deps.outbox.recent() if n.rep_id == "dana-whitfield"]
    assert "it waits in queue:unassigned" in message.body and "owned by ana" not in message.body
    assert message.payload["owner_id"] == "queue:unassigned"


def test_a_timer_does_not_reassign_a_lead_a_manager_moved_after_the_deadline_check(deps: PipelineDeps) -> None:
    given_a1_lead(deps)
    timer = start_timer(SlaTimerState(lead_id="lead_1", rep_id="ana", timer_id=TIMER), deps)
    clock(deps).advance(minutes=6)
    checked = check_timer(timer, deps)
    assert checked.decision == "reassign"
    moved = lead(deps).model_copy(update={"owner_id": "cy"})  # a manager's reassignment lands in between
    deps.store.save_lead(moved, expected_version=moved.version)

    after = breach_and_reassign(checked, deps)

    assert after.decision == "end" and lead(deps).owner_id == "cy"
    assert bus(deps).of_type(LeadSlaBreached) == [] and bus(deps).of_type(LeadAssigned) == []


def test_a_timer_never_escalates_a_lead_that_went_back_to_marketing(deps: PipelineDeps) -> None:
    given_a1_lead(deps)
    timer = start_timer(SlaTimerState(lead_id="lead_1", rep_id="ana", timer_id=TIMER), deps)
    clock(deps).advance(minutes=6)
    checked = check_timer(timer, deps)
    released = lead(deps).model_copy(update={"stage": Stage.NEW, "owner_id": None, "assignment": None})
    deps.store.save_lead(released, expected_version=released.version)

    after = escalate(checked, deps)  # as the ASL's Catch would, after a failed reassignment

    assert after.decision == "end"
    sla = lead(deps).sla
    assert sla is not None and sla.status == "ended"
    assert bus(deps).of_type(LeadEscalated) == [] and deps.outbox.recent() == []


def test_a_timer_ends_when_its_lead_was_merged_into_another(deps: PipelineDeps) -> None:
    given_a1_lead(deps)
    timer = start_timer(SlaTimerState(lead_id="lead_1", rep_id="ana", timer_id=TIMER), deps)
    tombstone = lead(deps).model_copy(update={"merged_into": "lead_2"})
    deps.store.save_lead(tombstone, expected_version=tombstone.version)

    after = run_to_deadline(deps, timer)

    assert after.decision == "end"
    assert bus(deps).of_type(LeadSlaBreached) == [] and bus(deps).of_type(LeadAssigned) == []


def test_a_late_assignment_event_of_a_lead_merged_away_since_starts_no_timer(deps: PipelineDeps) -> None:
    given_a1_lead(deps)
    tombstone = lead(deps).model_copy(update={"merged_into": "lead_2"})
    deps.store.save_lead(tombstone, expected_version=tombstone.version)

    timer = start_timer(SlaTimerState(lead_id="lead_1", rep_id="ana", timer_id=TIMER), deps)

    assert timer.decision == "end" and lead(deps).sla is None
