"""SLA timers and touches: the SlaTimer state machine's steps (start, check at the deadline, breach and reassign,
escalate) and POST /v1/leads/{id}/touch. Decisions are leadflow.domain.sla's; this module stores and announces them.

Every step is safe to retry: a breach is recorded once per deadline, a reassignment happens once per breach, and the
notifications' ids are derived from what they announce. Only the execution that holds the lead's SLA (`timer_id`)
acts; any other ends quietly, so a twice-delivered lead.assigned never makes two timers act on one lead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from leadflow.domain.notifications import assignment_notification, lead_display_name
from leadflow.domain.sla import (
    SLA_ACTOR,
    Verdict,
    at_deadline,
    claim,
    not_chased,
    record_touch,
    restart_for,
    with_breach,
)
from leadflow.models.events import (
    DomainEvent,
    LeadEscalated,
    LeadSlaBreached,
    LeadTouched,
)
from leadflow.models.lead import HistoryEntry, Lead
from leadflow.models.lead_sla import SlaState, Touch
from leadflow.models.owners import is_queue
from leadflow.models.rules import RepRoster
from leadflow.models.sla import SlaRules, SlaTimerState, TouchRequest
from leadflow.ports import Notification
from leadflow.services.announcements import queue_notification, record_and_publish
from leadflow.services.lead_updates import update_existing_lead
from leadflow.services.pipeline_deps import LeadChangeDeps, SlaDeps, active_ruleset
from leadflow.services.routing import reassign_lead

__all__ = ["SLA_ACTOR", "breach_and_reassign", "check_timer", "escalate", "start_timer", "touch_lead"]

SLA_REASON = "sla_breach"


def sla_rules(deps: SlaDeps) -> SlaRules:
    return active_ruleset(deps.config, "sla", SlaRules)


def _decide(deps: SlaDeps, lead_id: str, decide: Callable[[Lead], Verdict]) -> tuple[Lead, Verdict]:
    verdicts: list[Verdict] = []

    def change(lead: Lead) -> Lead | None:
        verdicts.append(decide(lead))  # re-decided on every attempt: a concurrent write changes what is right
        return verdicts[-1].lead

    lead = update_existing_lead(deps.store, lead_id, change)
    return lead, verdicts[-1]


def _answer(timer: SlaTimerState, verdict: Verdict, lead: Lead) -> SlaTimerState:
    sla = lead.sla
    deadline = sla.deadline if verdict.decision == "wait" and sla is not None else None
    return timer.model_copy(update={"decision": verdict.decision, "reason": verdict.reason, "deadline": deadline})


def start_timer(timer: SlaTimerState, deps: SlaDeps) -> SlaTimerState:
    """ComputeDeadline: take the lead's SLA for this assignment and answer its deadline, or end quietly."""
    rules = sla_rules(deps)
    now = deps.clock.now()
    lead, verdict = _decide(
        deps,
        timer.lead_id,
        lambda lead: claim(lead, timer_id=timer.timer_id, rep_id=timer.rep_id, rules=rules, now=now),
    )
    return _answer(timer, verdict, lead)


def check_timer(timer: SlaTimerState, deps: SlaDeps) -> SlaTimerState:
    """CheckTouched: at the deadline, end if the lead was touched, acted on by sales (its SLA is then marked ended)
    or another timer holds it, else reassign or escalate (the next step writes those)."""
    lead = deps.store.get_lead(timer.lead_id)
    if lead is None:
        return timer.model_copy(update={"decision": "end", "reason": "the lead no longer exists", "deadline": None})
    rules, now = sla_rules(deps), deps.clock.now()
    verdict = at_deadline(lead, timer_id=timer.timer_id, rules=rules, now=now)
    if verdict.lead is not None:  # sales acted on the lead: the SLA ends, and the lead says so
        lead, verdict = _decide(
            deps, timer.lead_id, lambda current: at_deadline(current, timer_id=timer.timer_id, rules=rules, now=now)
        )
    return _answer(timer, verdict, lead)


def _holds(lead: Lead, timer: SlaTimerState) -> SlaState | None:
    sla = lead.sla
    return sla if sla is not None and sla.timer_id == timer.timer_id and sla.status == "running" else None


def breach_and_reassign(timer: SlaTimerState, deps: SlaDeps) -> SlaTimerState:
    """BreachAndReassign: record the breach, give the lead to the next eligible rep (never an earlier owner in this
    SLA), publish lead.sla_breached and answer the new owner's deadline.

    The breach is stored before the lead moves, so a timer started by the reassignment's own lead.assigned event,
    should it take over the SLA, carries the right count. NoEligibleRep propagates: the ASL escalates instead."""
    rules = sla_rules(deps)
    now = deps.clock.now()
    breached: list[SlaState] = []
    lead, verdict = _decide(deps, timer.lead_id, lambda current: _record_breach(current, timer, now, breached))
    if verdict.decision != "reassign":
        return _answer(timer.model_copy(update={"rep_id": lead.owner_id or timer.rep_id}), verdict, lead)
    sla = breached[0]
    if lead.owner_id == sla.rep_id:  # not yet moved (a retry after the move finds the new owner instead)
        lead = _reassign(lead.lead_id, deps, sla.owners)

    def restart(current: Lead) -> Verdict:
        held = _holds(current, timer)
        if held is None:
            return Verdict("end", "another timer took over the SLA with the new assignment")
        if (stopped := not_chased(current, held)) is not None:
            return stopped
        if held.rep_id == current.owner_id:
            return Verdict("wait", "restarted for the new owner already")
        if is_queue(current.owner_id):  # nobody could take it: a queue touches no lead, a manager must know
            return Verdict("escalate", f"no rep could take the lead; it waits in {current.owner_id}")
        return Verdict(
            "wait",
            f"reassigned to {current.owner_id}",
            current.model_copy(update={"sla": restart_for(held, current, rules, now)}),
        )

    lead, verdict = _decide(deps, timer.lead_id, restart)
    _announce_breach(deps, lead.lead_id, sla, action="reassigned", to_rep=lead.owner_id, at=now)
    return _answer(timer.model_copy(update={"rep_id": lead.owner_id or timer.rep_id}), verdict, lead)


def _record_breach(lead: Lead, timer: SlaTimerState, now: datetime, breached: list[SlaState]) -> Verdict:
    """The breach of the timer's deadline recorded on the lead, unless the lead changed since CheckTouched looked."""
    sla = _holds(lead, timer)
    if sla is None or lead.first_touch is not None:
        return Verdict("end", "the SLA was met or is held by another timer")
    if (stopped := not_chased(lead, sla)) is not None:
        return stopped
    if now < sla.deadline:  # a retry of a step that already reassigned and restarted the SLA
        return Verdict("wait", f"already reassigned to {sla.rep_id}")
    updated, new = with_breach(sla, at=now, action="reassigned")
    breached[:] = [updated]
    return Verdict("reassign", "breach recorded", lead.model_copy(update={"sla": updated}) if new else None)


def escalate(timer: SlaTimerState, deps: SlaDeps) -> SlaTimerState:
    """Escalate: record the last breach, hand the lead to the rep's manager's attention (the roster's team manager,
    else the configured `escalate_to`), publish lead.sla_breached and lead.escalated, and notify the manager."""
    rules = sla_rules(deps)
    roster = active_ruleset(deps.config, "reps", RepRoster)
    now = deps.clock.now()
    escalated: list[tuple[SlaState, str]] = []

    def decide(lead: Lead) -> Verdict:
        sla = _holds(lead, timer)
        if sla is None or lead.first_touch is not None:
            return Verdict("end", "the SLA was met or is held by another timer")
        if (stopped := not_chased(lead, sla)) is not None:
            return stopped
        manager = roster.manager_of(sla.rep_id)
        manager_id = manager.rep_id if manager is not None else rules.escalate_to
        updated, _ = with_breach(sla, at=now, action="escalated")
        updated = updated.model_copy(update={"status": "escalated", "escalated_to": manager_id})
        escalated[:] = [(updated, manager_id)]
        return Verdict("end", f"escalated to {manager_id}", lead.model_copy(update={"sla": updated}))

    lead, verdict = _decide(deps, timer.lead_id, decide)
    if escalated:
        sla, manager_id = escalated[0]
        events = _announce_breach(deps, lead.lead_id, sla, action="escalated", to_rep=None, at=now, publish=False)
        deps.store.add_history(
            lead.lead_id,
            HistoryEntry(at=now, kind="escalated", ref=sla.timer_id, detail={"rep_id": sla.rep_id, "to": manager_id}),
        )
        events.append(
            LeadEscalated(
                lead_id=lead.lead_id,
                rep_id=sla.rep_id,
                manager_id=manager_id,
                priority=sla.priority,
                breaches=len(sla.breaches),
            )
        )
        events += queue_notification(
            deps.store, deps.outbox, _escalation_notification(lead, sla, manager_id, deps.api_base_url, now)
        )
        deps.bus.publish(events)
    return _answer(timer, verdict, lead)


def _announce_breach(
    deps: SlaDeps,
    lead_id: str,
    sla: SlaState,
    *,
    action: str,
    to_rep: str | None,
    at: datetime,
    publish: bool = True,
) -> list[DomainEvent]:
    """History entry and event for the SLA's latest breach; nothing if a retried step announced it already."""
    breach = sla.breaches[-1]
    ref = f"{breach.rep_id}@{breach.deadline.isoformat()}"
    entry = HistoryEntry(
        at=at,
        kind="sla_breached",
        ref=ref,
        detail={"rep_id": breach.rep_id, "deadline": breach.deadline.isoformat(), "action": action, "to": to_rep},
    )
    if not deps.store.add_history(lead_id, entry):
        return []
    events: list[DomainEvent] = [
        LeadSlaBreached(
            lead_id=lead_id,
            rep_id=breach.rep_id,
            priority=sla.priority,
            deadline=breach.deadline,
            breach=len(sla.breaches),
            action="reassigned" if action == "reassigned" else "escalated",
            to_rep=to_rep,
        )
    ]
    if publish:
        deps.bus.publish(events)
    return events


def _escalation_notification(
    lead: Lead, sla: SlaState, manager_id: str, api_base_url: str, at: datetime
) -> Notification:
    """The manager's message, naming the owner the stored lead has as it is composed (`lead` is what the escalation
    just wrote under optimistic concurrency), never the rep the SLA started with."""
    link = f"{api_base_url.rstrip('/')}/v1/leads/{lead.lead_id}"
    owners = ", ".join(sla.owners)
    owner = lead.owner_id
    if owner is None:
        where = "It has no owner now."
    elif is_queue(owner):
        where = f"No rep could take it: it waits in {owner}."
    else:
        where = f"It is owned by {owner}."
    return Notification(
        notification_id=f"escalated#{lead.lead_id}#{sla.timer_id}",
        rep_id=manager_id,
        lead_id=lead.lead_id,
        channel="email",
        subject=f"Escalated: {lead_display_name(lead)} untouched after {len(sla.breaches)} missed deadline(s)",
        body=(
            f"The lead {lead_display_name(lead)} ({lead.email}) had a {sla.target} response time ({sla.priority}) "
            f"and nobody touched it: {owners}. {where}\n\n{link}\n"
        ),
        created_at=at,
        payload={
            "kind": "lead.escalated",
            "lead_id": lead.lead_id,
            "lead_url": link,
            "rep_id": manager_id,
            "owner_id": owner,
            "owners": list(sla.owners),
            "priority": sla.priority,
            "breaches": len(sla.breaches),
        },
    )


def _reassign(lead_id: str, deps: SlaDeps, exclude: Sequence[str]) -> Lead:
    """The routing rules' next owner for the lead, never one of `exclude`; the new rep is told through the outbox
    (a reassignment has no pipeline Notify step after it). Raises what reassign_lead raises (NoEligibleRep, ...)."""
    lead = reassign_lead(lead_id, deps, actor=SLA_ACTOR, reason=SLA_REASON, exclude=exclude)
    if lead.assignment is not None and not is_queue(lead.owner_id):
        notification = assignment_notification(lead, lead.assignment, deps.api_base_url)
        deps.bus.publish(queue_notification(deps.store, deps.outbox, notification))
    return lead


def touch_lead(lead_id: str, request: TouchRequest, deps: LeadChangeDeps) -> Lead:
    """Record a rep's call, email or meeting. The first touch sets `first_touch` and `speed_to_lead_seconds` and
    meets a running SLA (its timer ends at its deadline without acting); every touch goes to history and is a
    lead.touched event. The same touch twice is recorded once."""
    touch = Touch(type=request.type, actor=request.actor, at=request.at or deps.clock.now())
    lead = update_existing_lead(deps.store, lead_id, lambda current: record_touch(current, touch))
    first = lead.first_touch == touch
    entry = HistoryEntry(
        at=touch.at,
        kind="touched",
        ref=f"{touch.type}:{touch.actor}@{touch.at.isoformat()}",
        detail={**touch.model_dump(mode="json"), "first": first},
    )
    touched = LeadTouched(
        lead_id=lead_id,
        type=touch.type,
        actor=touch.actor,
        touched_at=touch.at,
        first=first,
        speed_to_lead_seconds=lead.speed_to_lead_seconds if first else None,
    )
    record_and_publish(deps.store, deps.bus, lead_id, entry, [touched])
    return lead
