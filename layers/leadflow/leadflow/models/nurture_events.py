"""The events a nurture enrolment publishes: begun, a step done, ended (with why). Subscribers (reports, a CRM)
read them from the bus like every other domain event."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from leadflow.models.events import DomainEvent


class NurtureEnrolled(DomainEvent):
    """A lead entered a nurture track: one Step Functions execution (named `enrolment_id`) now runs it."""

    detail_type: ClassVar[str] = "nurture.enrolled"
    lead_id: str
    enrolment_id: str
    track_id: str
    track_version: int
    cause: str
    enrolled_at: datetime


class NurtureStepCompleted(DomainEvent):
    """A step of an enrolment did something: sent an email (with its variant), branched, set a field, ..."""

    detail_type: ClassVar[str] = "nurture.step_completed"
    lead_id: str
    enrolment_id: str
    track_id: str
    step_id: str
    outcome: str
    at: datetime
    variant: str | None = None
    message_id: str | None = None
    detail: str | None = None


class NurtureExited(DomainEvent):
    """An enrolment ended: `completed` (ran to its end) or the reason it stopped (became_mql, unsubscribed, merged,
    erased, removed, handed_over, ...). Its execution is stopped, so no step of it acts after this."""

    detail_type: ClassVar[str] = "nurture.exited"
    lead_id: str
    enrolment_id: str
    track_id: str
    reason: str
    at: datetime
    variants: dict[str, str] = Field(default_factory=dict)
    handover_to: str | None = Field(default=None, description="The track an `enrol` step hands the lead over to.")
