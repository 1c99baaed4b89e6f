"""One run of a nurture enrolment, decided: from the step it stands at, act on every step that needs no waiting
(choose and send an email, branch on engagement, set a field, notify the owner, hand over to another track) until
the track asks to wait, ends, or the lead must leave it.

A Step Functions execution per enrolment calls this once per wake-up (next step -> act -> wait until a timestamp),
so a run that acts on several steps costs one Lambda invocation and three state transitions. The decision is pure:
the service reads the lead, its recent marketing emails and whether it may be mailed, performs the actions this
answers (each idempotent by a deterministic id, so a retried run sends nothing twice) and saves the enrolment.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from leadflow.domain.nurture_entry import ended, exit_reason
from leadflow.domain.send_window import next_send_moment
from leadflow.models.enrolment import MAX_STEP_RECORDS, Enrolment, StepOutcome, StepRecord
from leadflow.models.lead import Lead
from leadflow.models.nurture import (
    BranchStep,
    BranchTest,
    EmailStep,
    EnrolStep,
    NotifyOwnerStep,
    NurtureLimits,
    SetFieldStep,
    Track,
    WaitStep,
)
from leadflow.models.nurture_steps import SINCE_ENROLMENT

# A track's step graph has a wait on every cycle (the config refuses one without), so a run ends within the number
# of steps between two waits; this bound only guards against a rule set that slipped through.
MAX_STEPS_PER_RUN = 50
CAP_WINDOW = timedelta(days=7)


class RunawayTrack(Exception):
    """A run visited more steps than any valid track allows between two waits."""


@dataclass(frozen=True)
class SendEmail:
    step_id: str
    template_id: str
    message_id: str  # deterministic: the enrolment, the step and its visit, so a retried run sends once
    variant: str | None = None


@dataclass(frozen=True)
class SetField:
    name: str  # the custom field's name, without `fields.`
    value: str | int | float | bool


@dataclass(frozen=True)
class NotifyOwner:
    step_id: str
    message: str
    ref: str  # deterministic notification reference


@dataclass(frozen=True)
class HandOver:
    track_id: str


Action = SendEmail | SetField | NotifyOwner | HandOver


@dataclass(frozen=True)
class Situation:
    """Everything a run decides by, read fresh at its start."""

    lead: Lead
    enrolment: Enrolment
    track: Track
    limits: NurtureLimits
    zone: ZoneInfo
    now: datetime
    marketing_sent: Sequence[datetime] = ()  # when the lead's marketing emails went, across every track
    mail_blocked: str | None = None  # why the lead may not get marketing email now (None: it may)


@dataclass(frozen=True)
class Run:
    """What a run decided: the enrolment as it stands after it, and the actions to perform."""

    enrolment: Enrolment
    actions: list[Action] = field(default_factory=list)

    @property
    def decision(self) -> Literal["wait", "end"]:
        return "wait" if self.enrolment.active else "end"


def choose_variant(lead_id: str, track_id: str, step_id: str, weights: Sequence[tuple[str, int]]) -> str:
    """The A/B variant for this lead: a stable hash of lead, track and step into the weights, so a lead always
    sees the same variant of a step and the split follows the weights over many leads."""
    total = sum(weight for _, weight in weights)
    digest = hashlib.sha256(f"{lead_id}|{track_id}|{step_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") % total
    for variant, weight in weights:
        if point < weight:
            return variant
        point -= weight
    raise AssertionError("unreachable: point < total")


def branch_holds(test: BranchTest, lead: Lead, since: datetime) -> bool:
    """Whether the lead did what the arm asks since `since`. `level_gte: N` holds when the engagement level is N or
    better (level 1 is the most engaged)."""
    recent = [a for a in lead.activity if a.occurred_at >= since]
    if test.opened:
        return any(a.type in {"email_open", "email_click"} for a in recent)
    if test.clicked:
        return any(a.type == "email_click" for a in recent)
    if test.visited is not None:
        pattern = re.compile(test.visited, re.IGNORECASE)
        return any(a.type == "page_visit" and pattern.search(str(a.properties.get("url", ""))) for a in recent)
    score = lead.score
    if test.score_gte is not None:
        return score is not None and score.total >= test.score_gte
    if test.level_gte is not None:
        return score is not None and score.level <= test.level_gte
    return False


def _hold_until(now: datetime, sent: Sequence[datetime], limits: NurtureLimits, zone: ZoneInfo) -> datetime | None:
    """When an email may go if not now: after the weekly cap frees a slot, inside the lead's send window."""
    at = now
    in_window = sorted(moment for moment in sent if moment > now - CAP_WINDOW)
    if len(in_window) >= limits.max_marketing_emails_per_7_days:
        at = in_window[-limits.max_marketing_emails_per_7_days] + CAP_WINDOW
    moment = next_send_moment(at, zone, limits)
    return None if moment <= now else moment


class _Runner:
    def __init__(self, situation: Situation) -> None:
        self.s = situation
        self.enrolment = situation.enrolment
        self.actions: list[Action] = []
        self.sent = list(situation.marketing_sent)

    def record(self, step_id: str, outcome: StepOutcome, **details: str | None) -> None:
        record = StepRecord(step_id=step_id, at=self.s.now, outcome=outcome, **details)
        steps = [*self.enrolment.steps, record][-MAX_STEP_RECORDS:]
        self.enrolment = self.enrolment.model_copy(update={"steps": steps})

    def move(self, step_id: str | None, wake_at: datetime | None = None) -> None:
        self.enrolment = self.enrolment.model_copy(update={"current_step": step_id, "wake_at": wake_at})

    def end(self, reason: str) -> Run:
        return Run(ended(self.enrolment, reason, self.s.now), self.actions)

    def run(self) -> Run:
        reason = exit_reason(self.s.lead, self.enrolment)
        if reason is not None:
            return self.end(reason)
        track = self.s.track
        step_id = self.enrolment.current_step
        for _ in range(MAX_STEPS_PER_RUN):
            if step_id is None:
                return self.end("completed")
            outcome = self.act(step_id)
            if isinstance(outcome, Run):
                return outcome
            step_id = outcome
        raise RunawayTrack(f"track {track.id!r} ran {MAX_STEPS_PER_RUN} steps without a wait")

    def act(self, step_id: str) -> str | Run | None:
        """Do one step; the next step's id (None: the track's end), or the run's result when it waits or ends."""
        track, now = self.s.track, self.s.now
        step = track.step(step_id)
        if isinstance(step, EmailStep):
            return self.email(step)
        if isinstance(step, WaitStep):
            wake = now + step.duration if step.until is None else next_send_moment(now, self.s.zone, self.s.limits)
            self.record(step_id, "waited", detail=wake.isoformat())
            following = track.next_of(step_id)
            if wake <= now:
                return following
            self.move(following, wake)
            return Run(self.enrolment, self.actions)
        if isinstance(step, BranchStep):
            target = self.branch_target(step)
            self.record(step_id, "branched", detail=target)
            return target
        if isinstance(step, SetFieldStep):
            self.actions.append(SetField(step.field.removeprefix("fields."), step.value))
            self.record(step_id, "field_set", detail=f"{step.field}={step.value}")
            return track.next_of(step_id)
        if isinstance(step, NotifyOwnerStep):
            ref = f"{self.enrolment.enrolment_id}.{step_id}.{self.enrolment.visits(step_id) + 1}"
            self.actions.append(NotifyOwner(step_id, step.message, ref))
            self.record(step_id, "owner_notified")
            return track.next_of(step_id)
        if isinstance(step, EnrolStep):
            self.actions.append(HandOver(step.track))
            self.record(step_id, "handed_over", detail=step.track)
            return self.end("handed_over")
        return self.end("completed")  # an `end` step

    def email(self, step: EmailStep) -> str | Run | None:
        if self.s.mail_blocked is not None:  # "suppressed: bounced" ends the enrolment as suppressed_bounced
            return self.end(re.sub(r"[^a-z0-9]+", "_", self.s.mail_blocked.lower()).strip("_"))
        hold = _hold_until(self.s.now, self.sent, self.s.limits, self.s.zone)
        if hold is not None:
            self.record(step.id, "deferred", detail=hold.isoformat())
            self.move(step.id, hold)
            return Run(self.enrolment, self.actions)
        variant = self.enrolment.variants.get(step.id)
        if step.variants:
            if variant is None:
                weights = [(v.id, v.weight) for v in step.variants]
                variant = choose_variant(self.s.lead.lead_id, self.s.track.id, step.id, weights)
                self.enrolment = self.enrolment.model_copy(
                    update={"variants": {**self.enrolment.variants, step.id: variant}}
                )
            template = next(v.template for v in step.variants if v.id == variant)
        else:
            assert step.template is not None  # the config holds an email step to one of template and variants
            template = step.template
        message_id = f"{self.enrolment.enrolment_id}.{step.id}.{self.enrolment.visits(step.id) + 1}"
        self.actions.append(SendEmail(step.id, template, message_id, variant))
        self.record(step.id, "sent", message_id=message_id, variant=variant)
        self.sent.append(self.s.now)
        return self.s.track.next_of(step.id)

    def branch_target(self, step: BranchStep) -> str:
        for arm in step.arms:
            since_step = None if arm.when.since == SINCE_ENROLMENT else arm.when.since
            since = (self.enrolment.completed_at(since_step) if since_step else None) or self.enrolment.enrolled_at
            if branch_holds(arm.when, self.s.lead, since):
                return arm.next
        return step.otherwise


def advance(situation: Situation) -> Run:
    """Run the enrolment from its current step until it waits or ends."""
    return _Runner(situation).run()


def with_send_result(enrolment: Enrolment, message_id: str, outcome: StepOutcome, detail: str | None) -> Enrolment:
    """Record that a send the run decided did not go (render_failed, send_failed): the step is skipped, not retried."""
    steps = [
        r.model_copy(update={"outcome": outcome, "detail": detail}) if r.message_id == message_id else r
        for r in enrolment.steps
    ]
    sent = enrolment.emails_sent
    return enrolment.model_copy(update={"steps": steps, "emails_sent": sent})


def count_sent(enrolment: Enrolment) -> Enrolment:
    return enrolment.model_copy(update={"emails_sent": sum(1 for r in enrolment.steps if r.outcome == "sent")})
