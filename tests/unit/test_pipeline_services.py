"""The pipeline's steps over the in-memory twins: what dedupe, enrich, score, route and notify decide and announce,
including under retries and concurrent runs for the same person."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from leadflow.adapters.memory import (
    InMemoryConfigStore,
)
from leadflow.domain.routing import NoEligibleRep
from leadflow.models.events import (
    EngagementRecorded,
    LeadAssigned,
    LeadCreated,
    LeadRescoreRequested,
    LeadScored,
    LeadStageChanged,
    LeadUnassigned,
    LeadUpdated,
    PipelineState,
)
from leadflow.models.lead import Activity, EngagementType, Lead, PropertyValue, Stage
from leadflow.models.submission import StoredSubmission, SubmissionIn
from leadflow.services import pipeline
from leadflow.services.curation import merge_pair
from leadflow.services.decay import DecayRun, decay_due_leads
from leadflow.services.pipeline import MissingConfig, PipelineDeps
from leadflow.services.routing import open_counter

from tests.unit.conftest import bus, clock, load_config, memory_deps

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
) -> PipelineState:
    """A submission as intake stored and announced it: the state the pipeline starts from."""
    document = SubmissionIn.model_validate(
        {"email": email, "title": "VP of Engineering", "form_id": "demo-request", **fields}
    )
    stored = StoredSubmission(submission_id=f"sub_{number:026d}", received_at=received_at, data=document)
    deps.store.put_submission(stored)
    return PipelineState(submission_id=stored.submission_id, received_at=received_at, submission=document)


def run_all(initial: PipelineState, deps: PipelineDeps) -> PipelineState:
    current = initial
    for step in (pipeline.dedupe, pipeline.enrich_lead, pipeline.score, pipeline.route, pipeline.notify):
        current = step(current, deps)
    return current


def test_second_submission_in_another_spelling_joins_the_first_lead(deps: PipelineDeps) -> None:
    first = pipeline.dedupe(submitted(deps, 1, "Dana.Whitfield@Snowflake.com"), deps)
    second = pipeline.dedupe(submitted(deps, 2, "dana.whitfield+events@snowflake.com"), deps)

    assert first.lead is not None and second.lead is not None
    assert second.lead.lead_id == first.lead.lead_id
    assert second.lead.submission_ids == [first.submission_id, second.submission_id]
    assert [type(e) for e in bus(deps).published] == [LeadCreated, LeadUpdated]


def test_retried_dedupe_does_not_count_the_submission_twice(deps: PipelineDeps) -> None:
    once = pipeline.dedupe(submitted(deps, 1), deps)
    twice = pipeline.dedupe(submitted(deps, 1), deps)

    assert twice.lead == once.lead
    assert twice.lead is not None and twice.lead.submission_ids == [once.submission_id]


def test_concurrent_submissions_of_one_person_all_land_on_one_lead(deps: PipelineDeps) -> None:
    states = [submitted(deps, n) for n in range(20)]
    threads = [threading.Thread(target=pipeline.dedupe, args=(s, deps)) for s in states]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lead_id = deps.store.lead_for_identity("email", "dana.whitfield@snowflake.com")
    assert lead_id is not None
    lead = deps.store.get_lead(lead_id)
    assert lead is not None and sorted(lead.submission_ids) == [f"sub_{n:026d}" for n in range(20)]
    assert len(bus(deps).of_type(LeadCreated)) == 1


def test_qualified_lead_is_assigned_once_and_its_rep_notified_once_even_when_steps_retry(deps: PipelineDeps) -> None:
    done = run_all(submitted(deps, 1), deps)
    pipeline.route(done, deps)
    pipeline.notify(done, deps)

    assert done.lead is not None and done.lead.stage is Stage.MQL
    assert done.lead.assignment is not None and done.lead.owner_id == done.lead.assignment.rep_id
    assert len(bus(deps).of_type(LeadAssigned)) == 1
    assert len(bus(deps).of_type(LeadStageChanged)) == 1
    assert [n.rep_id for n in deps.outbox.recent()] == [done.lead.owner_id]


def test_round_robin_deals_leads_in_roster_order_skipping_the_inactive_rep(deps: PipelineDeps) -> None:
    owners = [run_all(submitted(deps, n, f"buyer{n}@snowflake.com"), deps).lead.owner_id for n in range(6)]  # type: ignore[union-attr]

    assert owners == [
        "dana-whitfield",
        "marcus-okafor",
        "tomas-lindqvist",
        "dana-whitfield",
        "marcus-okafor",
        "tomas-lindqvist",
    ]


def test_a_lead_that_is_not_qualified_is_not_routed(deps: PipelineDeps) -> None:
    done = run_all(submitted(deps, 1, "sam.reader@gmail.com", title=None, form_id="newsletter"), deps)

    assert done.lead is not None and done.lead.stage is Stage.NEW and done.lead.owner_id is None
    assert bus(deps).of_type(LeadAssigned) == []


def test_scoring_without_a_published_rule_set_fails_naming_it(deps: PipelineDeps) -> None:
    empty = InMemoryConfigStore()
    deduped = pipeline.dedupe(submitted(deps, 1), deps)

    with pytest.raises(MissingConfig, match="scoring"):
        pipeline.score(deduped, PipelineDeps(**{**deps.__dict__, "config": empty}))


def test_routing_with_no_active_rep_fails_rather_than_dropping_the_lead(deps: PipelineDeps) -> None:
    roster = load_config("reps.yaml")
    deps.config.publish("reps", {**roster, "reps": [{**r, "active": False} for r in roster["reps"]]})
    scored = pipeline.score(pipeline.enrich_lead(pipeline.dedupe(submitted(deps, 1), deps), deps), deps)

    with pytest.raises(NoEligibleRep):
        pipeline.route(scored, deps)
    assert scored.lead is not None
    assert deps.store.get_lead(scored.lead.lead_id) is not None


def test_a_misspelt_free_mail_domain_and_a_team_mailbox_are_flagged_on_the_lead(deps: PipelineDeps) -> None:
    typo = pipeline.dedupe(submitted(deps, 1, "sam.reader@gmial.com", title=None), deps)
    team = pipeline.dedupe(submitted(deps, 2, "info@snowflake.com", title=None), deps)

    assert typo.lead is not None and typo.lead.email_quality.typo_of == "gmail.com"
    assert team.lead is not None and team.lead.email_quality.role is True


def test_a_submission_whose_email_still_points_at_a_merged_away_lead_joins_the_survivor(deps: PipelineDeps) -> None:
    merged_away = pipeline.dedupe(submitted(deps, 1, "ada@snowflake.com"), deps).lead
    survivor = pipeline.dedupe(submitted(deps, 2, "grace@datadoghq.com"), deps).lead
    assert merged_away is not None and survivor is not None
    # The moment inside a merge after the tombstone is written and before the email claim moves.
    deps.store.save_lead(
        merged_away.model_copy(update={"merged_into": survivor.lead_id}), expected_version=merged_away.version
    )

    joined = pipeline.dedupe(submitted(deps, 3, "ada@snowflake.com"), deps).lead

    assert joined is not None and joined.lead_id == survivor.lead_id
    assert f"sub_{3:026d}" in joined.submission_ids


# -- scoring, engagement and decay -----------------------------------------------------------------------------------

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
) -> PipelineState:
    """The state of a run started by engagement.recorded."""
    activity = Activity(event_id=event_id, type=kind, occurred_at=at, source="generic", properties=properties)
    return PipelineState(engagement=EngagementRecorded(lead_id=lead_id, provider="generic", activity=activity))


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


def test_scoring_files_an_mql_in_the_due_index_at_the_moment_decay_will_demote_it(deps: PipelineDeps) -> None:
    lead = mql(deps)

    assert lead.score is not None and lead.score.next_change_at is not None
    due = lead.score.next_change_at
    assert (lead.due_at, lead.due_job) == (due, "decay")
    assert START + timedelta(days=5, hours=18) < due < START + timedelta(days=5, hours=20)
    assert stored(deps, lead.lead_id).due_at == due
    assert deps.store.due_leads("decay", due) == [lead.lead_id]
    assert deps.store.due_leads("decay", due - timedelta(minutes=1)) == []
    assert deps.store.due_leads("recycle", due + timedelta(days=1)) == []


def test_a_lead_that_is_not_an_mql_is_not_filed_for_decay(deps: PipelineDeps) -> None:
    lead = known_lead(deps)

    assert (lead.due_at, lead.due_job) == (None, None)


def test_the_decay_job_demotes_a_due_mql_and_announces_it_once(deps: PipelineDeps) -> None:
    lead = mql(deps)
    assert lead.due_at is not None
    clock(deps).advance(days=6)

    run = decay_due_leads(deps)

    demoted = stored(deps, lead.lead_id)
    assert run == DecayRun(visited=1, demoted=1)
    assert (demoted.stage, demoted.stage_changed_at) == (Stage.NEW, START + timedelta(days=6))
    assert demoted.score is not None and (demoted.score.cell, demoted.score.qualifies) == ("A3", False)
    assert (demoted.due_at, demoted.due_job) == (None, None)
    # Never accepted by sales: it goes back to marketing, and the rep gets the capacity back.
    assert (demoted.owner_id, demoted.assignment) == (None, None)
    assert deps.config.counter(open_counter("dana-whitfield")) == 0
    assert stage_changes(deps, lead.lead_id) == [(Stage.NEW, Stage.MQL), (Stage.MQL, Stage.NEW)]
    (change,) = [e for e in bus(deps).of_type(LeadStageChanged) if e.to_stage is Stage.NEW]
    assert change.reason == "engagement decayed: grade A3 (fit 60, engagement 34.82) is not an MQL cell (rules v1)"
    assert [(e.rep_id, e.reason) for e in bus(deps).of_type(LeadUnassigned)] == [("dana-whitfield", change.reason)]
    history = [(entry.kind, entry.ref) for entry in deps.store.history(lead.lead_id)]
    assert ("stage_changed", f"mql->new@{(START + timedelta(days=6)).isoformat()}") in history
    assert ("scored", f"decay@{(START + timedelta(days=6)).isoformat()}") in history

    published = len(bus(deps).published)
    again = decay_due_leads(deps)

    assert again == DecayRun(visited=0, demoted=0)
    assert len(bus(deps).published) == published
    assert stored(deps, lead.lead_id) == demoted


def test_the_decay_job_leaves_a_lead_that_is_not_yet_due_alone(deps: PipelineDeps) -> None:
    lead = mql(deps)
    assert lead.due_at is not None
    clock(deps).advance(seconds=(lead.due_at - START).total_seconds() - 60)
    published = len(bus(deps).published)

    run = decay_due_leads(deps)

    assert run == DecayRun(visited=0, demoted=0)
    assert stored(deps, lead.lead_id) == lead
    assert len(bus(deps).published) == published


def test_the_decay_job_demotes_every_due_lead_and_only_those(deps: PipelineDeps) -> None:
    early = [mql(deps, n, f"buyer{n}@snowflake.com") for n in range(3)]
    clock(deps).advance(days=3)
    late = mql(deps, 9, "late.buyer@snowflake.com")
    clock(deps).advance(days=3)

    run = decay_due_leads(deps, page=2)

    assert run == DecayRun(visited=3, demoted=3)
    assert [stored(deps, lead.lead_id).stage for lead in early] == [Stage.NEW] * 3
    assert stored(deps, late.lead_id) == late


def test_a_due_lead_that_still_qualifies_under_newer_rules_is_filed_again_later(deps: PipelineDeps) -> None:
    lead = mql(deps)
    scoring = load_config("scoring.yaml")
    deps.config.publish("scoring", {**scoring, "engagement_levels": {1: 70, 2: 25, 3: 15}})
    clock(deps).advance(days=6)

    run = decay_due_leads(deps)

    kept = stored(deps, lead.lead_id)
    assert run == DecayRun(visited=1, demoted=0)
    assert kept.stage is Stage.MQL and kept.score is not None and kept.score.ruleset_version == 2
    # 40 halving every 30 days falls below 25 after 30 x log2(40/25) days, about 20 days 8 hours.
    assert kept.due_job == "decay" and kept.due_at == kept.score.next_change_at
    assert kept.due_at is not None and START + timedelta(days=20) < kept.due_at < START + timedelta(days=21)
    assert stage_changes(deps, lead.lead_id) == [(Stage.NEW, Stage.MQL)]


def test_the_decay_job_never_moves_a_lead_a_person_took_further(deps: PipelineDeps) -> None:
    lead = mql(deps)
    accepted = deps.store.save_lead(lead.model_copy(update={"stage": Stage.SAL}), expected_version=lead.version)
    assert accepted.due_job == "decay"  # whatever moved it on left the entry; the job must cope
    clock(deps).advance(days=6)

    decay_due_leads(deps)

    after = stored(deps, lead.lead_id)
    assert after.stage is Stage.SAL
    assert (after.due_at, after.due_job) == (None, None)
    assert stage_changes(deps, lead.lead_id) == [(Stage.NEW, Stage.MQL)]


def test_an_engagement_event_is_recorded_once_even_when_it_is_delivered_twice(deps: PipelineDeps) -> None:
    lead = known_lead(deps)
    webinar = engaged(lead.lead_id, "generic:web-1", "webinar_attended", START)

    first = pipeline.record_engagement(webinar, deps)
    second = pipeline.record_engagement(webinar, deps)

    assert first.lead is not None and second.lead is not None
    events = [activity.event_id for activity in stored(deps, lead.lead_id).activity]
    assert sorted(events) == ["generic:web-1", f"sub_{1:026d}"]
    assert first.lead.score is not None and second.lead.score is not None
    assert first.lead.score.engagement == second.lead.score.engagement == 25
    assert [e.event_id for e in second.lead.score.contributions] == ["generic:web-1"]
    engagement_history = [entry for entry in deps.store.history(lead.lead_id) if entry.kind == "engagement"]
    assert len(engagement_history) == 1


def test_engagement_can_make_a_lead_an_mql_that_is_then_routed(deps: PipelineDeps) -> None:
    lead = known_lead(deps)

    webinar = pipeline.record_engagement(engaged(lead.lead_id, "generic:web-1", "webinar_attended", START), deps)
    assert webinar.lead is not None and webinar.lead.stage is Stage.NEW  # A3: 25 points
    pricing = engaged(lead.lead_id, "generic:visit-1", "page_visit", START, url=PRICING)
    done = pipeline.notify(pipeline.route(pipeline.score(pricing, deps), deps), deps)

    assert done.lead is not None and done.lead.score is not None
    assert (done.lead.score.cell, done.lead.score.engagement, done.lead.stage) == ("A2", 41, Stage.MQL)
    assert done.lead.due_job == "decay" and done.lead.due_at == done.lead.score.next_change_at
    assert done.lead.owner_id is not None
    assert stage_changes(deps, lead.lead_id) == [(Stage.NEW, Stage.MQL)]
    assert [n.lead_id for n in deps.outbox.recent()] == [lead.lead_id]
    assert [e.qualifies for e in bus(deps).of_type(LeadScored) if e.lead_id == lead.lead_id] == [False, False, True]


def test_an_engagement_event_for_a_merged_away_lead_is_recorded_on_the_survivor(deps: PipelineDeps) -> None:
    survivor = known_lead(deps)
    other = pipeline.dedupe(submitted(deps, 2, "ada@gmail.com", title=None, form_id=None), deps).lead
    assert other is not None
    merge_pair(survivor.lead_id, other.lead_id, actor="rep:sam", deps=deps)

    done = pipeline.record_engagement(engaged(other.lead_id, "generic:web-1", "webinar_attended", START), deps)

    assert done.lead is not None and done.lead.lead_id == survivor.lead_id
    assert "generic:web-1" in [activity.event_id for activity in stored(deps, survivor.lead_id).activity]
    assert "generic:web-1" not in [activity.event_id for activity in stored(deps, other.lead_id).activity]


def test_a_lead_whose_penalty_decays_is_promoted_by_the_decay_job_and_handed_to_the_pipeline_to_route(
    deps: PipelineDeps,
) -> None:
    # A product user who looked at jobs: the careers-page penalty keeps it at A3 until the penalty has halved, after
    # 30 days; then it is an A2. The scorer knows when (next_change_at), files the lead for then, and the decay job
    # promotes it and asks the lead pipeline (lead.rescore_requested) to route it like any new MQL.
    scoring = load_config("scoring.yaml")
    careers = next(rule for rule in scoring["behaviour_rules"] if rule["id"] == "careers-page")
    usage = {"id": "product-usage", "event": "product_usage", "points": 40}
    deps.config.publish("scoring", {**scoring, "behaviour_rules": [usage, careers]})
    lead = known_lead(deps)
    pipeline.record_engagement(engaged(lead.lead_id, "generic:usage-1", "product_usage", START), deps)
    penalised = pipeline.record_engagement(
        engaged(lead.lead_id, "generic:jobs-1", "page_visit", START, url=CAREERS), deps
    )
    assert penalised.lead is not None and penalised.lead.score is not None
    assert (penalised.lead.score.cell, penalised.lead.stage) == ("A3", Stage.NEW)
    change = penalised.lead.score.next_change_at
    assert change is not None and START + timedelta(days=30) <= change < START + timedelta(days=30, minutes=2)

    assert (penalised.lead.due_at, penalised.lead.due_job) == (change, "decay")
    clock(deps).advance(days=29)
    assert decay_due_leads(deps).visited == 0, "not due yet"
    clock(deps).advance(days=2)

    run = decay_due_leads(deps)

    assert (run.visited, run.promoted, run.demoted) == (1, 1, 0)
    assert stored(deps, lead.lead_id).stage is Stage.MQL
    requests = bus(deps).of_type(LeadRescoreRequested)
    assert [request.lead_id for request in requests] == [lead.lead_id]
    # What the lead pipeline does with the request: Score, then (an MQL without an owner) Route and Notify.
    routed = PipelineState(rescore=requests[0])
    for step in (pipeline.score, pipeline.route, pipeline.notify):
        routed = step(routed, deps)
    assert routed.lead is not None and routed.lead.owner_id is not None
    assert decay_due_leads(deps).visited == 0, "a second run finds nothing due"


def test_a_lead_merged_away_is_not_rescored_by_the_decay_job(deps: PipelineDeps) -> None:
    # The merged-away lead stays stored as a tombstone pointing at the survivor; it must leave the due index with the
    # merge, or the decay job re-scores it and announces a stage change for a lead that no longer exists as such.
    survivor = known_lead(deps)
    other = mql(deps, 2, "dana.whitfield@snowflake.com")
    merge_pair(survivor.lead_id, other.lead_id, actor="rep:sam", deps=deps)
    tombstone = stored(deps, other.lead_id)
    assert tombstone.merged_into == survivor.lead_id
    clock(deps).advance(days=6)

    decay_due_leads(deps)

    assert stored(deps, other.lead_id).stage is tombstone.stage
    assert stage_changes(deps, other.lead_id) == [(Stage.NEW, Stage.MQL)]
    assert (stored(deps, other.lead_id).due_at, stored(deps, other.lead_id).due_job) == (None, None)
