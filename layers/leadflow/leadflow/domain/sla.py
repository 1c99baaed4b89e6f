"""SLA decisions for the SlaTimer state machine and the touch API: when a rep's response is due (business hours
included), whether a timer owns the lead's SLA, what happens at a deadline, and what a touch records.

Pure: no I/O, every time passed in. The services store what these decide."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from leadflow.models.lead import Lead, Stage
from leadflow.models.lead_sla import SlaBreach, SlaState, Touch
from leadflow.models.owners import is_queue
from leadflow.models.sla import SlaDecision, SlaRules, SlaTarget
from leadflow.models.working_hours import WEEKDAYS, WorkingHours

# A business-hours walk looks at most this many days ahead: enough for any target and any sane opening days.
_MAX_DAYS = 800
#: The actor of the reassignments an SLA timer makes.
SLA_ACTOR = "sla-timer"


def _whole_second_up(moment: datetime) -> datetime:
    # Wait states take whole seconds; rounding up keeps the Wait from ending before the stored deadline.
    seconds = math.ceil(moment.timestamp())
    return datetime.fromtimestamp(seconds, tz=UTC)


def deadline_after(start: datetime, target: SlaTarget, hours: WorkingHours) -> datetime:
    """When a response started at `start` is due: `target` later, counting only opening hours for a business
    target (a lead at 16:30 on Friday with 4 business hours of 9-17 is due at 12:30 on Monday). UTC, whole seconds."""
    if not target.business:
        return _whole_second_up(start.astimezone(UTC) + timedelta(minutes=target.minutes))
    zone = hours.zone
    remaining = timedelta(minutes=target.minutes)
    cursor = start.astimezone(UTC)
    for _ in range(_MAX_DAYS):
        day = cursor.astimezone(zone).date()
        if WEEKDAYS[day.weekday()] in hours.days:
            # Wall times through the zone, arithmetic in UTC: a DST change inside the window is counted right.
            opens = datetime.combine(day, hours.start, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC)
            begin = max(cursor, opens)
            if begin < closes:
                if remaining <= closes - begin:
                    return _whole_second_up(begin + remaining)
                remaining -= closes - begin
        cursor = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    raise ValueError(f"no business time within {_MAX_DAYS} days of {start.isoformat()} for {target.describe()}")


@dataclass(frozen=True)
class Verdict:
    """What a timer does next, and why (for logs and the execution's output)."""

    decision: SlaDecision
    reason: str
    lead: Lead | None = None  # the lead to store, when the decision changes it


def claim(lead: Lead, *, timer_id: str, rep_id: str, rules: SlaRules, now: datetime) -> Verdict:
    """A timer started by lead.assigned takes the lead's SLA for the current assignment, or ends quietly.

    One timer per assignment: a second delivery of the same lead.assigned event (EventBridge retries) or the event of
    a reassignment the running timer made itself finds the SLA already tied to that assignment and ends. A new
    assignment made elsewhere takes over a running SLA and keeps its count, so escalation still comes after
    `max_reassignments` whoever moved the lead."""
    sla = lead.sla
    if sla is not None and sla.timer_id == timer_id:  # a retried start: same answer
        decision: SlaDecision = "wait" if sla.status == "running" else "end"
        return Verdict(decision, "this timer already holds the lead's SLA")
    if lead.merged_into is not None:  # a late lead.assigned of a lead merged away since: its survivor is chased
        return Verdict("end", f"the lead was merged into {lead.merged_into}")
    if lead.owner_id != rep_id:
        return Verdict("end", f"the lead is no longer owned by {rep_id}")
    if lead.stage is not Stage.MQL:  # sales already acted on it (accepted, disqualified, ...): nothing to chase
        return Verdict("end", f"the lead is {lead.stage.value}, not waiting for a first response")
    if is_queue(rep_id):  # nobody to touch it: the timer that moved it there escalates instead
        return Verdict("end", f"{rep_id} is a queue, not a rep")
    if lead.first_touch is not None:
        return Verdict("end", "the lead was touched already")
    assigned_at = lead.assignment.assigned_at if lead.assignment is not None else now
    if sla is not None and sla.assigned_at == assigned_at:
        return Verdict("end", "a timer already runs (or ran) for this assignment")
    carried = sla if sla is not None and sla.status == "running" else None
    priority, target = rules.priority_for(lead.score.cell if lead.score is not None else None)
    owners = [*(carried.owners if carried else []), rep_id]
    state = SlaState(
        timer_id=timer_id,
        priority=priority,
        target=target.describe(),
        rep_id=rep_id,
        assigned_at=assigned_at,
        started_at=now,
        deadline=deadline_after(assigned_at, target, rules.business_hours),
        reassignments=carried.reassignments if carried else 0,
        owners=list(dict.fromkeys(owners)),
        breaches=list(carried.breaches) if carried else [],
        ruleset_version=rules.version,
    )
    return Verdict("wait", f"{priority}: respond within {state.target}", lead.model_copy(update={"sla": state}))


def at_deadline(lead: Lead, *, timer_id: str, rules: SlaRules, now: datetime) -> Verdict:
    """What the timer does when its Wait ends: nothing if the lead was touched or another timer took over; wait on
    if the deadline is not reached; else reassign while reassignments are left, then escalate."""
    sla = lead.sla
    if sla is None or sla.timer_id != timer_id:
        return Verdict("end", "another timer holds the lead's SLA")
    if sla.status != "running":
        return Verdict("end", f"the SLA is {sla.status}")
    if lead.first_touch is not None:
        return Verdict("end", "the lead was touched")
    if (stopped := not_chased(lead, sla)) is not None:
        return stopped
    if lead.owner_id != sla.rep_id:
        return Verdict("end", f"the owner changed from {sla.rep_id} to {lead.owner_id}")
    if now < sla.deadline:
        return Verdict("wait", "the deadline is still ahead")
    if sla.reassignments < rules.max_reassignments:
        return Verdict("reassign", f"{sla.rep_id} did not touch the lead by {sla.deadline.isoformat()}")
    return Verdict("escalate", f"untouched after {sla.reassignments} reassignment(s)")


def not_chased(lead: Lead, sla: SlaState) -> Verdict | None:
    """The end of a timer whose lead is no longer waiting for the SLA's rep, with the SLA marked ended when nobody
    is to chase any more; None while the timer may act (reassign or escalate).

    A sales action (accept, disqualify, ...) answers the lead as surely as a call, and a lead the score sent back to
    marketing (no owner) or merged into another is nobody's to chase: the SLA is over, and such a lead is never
    handed to another rep or escalated. An owner changed by someone else ends this timer too (the new assignment's
    timer takes the SLA over); only this timer's own reassignment away from the rep (to a rep or to a queue, which
    the timer then escalates) lets it go on."""
    ended = lead.model_copy(update={"sla": sla.model_copy(update={"status": "ended"})})
    if lead.merged_into is not None:
        return Verdict("end", f"the lead was merged into {lead.merged_into}", ended)
    if lead.stage is not Stage.MQL:
        return Verdict("end", f"the lead is {lead.stage.value} now", ended)
    if lead.owner_id is None:
        return Verdict("end", "the lead has no owner any more", ended)
    if lead.owner_id == sla.rep_id or moved_by_timer(lead, sla):
        return None
    return Verdict("end", f"the lead is owned by {lead.owner_id} now, not {sla.rep_id}")


def moved_by_timer(lead: Lead, sla: SlaState) -> bool:
    """Whether the lead's current assignment is the SLA timer's own reassignment away from the SLA's rep."""
    assignment = lead.assignment
    return assignment is not None and assignment.actor == SLA_ACTOR and assignment.previous_owner == sla.rep_id


def with_breach(sla: SlaState, *, at: datetime, action: str) -> tuple[SlaState, bool]:
    """The SLA with the current deadline's breach recorded (once: a retried step finds it there); True if new."""
    if any(b.rep_id == sla.rep_id and b.deadline == sla.deadline for b in sla.breaches):
        # Recorded by a reassignment that found nobody (or failed): the breach ends in an escalation after all.
        breaches = [
            b.model_copy(update={"action": action}) if b.rep_id == sla.rep_id and b.deadline == sla.deadline else b
            for b in sla.breaches
        ]
        return sla.model_copy(update={"breaches": breaches}), False
    breach = SlaBreach.model_validate({"rep_id": sla.rep_id, "deadline": sla.deadline, "at": at, "action": action})
    changes: dict[str, object] = {"breaches": [*sla.breaches, breach]}
    if action == "reassigned":
        changes["reassignments"] = sla.reassignments + 1
    return sla.model_copy(update=changes), True


def restart_for(sla: SlaState, lead: Lead, rules: SlaRules, now: datetime) -> SlaState:
    """The SLA running again for the lead's new owner, from `now`."""
    target = SlaTarget.parse(sla.target)
    assert lead.owner_id is not None, "a reassigned lead has an owner"
    return sla.model_copy(
        update={
            "rep_id": lead.owner_id,
            "assigned_at": lead.assignment.assigned_at if lead.assignment is not None else now,
            "started_at": now,
            "deadline": deadline_after(now, target, rules.business_hours),
            "owners": list(dict.fromkeys([*sla.owners, lead.owner_id])),
        }
    )


def record_touch(lead: Lead, touch: Touch) -> Lead | None:
    """The lead with its first touch and speed to lead (capture to first touch) recorded and a running SLA met;
    None if it was touched before (later touches go to history only)."""
    if lead.first_touch is not None:
        return None
    changes: dict[str, object] = {
        "first_touch": touch,
        "speed_to_lead_seconds": max(0.0, (touch.at - lead.created_at).total_seconds()),
    }
    if lead.sla is not None and lead.sla.status == "running":
        changes["sla"] = lead.sla.model_copy(update={"status": "met"})
    return lead.model_copy(update=changes)
