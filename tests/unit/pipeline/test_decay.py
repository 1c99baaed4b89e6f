"""What scoring files for the decay job, and what the decay job demotes, promotes, re-files and leaves alone."""

from __future__ import annotations

from datetime import timedelta

from leadflow.models.events import (
    LeadRescoreRequested,
    LeadStageChanged,
    LeadUnassigned,
    RescoreState,
)
from leadflow.models.lead import Stage
from leadflow.services import pipeline
from leadflow.services.curation import merge_pair
from leadflow.services.decay import DecayRun, decay_due_leads
from leadflow.services.pipeline import PipelineDeps
from leadflow.services.routing import open_counter

from tests.unit.conftest import bus, clock, load_config
from tests.unit.pipeline.conftest import (
    CAREERS,
    START,
    engaged,
    known_lead,
    mql,
    stage_changes,
    stored,
)


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
    # What the lead pipeline does with the request: Rescore, then (an MQL without an owner) Route and Notify.
    request = RescoreState(rescore=requests[0])
    routed = pipeline.notify(pipeline.route(pipeline.rescore(request, deps), deps), deps)
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
