"""What a lead keeps of its SLA: its timer (whose deadline runs, the breaches so far) and its first touch.

A module of its own: reading a lead should not build the SLA rule set's models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

TouchType = Literal["call", "email", "meeting"]


class Touch(BaseModel):
    """A rep's contact with the lead: a call, an email, a meeting."""

    type: TouchType
    actor: str
    at: datetime


class SlaBreach(BaseModel):
    """A deadline a rep let pass without touching the lead."""

    rep_id: str
    deadline: datetime
    at: datetime
    action: Literal["reassigned", "escalated"]


SlaStatus = Literal["running", "met", "escalated", "ended"]


class SlaState(BaseModel):
    """The lead's SLA timer: which execution owns it (`timer_id`), whose deadline runs now, the breaches so far.

    One SLA runs from a lead's first assignment until it is touched (`met`) or escalated; reassignments within it
    keep the count, so a lead is escalated after `max_reassignments` whichever execution handles it."""

    timer_id: str
    status: SlaStatus = "running"
    priority: str
    target: str = Field(description="The response time, as configured: `5 minutes`, `4 business hours`.")
    rep_id: str = Field(description="The owner whose deadline runs.")
    assigned_at: datetime = Field(description="The assignment the deadline runs for (one timer per assignment).")
    started_at: datetime
    deadline: datetime
    reassignments: int = 0
    owners: list[str] = Field(default_factory=list, description="Every owner in this SLA, first first.")
    breaches: list[SlaBreach] = Field(default_factory=list)
    escalated_to: str | None = None
    ruleset_version: int
