"""A pipeline run started by engagement.recorded: recorded once, scored, routed when it makes an MQL, and kept on
the survivor of a merge."""

from __future__ import annotations

from leadflow.models.events import (
    LeadScored,
)
from leadflow.models.lead import Stage
from leadflow.services import pipeline
from leadflow.services.curation import merge_pair
from leadflow.services.pipeline import PipelineDeps

from tests.unit.conftest import bus
from tests.unit.pipeline.conftest import (
    PRICING,
    START,
    engaged,
    known_lead,
    stage_changes,
    stored,
    submitted,
)


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
    done = pipeline.notify(pipeline.route(pipeline.record_engagement(pricing, deps), deps), deps)

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
