"""One wake-up of a nurture enrolment's execution: read the lead fresh, decide (leadflow.domain.nurture_engine),
perform what was decided, save the enrolment, announce it, and tell the state machine whether to wait or end.

Every action is idempotent by a deterministic id (mail log, outbox), so a run retried after a crash or a lost
race for the lead sends nothing twice; the lead is saved under optimistic locking and a lost race runs the decision
again on the fresh lead, which sees an exit that happened meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from leadflow.domain.nurture_engine import (
    Action,
    HandOver,
    NotifyOwner,
    Run,
    SendEmail,
    SetField,
    Situation,
    advance,
    count_sent,
    with_send_result,
)
from leadflow.domain.nurture_entry import with_enrolment
from leadflow.domain.send_window import lead_timezone
from leadflow.models.enrolment import MAX_ENROLMENTS, Enrolment
from leadflow.models.events import DomainEvent
from leadflow.models.lead import HistoryEntry, Lead
from leadflow.models.nurture_events import NurtureExited, NurtureStepCompleted
from leadflow.models.owners import is_queue
from leadflow.models.submission import CustomValue
from leadflow.ports import ConcurrentUpdate, Notification
from leadflow.services.announcements import queue_notification, record_and_publish
from leadflow.services.nurture_deps import NurtureDeps, nurture_version
from leadflow.services.nurture_mail import send_template

MAX_ATTEMPTS = 5
CAP_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class StepAnswer:
    """What the state machine does next: `wait` until `wake_at`, or `end`."""

    decision: str
    wake_at: str | None = None


def run_enrolment(lead_id: str, enrolment_id: str, deps: NurtureDeps) -> StepAnswer:
    for _ in range(MAX_ATTEMPTS):
        lead = deps.store.get_lead(lead_id)
        enrolment = lead.enrolment(enrolment_id) if lead is not None else None
        if lead is None or enrolment is None or not enrolment.active:
            return StepAnswer("end")  # erased, or ended by an exit the execution was not stopped in time for
        if enrolment.wake_at is not None and enrolment.wake_at > deps.clock.now():
            # Woken early (an execution started again for an enrolment that sleeps, a duplicate start): sleep on.
            return StepAnswer("wait", _timestamp(enrolment.wake_at))
        run, lead_after = _decide_and_act(lead, enrolment, deps)
        try:
            deps.store.save_lead(lead_after, expected_version=lead.version)
        except ConcurrentUpdate:
            continue  # decided on a stale lead: decide again (what was sent is in the mail log, sent once)
        _announce(lead_after, enrolment, run, deps)
        if run.decision == "end":
            return StepAnswer("end")
        assert run.enrolment.wake_at is not None
        return StepAnswer("wait", _timestamp(run.enrolment.wake_at))
    raise ConcurrentUpdate(f"lead {lead_id} kept changing while its enrolment {enrolment_id} ran")


def _decide_and_act(lead: Lead, enrolment: Enrolment, deps: NurtureDeps) -> tuple[Run, Lead]:
    rules = nurture_version(deps.rules, enrolment.track_version)
    track = rules.track(enrolment.track_id)
    now = deps.clock.now()
    assert track is not None  # a version keeps every track an enrolment under it was made in
    sent = [m.created_at for m in deps.mail_log.sent_to(lead.lead_id, now - CAP_WINDOW) if m.kind == "marketing"]
    situation = Situation(
        lead=lead,
        enrolment=enrolment,
        track=track,
        limits=rules.limits,
        zone=lead_timezone(lead.country, _state(lead), rules.limits),
        now=now,
        marketing_sent=sent,
        mail_blocked=deps.mail_blocked(lead),
    )
    run = advance(situation)
    after = run.enrolment
    fields = dict(lead.fields)
    for action in run.actions:
        after, fields = _perform(action, lead, after, fields, deps=deps, now=now)
    run = Run(count_sent(after), run.actions)
    updated = lead.model_copy(update={"fields": fields, "updated_at": now})
    return run, with_enrolment(updated, run.enrolment, keep=MAX_ENROLMENTS)


def _perform(
    action: Action,
    lead: Lead,
    enrolment: Enrolment,
    fields: dict[str, CustomValue],
    *,
    deps: NurtureDeps,
    now: datetime,
) -> tuple[Enrolment, dict[str, CustomValue]]:
    if isinstance(action, SendEmail):
        rules = nurture_version(deps.rules, enrolment.track_version)
        tags = {"track": enrolment.track_id, "step": action.step_id, "enrolment": enrolment.enrolment_id}
        if action.variant:
            tags["variant"] = action.variant
        result = send_template(
            lead,
            rules.template(action.template_id),
            message_id=action.message_id,
            tags=tags,
            deps=deps,
            now=now,
            extra={"previous_owner": _previous_owner(lead)},
        )
        if result.outcome != "sent":
            enrolment = with_send_result(enrolment, action.message_id, result.outcome, result.detail)  # type: ignore[arg-type]
    elif isinstance(action, SetField):
        fields = {**fields, action.name: action.value}
    elif isinstance(action, NotifyOwner):
        enrolment = _notify_owner(lead, enrolment, action, deps, now)
    elif isinstance(action, HandOver):
        pass  # announced with the exit (nurture.exited handover_to); the event handler enrols the lead there
    return enrolment, fields


def _notify_owner(lead: Lead, enrolment: Enrolment, action: NotifyOwner, deps: NurtureDeps, now: datetime) -> Enrolment:
    owner = lead.owner_id
    if owner is None or is_queue(owner):
        steps = [
            r.model_copy(update={"outcome": "no_owner"})
            if r.step_id == action.step_id and r.at == now and r.outcome == "owner_notified"
            else r
            for r in enrolment.steps
        ]
        return enrolment.model_copy(update={"steps": steps})
    notification = Notification(
        notification_id=f"nurture-{action.ref}",
        rep_id=owner,
        lead_id=lead.lead_id,
        channel="default",
        subject=f"Nurture: {lead.email}",
        body=action.message,
        created_at=now,
        payload={"lead_id": lead.lead_id, "track": enrolment.track_id, "step": action.step_id},
    )
    deps.bus.publish(queue_notification(deps.store, deps.outbox, notification))
    return enrolment


def _announce(lead: Lead, before: Enrolment, run: Run, deps: NurtureDeps) -> None:
    enrolment = run.enrolment
    new_records = enrolment.steps[len(before.steps) :] if len(enrolment.steps) >= len(before.steps) else []
    events: list[DomainEvent] = [
        NurtureStepCompleted(
            lead_id=lead.lead_id,
            enrolment_id=enrolment.enrolment_id,
            track_id=enrolment.track_id,
            step_id=record.step_id,
            outcome=record.outcome,
            at=record.at,
            variant=record.variant,
            message_id=record.message_id,
            detail=record.detail,
        )
        for record in new_records
        if record.outcome not in {"waited", "deferred"}
    ]
    if not enrolment.active:
        handover = next((a.track_id for a in run.actions if isinstance(a, HandOver)), None)
        events.append(exited_event(lead.lead_id, enrolment, handover_to=handover))
    if not events:
        return
    entry = HistoryEntry(
        at=deps.clock.now(),
        kind="nurture",
        ref=f"{enrolment.enrolment_id}#{len(enrolment.steps)}#{enrolment.status}",
        detail={"track": enrolment.track_id, "steps": [r.step_id for r in new_records], "status": enrolment.status},
    )
    record_and_publish(deps.store, deps.bus, lead.lead_id, entry, events)


def exited_event(lead_id: str, enrolment: Enrolment, *, handover_to: str | None = None) -> NurtureExited:
    return NurtureExited(
        lead_id=lead_id,
        enrolment_id=enrolment.enrolment_id,
        track_id=enrolment.track_id,
        reason=enrolment.exit_reason or "completed",
        at=enrolment.ended_at or enrolment.enrolled_at,
        variants=enrolment.variants,
        handover_to=handover_to,
    )


def _state(lead: Lead) -> str | None:
    value = lead.fields.get("state", lead.fields.get("region"))
    return str(value) if value is not None else None


def _previous_owner(lead: Lead) -> str | None:
    return lead.assignment.rep_name if lead.assignment is not None and not is_queue(lead.owner_id) else None


def _timestamp(moment: datetime) -> str:
    """A Wait state's TimestampPath: UTC, whole seconds, Z (a step never wakes before its moment)."""
    whole = moment.replace(microsecond=0) + (timedelta(seconds=1) if moment.microsecond else timedelta())
    return whole.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
