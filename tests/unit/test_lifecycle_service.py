"""Sales actions, recycling and outcomes over the in-memory twins with a clock that fast-forwards: what is stored,
written to history and announced, and what a retry or a second run does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from leadflow.adapters.memory import (
    InMemoryConfigStore,
)
from leadflow.domain.lifecycle import TransitionNotAllowed
from leadflow.models.events import (
    LeadConverted,
    LeadDisqualified,
    LeadOutcomeRecorded,
    LeadRecycled,
    LeadStageChanged,
)
from leadflow.models.lead import Lead, Stage
from leadflow.models.lifecycle import OutcomeRequest, StageRequest
from leadflow.services.lead_updates import LeadNotFound
from leadflow.services.lifecycle import change_stage, recycle_due_leads
from leadflow.services.outcomes import record_outcome
from leadflow.services.pipeline_deps import MissingConfig, PipelineDeps
from leadflow.services.routing import open_counter

from tests.unit.conftest import bus, clock, load_config, memory_deps

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
BANT = {"budget": "40k EUR", "authority": "VP signs", "need": "routing", "timeline": "Q2"}


@pytest.fixture
def deps() -> PipelineDeps:
    return memory_deps(START, {"lifecycle": load_config("lifecycle.yaml")})


def given_lead(deps: PipelineDeps, number: int = 1, stage: Stage = Stage.MQL, **fields: Any) -> str:
    lead_id = f"lead_{number:026d}"
    lead = Lead(
        lead_id=lead_id,
        email=f"person{number}@northwind.example",
        email_canonical=f"person{number}@northwind.example",
        created_at=START,
        updated_at=START,
        stage=stage,
        **fields,
    )
    deps.store.save_lead(lead, expected_version=None)
    return lead_id


def stage_request(action: str, **fields: Any) -> StageRequest:
    return StageRequest.model_validate({"action": action, "actor": "rep:dana", **fields})


def disqualify(deps: PipelineDeps, lead_id: str, reason_code: str) -> Lead:
    return change_stage(lead_id, stage_request("disqualify", reason_code=reason_code), deps)


def stage_of(deps: PipelineDeps, lead_id: str) -> Stage:
    lead = deps.store.get_lead(lead_id)
    assert lead is not None
    return lead.stage


# --- stage changes -------------------------------------------------------------------------------------------------


def test_a_sales_action_is_stored_written_to_history_and_announced_with_who_and_why(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps)

    lead = change_stage(lead_id, stage_request("accept", note="called back"), deps)

    assert lead.stage is Stage.SAL and deps.store.get_lead(lead_id) == lead
    (event,) = bus(deps).of_type(LeadStageChanged)
    assert (event.from_stage, event.to_stage, event.actor) == (Stage.MQL, Stage.SAL, "rep:dana")
    assert event.reason == "accepted by sales; note: called back"
    (entry,) = [e for e in deps.store.history(lead_id) if e.kind == "stage_changed"]
    assert entry.detail["from"] == "mql" and entry.detail["to"] == "sal" and entry.detail["actor"] == "rep:dana"
    assert entry.detail["ruleset_version"] == 1


def test_qualifying_keeps_the_bant_answers_in_the_history(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps, stage=Stage.SAL)

    lead = change_stage(lead_id, stage_request("qualify", qualification=BANT), deps)

    assert lead.stage is Stage.SQL and lead.qualification == BANT
    (entry,) = [e for e in deps.store.history(lead_id) if e.kind == "stage_changed"]
    assert entry.detail["qualification"] == BANT


def test_a_disqualification_is_announced_with_its_reason_and_recycle_date(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps, stage=Stage.SQL)

    disqualify(deps, lead_id, "bad_timing")

    (event,) = bus(deps).of_type(LeadDisqualified)
    assert (event.reason_code, event.actor, event.ruleset_version) == ("bad_timing", "rep:dana", 1)
    assert event.recycle_at == START + timedelta(days=90)
    assert bus(deps).of_type(LeadStageChanged)[0].to_stage is Stage.DISQUALIFIED
    (entry,) = [e for e in deps.store.history(lead_id) if e.kind == "disqualified"]
    assert entry.detail["reason_code"] == "bad_timing"
    assert deps.store.due_leads("recycle", START + timedelta(days=90)) == [lead_id]


def test_a_retried_request_changes_nothing_and_announces_nothing_the_second_time(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps)
    first = change_stage(lead_id, stage_request("accept"), deps)
    clock(deps).advance(seconds=5)

    second = change_stage(lead_id, stage_request("accept"), deps)

    assert second.version == first.version
    assert len(bus(deps).of_type(LeadStageChanged)) == 1


def test_another_action_from_a_stale_view_of_the_lead_is_refused(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps)
    change_stage(lead_id, stage_request("accept"), deps)
    change_stage(lead_id, stage_request("qualify", qualification=BANT), deps)

    with pytest.raises(TransitionNotAllowed, match=r"lead_0+1 is in stage sql: accept moves a lead from mql, recycled"):
        change_stage(lead_id, stage_request("accept", actor="rep:marcus"), deps)


def test_an_unknown_lead_and_missing_config_are_told_apart(deps: PipelineDeps) -> None:
    with pytest.raises(LeadNotFound):
        change_stage("lead_00000000000000000000000404", stage_request("accept"), deps)

    bare = PipelineDeps(**{**deps.__dict__, "config": InMemoryConfigStore()})
    with pytest.raises(MissingConfig, match="no lifecycle rule set is active"):
        change_stage(given_lead(deps), stage_request("accept"), bare)


# --- recycling -----------------------------------------------------------------------------------------------------


def test_a_lead_disqualified_for_bad_timing_is_recycled_90_days_later_not_before(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps, stage=Stage.SAL)
    disqualify(deps, lead_id, "bad_timing")

    clock(deps).advance(days=89)
    assert recycle_due_leads(deps) == 0
    assert stage_of(deps, lead_id) is Stage.DISQUALIFIED

    clock(deps).advance(days=1)
    assert recycle_due_leads(deps) == 1

    lead = deps.store.get_lead(lead_id)
    assert lead is not None
    assert (lead.stage, lead.reengage, lead.due_at, lead.due_job) == (Stage.RECYCLED, True, None, None)
    (recycled,) = bus(deps).of_type(LeadRecycled)
    assert (recycled.reason_code, recycled.disqualified_at, recycled.reengage) == ("bad_timing", START, True)
    assert bus(deps).of_type(LeadStageChanged)[-1].to_stage is Stage.RECYCLED
    assert [e.kind for e in deps.store.history(lead_id)] == ["disqualified", "recycled"]


def test_a_spam_lead_is_never_recycled(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps, stage=Stage.NEW, due_at=START + timedelta(days=2), due_job="decay")
    disqualify(deps, lead_id, "spam")

    clock(deps).advance(days=3650)

    assert recycle_due_leads(deps) == 0
    assert stage_of(deps, lead_id) is Stage.DISQUALIFIED
    assert deps.store.due_leads("recycle", clock(deps).now()) == []
    assert deps.store.due_leads("decay", clock(deps).now()) == []  # its decay entry went with the disqualification


def test_each_lead_is_recycled_after_its_own_reason_s_delay(deps: PipelineDeps) -> None:
    delays = {"unresponsive": 60, "bad_timing": 90, "lost_to_competitor": 120}
    leads = {code: given_lead(deps, number, stage=Stage.SQL) for number, code in enumerate(delays, start=1)}
    for code, lead_id in leads.items():
        disqualify(deps, lead_id, code)

    recycled_on: dict[str, int] = {}
    for day in range(1, 131):
        clock(deps).advance(days=1)
        recycle_due_leads(deps)
        for code, lead_id in leads.items():
            if code not in recycled_on and stage_of(deps, lead_id) is Stage.RECYCLED:
                recycled_on[code] = day

    assert recycled_on == delays


def test_a_run_pages_through_more_due_leads_than_one_page_and_a_second_run_does_nothing(deps: PipelineDeps) -> None:
    lead_ids = [given_lead(deps, number, stage=Stage.SAL) for number in range(1, 8)]
    for lead_id in lead_ids:
        disqualify(deps, lead_id, "unresponsive")
    clock(deps).advance(days=60)

    assert recycle_due_leads(deps, limit=3) == 7
    assert recycle_due_leads(deps, limit=3) == 0
    assert {stage_of(deps, lead_id) for lead_id in lead_ids} == {Stage.RECYCLED}
    assert len(bus(deps).of_type(LeadRecycled)) == 7


def test_a_lead_taken_up_again_before_its_recycle_date_is_left_alone(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps, stage=Stage.SAL)
    disqualify(deps, lead_id, "bad_timing")
    # A merge or a correction moved the lead on without touching its recycle entry.
    stored = deps.store.get_lead(lead_id)
    assert stored is not None
    deps.store.save_lead(stored.model_copy(update={"stage": Stage.SQL}), expected_version=stored.version)
    clock(deps).advance(days=90)

    assert recycle_due_leads(deps) == 0

    assert stage_of(deps, lead_id) is Stage.SQL
    assert deps.store.due_leads("recycle", clock(deps).now()) == []  # the stale entry is gone: no work tomorrow
    assert bus(deps).of_type(LeadRecycled) == []


# --- outcomes ------------------------------------------------------------------------------------------------------


def outcome_request(result: str, **fields: Any) -> OutcomeRequest:
    return OutcomeRequest.model_validate({"result": result, "actor": "crm:sfdc", **fields})


def test_a_won_deal_makes_a_customer_and_a_training_example(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps, stage=Stage.OPPORTUNITY)

    lead = record_outcome(lead_id, outcome_request("won", amount=12000, currency="EUR"), deps)

    assert lead.stage is Stage.CUSTOMER and lead.outcome is not None and lead.outcome.amount == 12000
    (example,) = deps.store.outcomes().items
    assert (example.lead_id, example.outcome) == (lead_id, lead.outcome)
    (converted,) = bus(deps).of_type(LeadConverted)
    assert (converted.amount, converted.currency, converted.closed_at) == (12000, "EUR", START)
    assert bus(deps).of_type(LeadOutcomeRecorded)[0].result == "won"
    assert bus(deps).of_type(LeadStageChanged)[0].to_stage is Stage.CUSTOMER
    assert {e.kind for e in deps.store.history(lead_id)} == {"outcome", "stage_changed"}


def test_a_lost_deal_is_disqualified_and_recycled_after_its_reason_s_delay(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps, stage=Stage.OPPORTUNITY)

    lead = record_outcome(lead_id, outcome_request("lost", reason_code="lost_to_competitor"), deps)

    assert lead.stage is Stage.DISQUALIFIED
    assert bus(deps).of_type(LeadDisqualified)[0].recycle_at == START + timedelta(days=120)
    clock(deps).advance(days=119)
    assert recycle_due_leads(deps) == 0
    clock(deps).advance(days=1)
    assert recycle_due_leads(deps) == 1
    assert deps.store.outcomes().items[0].outcome.result == "lost"


def test_a_second_outcome_replaces_the_first_without_a_second_example(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps, stage=Stage.OPPORTUNITY)
    record_outcome(lead_id, outcome_request("lost", reason_code="no_budget"), deps)
    clock(deps).advance(days=20)

    lead = record_outcome(lead_id, outcome_request("won", amount=900, currency="USD"), deps)

    assert lead.stage is Stage.CUSTOMER
    (example,) = deps.store.outcomes().items
    assert example.outcome.result == "won" and example.outcome.closed_at == START + timedelta(days=20)
    assert deps.store.due_leads("recycle", START + timedelta(days=1000)) == []


def test_the_same_outcome_twice_is_recorded_once(deps: PipelineDeps) -> None:
    lead_id = given_lead(deps, stage=Stage.OPPORTUNITY)
    request = outcome_request("won", amount=12000, currency="EUR")
    first = record_outcome(lead_id, request, deps)
    clock(deps).advance(minutes=2)

    second = record_outcome(lead_id, request, deps)

    assert second.version == first.version
    assert len(deps.store.outcomes().items) == 1
    assert len(bus(deps).of_type(LeadOutcomeRecorded)) == 1


def test_training_examples_page_oldest_first(deps: PipelineDeps) -> None:
    lead_ids = [given_lead(deps, number, stage=Stage.SQL) for number in range(1, 6)]
    for lead_id in lead_ids:
        record_outcome(lead_id, outcome_request("won"), deps)
        clock(deps).advance(hours=1)

    first = deps.store.outcomes(limit=2)
    second = deps.store.outcomes(limit=2, cursor=first.cursor)
    third = deps.store.outcomes(limit=2, cursor=second.cursor)

    assert [e.lead_id for page in (first, second, third) for e in page.items] == lead_ids
    assert third.cursor is None
    with pytest.raises(ValueError, match="invalid cursor"):
        deps.store.outcomes(cursor="not-a-cursor")


def test_closing_a_lead_gives_its_rep_one_open_lead_back_once(deps: PipelineDeps) -> None:
    counter = open_counter("dana-whitfield")
    for _ in range(3):
        deps.config.next_in_sequence(counter)  # three open leads counted against Dana's capacity
    lost = given_lead(deps, 1, owner_id="dana-whitfield")
    won = given_lead(deps, 2, stage=Stage.OPPORTUNITY, owner_id="dana-whitfield")
    queued = given_lead(deps, 3, owner_id="queue:unassigned")

    disqualify(deps, lost, "bad_timing")
    disqualify(deps, lost, "bad_timing")  # a retried request: nothing more to give back
    change_stage(won, stage_request("win"), deps)
    disqualify(deps, queued, "spam")  # a queue has no capacity to give back to

    assert deps.config.counter(counter) == 1
