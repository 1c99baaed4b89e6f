"""Lifecycle decisions: which sales action moves a lead from which stage, what qualification and disqualification
record, when a disqualified lead is recycled, and how an outcome closes the loop."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from leadflow.domain.lifecycle import (
    ACTIONS,
    InvalidAction,
    MissingQualification,
    TransitionNotAllowed,
    UnknownReasonCode,
    apply_action,
    record_outcome,
    recycle,
    repair_recycle_due,
)
from leadflow.models.lead import Lead, Stage
from leadflow.models.lifecycle import LifecycleRules, OutcomeRequest, StageRequest
from leadflow.models.rules import parse_ruleset
from pydantic import ValidationError

from tests.unit.conftest import NOW, load_config

BANT = {"budget": "40k EUR", "authority": "VP signs", "need": "routing by territory", "timeline": "Q2"}
ALLOWED = sorted((action, stage) for action, (sources, _) in ACTIONS.items() for stage in sources)
REFUSED = sorted(
    (action, stage)
    for action, (sources, target) in ACTIONS.items()
    for stage in Stage
    if stage not in sources and stage is not target
)


@pytest.fixture(scope="module")
def rules() -> LifecycleRules:
    return parse_ruleset("lifecycle", load_config("lifecycle.yaml"), version=3)


def a_lead(stage: Stage = Stage.MQL, **fields: Any) -> Lead:
    return Lead(
        lead_id="lead-0001",
        email="ada@northwind.example",
        email_canonical="ada@northwind.example",
        created_at=NOW - timedelta(days=30),
        updated_at=NOW - timedelta(days=1),
        stage=stage,
        **fields,
    )


def ask(action: str, **fields: Any) -> StageRequest:
    body: dict[str, Any] = {"action": action, "actor": "rep:dana", **fields}
    if action == "qualify":
        body.setdefault("qualification", BANT)
    if action == "disqualify":
        body.setdefault("reason_code", "bad_timing")
    return StageRequest.model_validate(body)


def disqualified(reason_code: str, rules: LifecycleRules, at: datetime = NOW) -> Lead:
    change = apply_action(a_lead(Stage.SAL), ask("disqualify", reason_code=reason_code), rules, at)
    assert change is not None
    return change.lead


# --- transitions ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "stage"), ALLOWED)
def test_an_allowed_action_moves_the_lead_to_its_stage(rules: LifecycleRules, action: str, stage: Stage) -> None:
    change = apply_action(a_lead(stage), ask(action), rules, NOW)

    assert change is not None and change.transition is not None
    target = ACTIONS[action][1]  # type: ignore[index]
    assert (change.lead.stage, change.lead.stage_changed_at, change.lead.updated_at) == (target, NOW, NOW)
    assert (change.transition.from_stage, change.transition.to_stage) == (stage, target)
    assert change.transition.actor == "rep:dana" and change.transition.reason


@pytest.mark.parametrize(("action", "stage"), REFUSED)
def test_any_other_action_is_refused_naming_the_stage_and_what_it_allows(
    rules: LifecycleRules, action: str, stage: Stage
) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        apply_action(a_lead(stage), ask(action), rules, NOW)

    message = str(refused.value)
    assert f"{action} moves a lead from" in message and stage.value in message
    assert refused.value.allowed == [a for a, (sources, _) in ACTIONS.items() if stage in sources]
    assert f"allowed from {stage.value}: " in message


def test_the_lifecycle_runs_from_mql_to_customer(rules: LifecycleRules) -> None:
    lead = a_lead(Stage.MQL)
    for action, expected in [
        ("accept", Stage.SAL),
        ("qualify", Stage.SQL),
        ("open_opportunity", Stage.OPPORTUNITY),
        ("win", Stage.CUSTOMER),
    ]:
        change = apply_action(lead, ask(action), rules, NOW)
        assert change is not None
        lead = change.lead
        assert lead.stage is expected

    assert lead.qualification == BANT


def test_a_customer_or_a_disqualified_lead_takes_no_sales_action(rules: LifecycleRules) -> None:
    with pytest.raises(TransitionNotAllowed, match=r"allowed from customer: no sales action"):
        apply_action(a_lead(Stage.CUSTOMER), ask("disqualify"), rules, NOW)
    with pytest.raises(TransitionNotAllowed, match=r"is disqualified \(bad_timing\)"):
        apply_action(disqualified("bad_timing", rules), ask("accept"), rules, NOW)


def test_a_lead_merged_into_another_is_refused_pointing_at_the_survivor(rules: LifecycleRules) -> None:
    with pytest.raises(TransitionNotAllowed, match="merged into lead-0002; act on lead-0002"):
        apply_action(a_lead(Stage.MQL, merged_into="lead-0002"), ask("accept"), rules, NOW)


def test_leaving_mql_removes_its_decay_entry(rules: LifecycleRules) -> None:
    lead = a_lead(Stage.MQL, due_at=NOW + timedelta(days=3), due_job="decay")

    change = apply_action(lead, ask("accept"), rules, NOW)

    assert change is not None and (change.lead.due_at, change.lead.due_job) == (None, None)


def test_accepting_a_recycled_lead_ends_its_re_engagement(rules: LifecycleRules) -> None:
    change = apply_action(a_lead(Stage.RECYCLED, reengage=True), ask("accept"), rules, NOW)

    assert change is not None and change.lead.stage is Stage.SAL and change.lead.reengage is False


# --- qualification -------------------------------------------------------------------------------------------------


def test_qualify_needs_every_bant_answer(rules: LifecycleRules) -> None:
    answers = {"budget": "40k", "authority": "VP", "need": "   "}

    with pytest.raises(MissingQualification) as missing:
        apply_action(a_lead(Stage.SAL), ask("qualify", qualification=answers), rules, NOW)

    assert missing.value.missing == ["need", "timeline"]
    assert missing.value.field == "qualification.need"
    assert "missing or empty: need, timeline" in str(missing.value)


def test_qualify_records_the_answers_trimmed(rules: LifecycleRules) -> None:
    answers = {**BANT, "budget": "  40k EUR  ", "competitors": "Acme"}

    change = apply_action(a_lead(Stage.SAL), ask("qualify", qualification=answers), rules, NOW)

    assert change is not None
    assert change.lead.qualification == {**BANT, "competitors": "Acme"}


def test_qualification_fields_come_from_the_rules(rules: LifecycleRules) -> None:
    only_need = rules.model_copy(update={"qualification_fields": ["need"]})

    change = apply_action(a_lead(Stage.SAL), ask("qualify", qualification={"need": "yes"}), only_need, NOW)

    assert change is not None and change.lead.stage is Stage.SQL


# --- disqualification ----------------------------------------------------------------------------------------------


def test_disqualify_needs_a_reason_code(rules: LifecycleRules) -> None:
    request = StageRequest(action="disqualify", actor="rep:dana")

    with pytest.raises(InvalidAction) as invalid:
        apply_action(a_lead(Stage.SAL), request, rules, NOW)

    assert invalid.value.field == "reason_code" and "bad_timing" in str(invalid.value)


def test_an_unknown_reason_code_is_refused_listing_the_known_ones(rules: LifecycleRules) -> None:
    with pytest.raises(UnknownReasonCode) as unknown:
        apply_action(a_lead(Stage.SAL), ask("disqualify", reason_code="Too Small"), rules, NOW)

    assert unknown.value.field == "reason_code"
    assert "'Too Small'" in str(unknown.value)
    assert ", ".join(rules.codes) in str(unknown.value)


def test_disqualifying_for_bad_timing_schedules_recycling_in_90_days(rules: LifecycleRules) -> None:
    lead = a_lead(Stage.MQL, due_at=NOW + timedelta(hours=5), due_job="decay")

    change = apply_action(lead, ask("disqualify", reason_code="bad_timing", note="budget freeze"), rules, NOW)

    assert change is not None
    record = change.lead.disqualification
    assert record is not None
    assert (record.reason_code, record.note, record.actor) == ("bad_timing", "budget freeze", "rep:dana")
    assert record.at == NOW
    assert record.recycle_at == NOW + timedelta(days=90)
    assert (change.lead.due_at, change.lead.due_job) == (NOW + timedelta(days=90), "recycle")
    assert change.transition is not None and "Bad timing (bad_timing)" in change.transition.reason
    assert "budget freeze" in change.transition.reason


def test_disqualifying_as_spam_schedules_nothing(rules: LifecycleRules) -> None:
    lead = a_lead(Stage.NEW, due_at=NOW + timedelta(hours=5), due_job="decay")

    change = apply_action(lead, ask("disqualify", reason_code="spam"), rules, NOW)

    assert change is not None and change.lead.disqualification is not None
    assert change.lead.disqualification.recycle_at is None
    assert (change.lead.due_at, change.lead.due_job) == (None, None)
    assert change.transition is not None and "never recycled" in change.transition.reason


# --- recycling -----------------------------------------------------------------------------------------------------


def test_recycling_before_the_date_changes_nothing(rules: LifecycleRules) -> None:
    lead = disqualified("bad_timing", rules)

    assert recycle(lead, NOW + timedelta(days=89, hours=23, minutes=59)) is None


@pytest.mark.parametrize("after", [timedelta(days=90), timedelta(days=91), timedelta(days=400)])
def test_recycling_on_or_after_the_date_reopens_the_lead_for_re_engagement(
    rules: LifecycleRules, after: timedelta
) -> None:
    lead = disqualified("bad_timing", rules)
    now = NOW + after

    change = recycle(lead, now)

    assert change is not None and change.transition is not None
    assert (change.lead.stage, change.lead.reengage, change.lead.stage_changed_at) == (Stage.RECYCLED, True, now)
    assert (change.lead.due_at, change.lead.due_job) == (None, None)
    assert (change.transition.from_stage, change.transition.to_stage) == (Stage.DISQUALIFIED, Stage.RECYCLED)
    assert "90 days" in change.transition.reason and "bad_timing" in change.transition.reason


def test_a_spam_lead_is_never_recycled(rules: LifecycleRules) -> None:
    lead = disqualified("spam", rules)

    assert recycle(lead, NOW + timedelta(days=3650)) is None


def test_recycling_twice_changes_nothing_the_second_time(rules: LifecycleRules) -> None:
    first = recycle(disqualified("unresponsive", rules), NOW + timedelta(days=60))
    assert first is not None

    assert recycle(first.lead, NOW + timedelta(days=61)) is None


def test_a_lead_taken_up_again_meanwhile_is_not_recycled(rules: LifecycleRules) -> None:
    lead = disqualified("bad_timing", rules).model_copy(update={"stage": Stage.SAL})

    assert recycle(lead, NOW + timedelta(days=90)) is None


def test_a_stale_recycle_entry_is_removed_and_a_decay_entry_left_alone(rules: LifecycleRules) -> None:
    due = NOW + timedelta(days=90)
    stale = disqualified("bad_timing", rules).model_copy(update={"stage": Stage.SAL})
    repaired = repair_recycle_due(stale)
    decaying = a_lead(Stage.MQL, due_at=NOW, due_job="decay")

    assert repaired is not None and (repaired.due_at, repaired.due_job) == (None, None)
    assert repair_recycle_due(disqualified("bad_timing", rules)) is None  # entry right: the index lagged
    assert repair_recycle_due(decaying) is None
    moved = disqualified("bad_timing", rules).model_copy(update={"due_at": NOW})
    assert (repaired_moved := repair_recycle_due(moved)) is not None and repaired_moved.due_at == due


# --- retries -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["accept", "qualify", "open_opportunity", "win", "disqualify"])
def test_the_same_request_twice_changes_nothing_the_second_time(rules: LifecycleRules, action: str) -> None:
    source = min(ACTIONS[action][0], key=list(Stage).index)  # type: ignore[index]
    first = apply_action(a_lead(source), ask(action), rules, NOW)
    assert first is not None

    assert apply_action(first.lead, ask(action), rules, NOW + timedelta(seconds=3)) is None


def test_a_different_disqualification_of_a_disqualified_lead_is_refused(rules: LifecycleRules) -> None:
    lead = disqualified("bad_timing", rules)

    with pytest.raises(TransitionNotAllowed, match=r"is disqualified \(bad_timing\)"):
        apply_action(lead, ask("disqualify", reason_code="no_budget"), rules, NOW)


def test_qualifying_an_sql_again_with_other_answers_is_refused(rules: LifecycleRules) -> None:
    first = apply_action(a_lead(Stage.SAL), ask("qualify"), rules, NOW)
    assert first is not None

    with pytest.raises(TransitionNotAllowed):
        apply_action(first.lead, ask("qualify", qualification={**BANT, "timeline": "Q4"}), rules, NOW)


# --- outcomes ------------------------------------------------------------------------------------------------------


def outcome(result: str, **fields: Any) -> OutcomeRequest:
    return OutcomeRequest.model_validate({"result": result, "actor": "crm:sfdc", **fields})


@pytest.mark.parametrize("stage", [stage for stage in Stage if stage is not Stage.CUSTOMER])
def test_a_won_deal_makes_any_lead_a_customer(rules: LifecycleRules, stage: Stage) -> None:
    change = record_outcome(a_lead(stage), outcome("won", amount=12000, currency="EUR"), rules, NOW)

    assert change is not None and change.transition is not None
    assert change.lead.stage is Stage.CUSTOMER and change.transition.from_stage is stage
    recorded = change.lead.outcome
    assert recorded is not None and (recorded.result, recorded.amount, recorded.closed_at) == ("won", 12000, NOW)
    assert "deal won (12000 EUR)" in change.transition.reason


def test_a_lost_deal_needs_a_known_reason_code(rules: LifecycleRules) -> None:
    with pytest.raises(InvalidAction, match="reason_code: required"):
        record_outcome(a_lead(Stage.OPPORTUNITY), outcome("lost"), rules, NOW)
    with pytest.raises(UnknownReasonCode):
        record_outcome(a_lead(Stage.OPPORTUNITY), outcome("lost", reason_code="price"), rules, NOW)


def test_a_lost_deal_is_disqualified_and_recycled_after_its_reasons_delay_from_closing(rules: LifecycleRules) -> None:
    closed = NOW - timedelta(days=10)
    request = outcome("lost", reason_code="lost_to_competitor", closed_at=closed.isoformat())

    change = record_outcome(a_lead(Stage.OPPORTUNITY), request, rules, NOW)

    assert change is not None and change.lead.disqualification is not None
    assert change.lead.stage is Stage.DISQUALIFIED
    assert change.lead.disqualification.recycle_at == closed + timedelta(days=120)
    assert (change.lead.due_at, change.lead.due_job) == (closed + timedelta(days=120), "recycle")


def test_a_later_outcome_replaces_the_earlier_one(rules: LifecycleRules) -> None:
    won = record_outcome(a_lead(Stage.OPPORTUNITY), outcome("won"), rules, NOW)
    assert won is not None

    lost = record_outcome(won.lead, outcome("lost", reason_code="bad_fit"), rules, NOW + timedelta(days=1))

    assert lost is not None and lost.transition is not None
    assert (lost.transition.from_stage, lost.lead.stage) == (Stage.CUSTOMER, Stage.DISQUALIFIED)
    assert lost.lead.outcome is not None and lost.lead.outcome.result == "lost"


def test_the_same_outcome_twice_changes_nothing_the_second_time(rules: LifecycleRules) -> None:
    request = outcome("lost", reason_code="no_budget", amount=5000, currency="USD")
    first = record_outcome(a_lead(Stage.SQL), request, rules, NOW)
    assert first is not None

    assert record_outcome(first.lead, request, rules, NOW + timedelta(minutes=1)) is None


def test_a_new_amount_on_a_customer_updates_the_outcome_without_a_stage_change(rules: LifecycleRules) -> None:
    first = record_outcome(a_lead(Stage.OPPORTUNITY), outcome("won", amount=100, currency="EUR"), rules, NOW)
    assert first is not None

    second = record_outcome(first.lead, outcome("won", amount=150, currency="EUR"), rules, NOW)

    assert second is not None and second.transition is None
    assert second.lead.outcome is not None and second.lead.outcome.amount == 150


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"result": "won", "amount": 10}, "currency"),
        ({"result": "won", "closed_at": (NOW + timedelta(days=1)).isoformat()}, "closed_at"),
        ({"result": "won", "reason_code": "spam"}, "reason_code"),
    ],
)
def test_an_unusable_outcome_names_the_field(rules: LifecycleRules, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidAction) as invalid:
        record_outcome(a_lead(Stage.SQL), outcome(**fields), rules, NOW)

    assert invalid.value.field == field


# --- the rule set --------------------------------------------------------------------------------------------------


def test_the_default_rule_set_has_the_issue_s_reason_codes_and_delays(rules: LifecycleRules) -> None:
    delays = {reason.code: reason.recycle_after_days for reason in rules.reason_codes}

    assert delays["bad_timing"] == 90 and delays["unresponsive"] == 60 and delays["lost_to_competitor"] == 120
    assert delays["spam"] is None
    assert set(delays) >= {"no_budget", "no_authority", "no_need", "bad_fit"}
    assert rules.qualification_fields == ["budget", "authority", "need", "timeline"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"code": "bad_timing", "label": "Bad timing", "recycle_after_days": 0}, "reason code 'bad_timing': recycle"),
        ({"code": "Bad Timing", "label": "x"}, "reason code 'Bad Timing': code"),
        ({"code": "late", "label": "Late", "days": 5}, "reason code 'late': days"),
    ],
)
def test_an_invalid_reason_code_is_refused_naming_it(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_ruleset("lifecycle", {"reason_codes": [entry]})


def test_a_reason_code_listed_twice_is_refused() -> None:
    twice = [{"code": "spam", "label": "Spam"}, {"code": "spam", "label": "Junk"}]

    with pytest.raises(ValidationError, match="reason code 'spam' is listed more than once"):
        parse_ruleset("lifecycle", {"reason_codes": twice})
