"""Sales actions on a lead's stage and the daily recycling of disqualified leads: each decision of
leadflow.domain.lifecycle stored under optimistic concurrency, written to the lead's history and announced.

Retries are harmless: the domain answers "nothing to do" for a lead that already shows a request's result, and the
recycle job leaves alone a lead that is not (or no longer) due.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from leadflow.domain.lifecycle import Change, Transition, apply_action, recycle, repair_recycle_due
from leadflow.models.events import DomainEvent, LeadDisqualified, LeadRecycled, LeadStageChanged
from leadflow.models.lead import HistoryEntry, HistoryKind, Lead, Stage
from leadflow.models.lifecycle import LifecycleRules, StageRequest
from leadflow.models.owners import is_queue
from leadflow.observability import logger
from leadflow.ports import ConcurrentUpdate
from leadflow.services.lead_updates import LeadNotFound, update_existing_lead
from leadflow.services.pipeline_deps import DueJobDeps, LeadChangeDeps, active_ruleset
from leadflow.services.rep_load import release_owner

RECYCLE_JOB = "recycle"
RECYCLE_PAGE = 500


class RecycleFailed(Exception):
    """Some due leads could not be recycled in this run; the others were. The next run tries them again."""


def lifecycle_rules(deps: LeadChangeDeps) -> LifecycleRules:
    return active_ruleset(deps.config, "lifecycle", LifecycleRules)


def decide_and_store(
    deps: LeadChangeDeps, lead_id: str, decide: Callable[[Lead], Change | None]
) -> tuple[Lead, Change | None]:
    """Apply a domain decision to the stored lead; the change is the one stored (None: nothing was written)."""
    decided: list[Change | None] = [None]

    def change(lead: Lead) -> Lead | None:
        decided[0] = decide(lead)  # re-decided on every attempt: a concurrent write changes what is right
        return decided[0].lead if decided[0] is not None else None

    lead = update_existing_lead(deps.store, lead_id, change)
    return lead, decided[0]


def _history_kind(stage: Stage) -> HistoryKind:
    if stage is Stage.DISQUALIFIED:
        return "disqualified"
    if stage is Stage.RECYCLED:
        return "recycled"
    return "stage_changed"


def disqualified_event(lead: Lead, version: int) -> LeadDisqualified:
    record = lead.disqualification
    assert record is not None, "only a disqualified lead is announced as one"
    return LeadDisqualified(
        lead_id=lead.lead_id,
        reason_code=record.reason_code,
        note=record.note,
        actor=record.actor,
        disqualified_at=record.at,
        recycle_at=record.recycle_at,
        ruleset_version=version,
    )


def record_transition(
    lead: Lead, transition: Transition, deps: LeadChangeDeps, *, version: int | None
) -> list[DomainEvent]:
    """Write the transition to the lead's history; return the events that announce it. `version`: the lifecycle
    rule set the decision used (None for recycling, which uses the date stored at the disqualification)."""
    detail: dict[str, object] = {
        "from": transition.from_stage.value,
        "to": transition.to_stage.value,
        "action": transition.action,
        "actor": transition.actor,
        "reason": transition.reason,
    }
    if version is not None:
        detail["ruleset_version"] = version
    if transition.action == "qualify":
        detail["qualification"] = dict(lead.qualification)
    if transition.to_stage is Stage.DISQUALIFIED and lead.disqualification is not None:
        detail |= lead.disqualification.model_dump(mode="json", include={"reason_code", "note", "recycle_at"})
    # The time in the ref tells apart a lead's second pass through the same stages (disqualified, recycled, ...).
    ref = f"{transition.from_stage.value}->{transition.to_stage.value}@{transition.at.isoformat()}"
    entry = HistoryEntry(at=transition.at, kind=_history_kind(transition.to_stage), ref=ref, detail=detail)
    deps.store.add_history(lead.lead_id, entry)
    events: list[DomainEvent] = [
        LeadStageChanged(
            lead_id=lead.lead_id,
            from_stage=transition.from_stage,
            to_stage=transition.to_stage,
            reason=transition.reason,
            actor=transition.actor,
        )
    ]
    if transition.to_stage is Stage.DISQUALIFIED:
        assert version is not None, "a disqualification is decided under a lifecycle rule set"
        events.append(disqualified_event(lead, version))
    if transition.to_stage in CLOSED_STAGES and transition.from_stage not in CLOSED_STAGES:
        _release(lead, deps)
    return events


#: A lead in one of these no longer counts against its owner's capacity (max open leads).
CLOSED_STAGES = frozenset({Stage.DISQUALIFIED, Stage.CUSTOMER})


def _release(lead: Lead, deps: LeadChangeDeps) -> None:
    """The lead is closed: its rep has one open lead fewer. Runs once per transition (a retried request finds the
    lead already in the stage and changes nothing), so the count is not released twice."""
    if lead.owner_id is not None and not is_queue(lead.owner_id):
        release_owner(deps.config, lead.owner_id)


def change_stage(lead_id: str, request: StageRequest, deps: LeadChangeDeps) -> Lead:
    """Carry out a sales action (accept, qualify, open_opportunity, win, disqualify) on a lead.

    Raises LeadNotFound, InvalidAction (the request cannot be used: unknown reason code, a missing answer) and
    TransitionNotAllowed (the lead's stage does not allow the action). The same request twice changes nothing the
    second time."""
    rules = lifecycle_rules(deps)
    now = deps.clock.now()
    lead, change = decide_and_store(deps, lead_id, lambda current: apply_action(current, request, rules, now))
    if change is not None and change.transition is not None:
        deps.bus.publish(record_transition(lead, change.transition, deps, version=rules.version))
    return lead


def _recycle_decision(now: datetime) -> Callable[[Lead], Change | None]:
    def decide(lead: Lead) -> Change | None:
        change = recycle(lead, now)
        if change is not None:
            return change
        repaired = repair_recycle_due(lead)
        return Change(lead=repaired, transition=None) if repaired is not None else None

    return decide


def recycle_lead(lead_id: str, now: datetime, deps: LeadChangeDeps) -> bool:
    """Recycle one lead if it is due; True when it was recycled by this call."""
    try:
        lead, change = decide_and_store(deps, lead_id, _recycle_decision(now))
    except LeadNotFound:
        return False  # gone since the index listed it
    if change is None or change.transition is None:
        return False
    events = record_transition(lead, change.transition, deps, version=None)
    record = lead.disqualification
    assert record is not None, "a recycled lead keeps the disqualification it was recycled from"
    events.append(LeadRecycled(lead_id=lead.lead_id, reason_code=record.reason_code, disqualified_at=record.at))
    deps.bus.publish(events)
    return True


def recycle_due_leads(deps: DueJobDeps, limit: int = RECYCLE_PAGE) -> int:
    """Recycle every disqualified lead whose recycle date has come, reading only the due index, `limit` ids a page;
    return how many were recycled. A lead that fails alone (a lost race, an unreadable record) does not stop the
    others: the run raises RecycleFailed at the end, naming them, and the next run tries again."""
    now = deps.clock.now()
    seen: set[str] = set()
    failed: list[str] = []
    recycled = 0
    while True:
        # The index is read again after each page: what was recycled has left it. An id seen before means the
        # index lags behind a write, so that page brings nothing new and the run is over.
        fresh = [lead_id for lead_id in deps.store.due_leads(RECYCLE_JOB, now, limit) if lead_id not in seen]
        if not fresh:
            break
        seen.update(fresh)
        for lead_id in fresh:
            try:
                recycled += recycle_lead(lead_id, now, deps)
            except (ConcurrentUpdate, ValidationError):
                logger.exception("could not recycle lead", extra={"lead_id": lead_id})
                failed.append(lead_id)
    if failed:
        raise RecycleFailed(f"{len(failed)} due lead(s) not recycled, {recycled} recycled: {', '.join(failed[:20])}")
    return recycled
