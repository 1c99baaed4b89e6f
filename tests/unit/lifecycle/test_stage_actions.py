"""Which sales action moves a lead from which stage, what qualification and disqualification record, and what a
retried request changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from leadflow.domain.lifecycle import (
    ACTIONS,
    InvalidAction,
    MissingQualification,
    TransitionNotAllowed,
    UnknownReasonCode,
    apply_action,
)
from leadflow.models.lead import Stage
from leadflow.models.lifecycle import LifecycleRules, StageRequest

from tests.unit.conftest import NOW
from tests.unit.lifecycle.conftest import BANT, a_lead, ask, disqualified

ALLOWED = sorted((action, stage) for action, (sources, _) in ACTIONS.items() for stage in sources)
REFUSED = sorted(
    (action, stage)
    for action, (sources, target) in ACTIONS.items()
    for stage in Stage
    if stage not in sources and stage is not target
)


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
