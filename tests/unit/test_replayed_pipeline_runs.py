"""A run replayed after a failure (redrive, the sweeper, a doubled lead.submitted) completes what the first run did
not finish and repeats nothing it did: one lead per person, one assignment, one notification per assignment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from leadflow.domain.notifications import assignment_notification
from leadflow.models.events import LeadAssigned, LeadCreated, NotificationQueued, PipelineState, SubmissionState
from leadflow.models.lead import PIPELINE_ACTOR, Assignment, Lead, Stage
from leadflow.models.submission import StoredSubmission, SubmissionIn
from leadflow.services import pipeline, routing
from leadflow.services.dedupe import lead_id_for
from leadflow.services.pipeline import PipelineDeps

from tests.unit.conftest import bus, load_config, memory_deps

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
Step = Callable[[PipelineState, PipelineDeps], PipelineState]


class StepFailed(Exception):
    pass


@pytest.fixture
def deps() -> PipelineDeps:
    rule_sets = {kind: load_config(f"{kind}.yaml") for kind in ("scoring", "reps", "matching")}
    return memory_deps(START, rule_sets, api_base_url="https://leads.example.com")


def submitted(deps: PipelineDeps, number: int = 1) -> SubmissionState:
    document = SubmissionIn.model_validate(
        {"email": "dana.whitfield@snowflake.com", "title": "VP of Engineering", "form_id": "demo-request"}
    )
    stored = StoredSubmission(submission_id=f"sub_{number:026d}", received_at=START, data=document)
    deps.store.put_submission(stored)
    return SubmissionState(submission_id=stored.submission_id, received_at=START, submission=document)


def run(state: PipelineState, deps: PipelineDeps, *, failing: Step | None = None) -> PipelineState:
    """The LeadPipeline's path as its ASL takes it (IsMql included); `failing` raises instead of running."""

    def step(function: Step, current: PipelineState) -> PipelineState:
        if function is failing:
            raise StepFailed(function.__name__)
        return function(current, deps)

    state = step(pipeline.score, step(pipeline.enrich_lead, step(pipeline.dedupe, state)))
    assert state.lead is not None
    if (state.lead.stage is Stage.MQL and state.lead.owner_id is None) or state.needs_notification:
        return step(pipeline.notify, step(pipeline.route, state))
    return state


def test_a_run_replayed_after_notify_failed_tells_the_rep_exactly_once(deps: PipelineDeps) -> None:
    with pytest.raises(StepFailed):
        run(submitted(deps), deps, failing=pipeline.notify)
    assert deps.outbox.recent() == []

    replayed = run(submitted(deps), deps)
    run(submitted(deps), deps)  # and once more: nothing is owed any more

    assert replayed.lead is not None and replayed.lead.owner_id is not None
    assert [n.rep_id for n in deps.outbox.recent()] == [replayed.lead.owner_id]
    assert len(bus(deps).of_type(NotificationQueued)) == 1
    assert len(bus(deps).of_type(LeadAssigned)) == 1


def test_a_run_replayed_after_route_failed_routes_the_lead_exactly_once(deps: PipelineDeps) -> None:
    with pytest.raises(StepFailed):
        run(submitted(deps), deps, failing=pipeline.route)

    replayed = run(submitted(deps), deps)
    run(submitted(deps), deps)

    assert replayed.lead is not None and replayed.lead.owner_id is not None
    assert len(bus(deps).of_type(LeadAssigned)) == 1
    assert [n.rep_id for n in deps.outbox.recent()] == [replayed.lead.owner_id]


def test_a_run_that_died_between_assigning_and_announcing_is_completed_by_its_replay(
    deps: PipelineDeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise StepFailed("killed after the assignment was saved")

    with monkeypatch.context() as patched:
        patched.setattr(routing, "_announce", crash)
        with pytest.raises(StepFailed):
            run(submitted(deps), deps)
    assigned = deps.store.get_lead(lead_id_for(f"sub_{1:026d}"))
    assert assigned is not None and assigned.owner_id is not None and bus(deps).of_type(LeadAssigned) == []

    replayed = run(submitted(deps), deps)
    run(submitted(deps), deps)

    assert replayed.lead is not None and replayed.lead.owner_id == assigned.owner_id
    assert [event.rep_id for event in bus(deps).of_type(LeadAssigned)] == [assigned.owner_id]
    assert [entry.kind for entry in deps.store.history(assigned.lead_id)].count("assigned") == 1
    assert [n.rep_id for n in deps.outbox.recent()] == [assigned.owner_id]


def test_the_same_submission_run_twice_makes_one_lead(deps: PipelineDeps) -> None:
    first = run(submitted(deps), deps)
    second = run(submitted(deps), deps)

    assert first.lead is not None and second.lead is not None
    assert second.lead.lead_id == first.lead.lead_id
    assert second.lead.submission_ids == [first.submission_id]
    assert len(bus(deps).of_type(LeadCreated)) == 1


def test_a_complete_run_owes_no_notification_so_a_replay_calls_neither_route_nor_notify(deps: PipelineDeps) -> None:
    done = run(submitted(deps), deps)
    rescored = pipeline.score(pipeline.enrich_lead(pipeline.dedupe(submitted(deps), deps), deps), deps)

    assert done.needs_notification is False
    assert rescored.needs_notification is False
    assert rescored.model_dump(mode="json")["needs_notification"] is False  # what the state machine's choice reads


def test_a_notification_queued_by_an_attempt_that_failed_before_announcing_it_is_announced_on_retry(
    deps: PipelineDeps,
) -> None:
    routed = pipeline.route(
        pipeline.score(pipeline.enrich_lead(pipeline.dedupe(submitted(deps), deps), deps), deps), deps
    )
    assert routed.lead is not None and routed.lead.assignment is not None
    deps.outbox.queue(assignment_notification(routed.lead, routed.lead.assignment, deps.api_base_url))

    notified = pipeline.notify(routed, deps)
    pipeline.notify(routed, deps)  # a retry after the lead was marked announces nothing more

    assert len(bus(deps).of_type(NotificationQueued)) == 1
    assert notified.lead is not None and not notified.lead.notification_owed


def owned_lead(rep_id: str, *, actor: str | None = PIPELINE_ACTOR, notified: bool = False) -> Lead:
    assignment = Assignment(
        rep_id=rep_id,
        rep_name=rep_id,
        rule="round_robin",
        pool="default",
        ruleset_version=1,
        assigned_at=START,
        actor=actor,
    )
    return Lead(
        lead_id="lead-1",
        email="a@snowflake.com",
        email_canonical="a@snowflake.com",
        created_at=START,
        updated_at=START,
        stage=Stage.MQL,
        owner_id=rep_id,
        assignment=assignment,
        notified_assignment=START if notified else None,
    )


@pytest.mark.parametrize(
    ("lead", "owed"),
    [
        (owned_lead("dana-whitfield"), True),
        (owned_lead("dana-whitfield", notified=True), False),
        (owned_lead("queue:unassigned"), False),  # a queue is worked from its listing
        (owned_lead("dana-whitfield", actor="sla-timer"), False),  # the SLA timer tells the new rep itself
        (owned_lead("dana-whitfield", actor="rep:maria"), False),  # a manager's reassignment
    ],
)
def test_only_the_pipelines_own_untold_assignment_is_owed_a_notification(lead: Lead, owed: bool) -> None:
    assert lead.notification_owed is owed
