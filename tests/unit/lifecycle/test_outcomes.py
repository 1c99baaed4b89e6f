"""How a closed-loop outcome (a deal won or lost) closes the loop on a lead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from leadflow.domain.lifecycle import (
    InvalidAction,
    UnknownReasonCode,
    record_outcome,
)
from leadflow.models.lead import Stage
from leadflow.models.lifecycle import LifecycleRules, OutcomeRequest

from tests.unit.conftest import NOW
from tests.unit.lifecycle.conftest import a_lead


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
