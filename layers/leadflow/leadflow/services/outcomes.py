"""Closed-loop outcomes: how a lead's deal ended (won or lost), stored on the lead, moved through the lifecycle, and
kept as one training example per lead for the predictive model to learn from.

The latest outcome is the truth: a second outcome for a lead replaces the first, on the lead and as its example.
"""

from __future__ import annotations

from typing import Protocol

from leadflow.domain.lifecycle import record_outcome as decide_outcome
from leadflow.models.events import DomainEvent, LeadConverted, LeadOutcomeRecorded
from leadflow.models.lead import HistoryEntry, Lead
from leadflow.models.lifecycle import OutcomeRequest
from leadflow.ports import Outcomes
from leadflow.services.lifecycle import decide_and_store, disqualified_event, lifecycle_rules, record_transition
from leadflow.services.pipeline_deps import LeadChangeDeps, LeadChanges


class OutcomeStore(LeadChanges, Outcomes, Protocol):
    """Recording an outcome changes the lead and keeps the outcome as a training example."""


class OutcomeDeps(LeadChangeDeps, Protocol):
    """What recording an outcome works with: LeadChangeDeps, with the training examples on the store."""

    @property
    def store(self) -> OutcomeStore: ...


def record_outcome(lead_id: str, request: OutcomeRequest, deps: OutcomeDeps) -> Lead:
    """Record how the lead's deal ended. `won` makes it a customer; `lost` disqualifies it with the request's reason
    code, so that the reason's recycle delay applies.

    Raises LeadNotFound, InvalidAction (no or an unknown reason code for `lost`, an amount without a currency, a
    closing date in the future) and TransitionNotAllowed (a lead merged into another). The same request twice
    changes nothing the second time."""
    rules = lifecycle_rules(deps)
    now = deps.clock.now()
    lead, change = decide_and_store(deps, lead_id, lambda current: decide_outcome(current, request, rules, now))
    outcome = lead.outcome
    assert outcome is not None, "the lead holds the outcome just recorded (or recorded by the first attempt)"
    # Also on a retried request: the first attempt may have stopped between the lead and its training example.
    deps.store.put_outcome(lead_id, outcome)
    if change is None:
        return lead
    detail = {**outcome.model_dump(mode="json"), "reason_code": request.reason_code, "ruleset_version": rules.version}
    entry = HistoryEntry(at=now, kind="outcome", ref=f"{outcome.result}@{now.isoformat()}", detail=detail)
    deps.store.add_history(lead_id, entry)
    events: list[DomainEvent] = [
        LeadOutcomeRecorded(
            lead_id=lead_id,
            result=outcome.result,
            amount=outcome.amount,
            currency=outcome.currency,
            closed_at=outcome.closed_at,
            actor=outcome.actor,
            reason_code=request.reason_code,
        )
    ]
    if change.transition is not None:
        events += record_transition(lead, change.transition, deps, version=rules.version)
    elif outcome.result == "lost":
        # Already disqualified: the lost deal's reason (and its recycle date) replace the earlier one.
        events.append(disqualified_event(lead, rules.version))
    if outcome.result == "won":
        events.append(
            LeadConverted(
                lead_id=lead_id,
                amount=outcome.amount,
                currency=outcome.currency,
                closed_at=outcome.closed_at,
                actor=outcome.actor,
            )
        )
    deps.bus.publish(events)
    return lead
