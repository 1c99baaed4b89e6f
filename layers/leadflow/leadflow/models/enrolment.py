"""A lead's enrolment in a nurture track, as it is kept on the lead: which track version it follows, where it is,
what each step did and why it ended. The lead carries its enrolments, so `GET /v1/leads/{id}` shows them and a
step reads everything it decides by in one item."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

EnrolmentStatus = Literal["active", "completed", "exited"]
EnrolmentCause = Literal["scored_below_mql", "recycled", "disqualified", "manual", "handover"]
StepOutcome = Literal[
    "sent",  # an email went out (message_id)
    "render_failed",  # the template could not be rendered for this lead: recorded and skipped
    "send_failed",  # the mail service refused the message: recorded and skipped
    "waited",  # a wait step: resumes at wake_at
    "deferred",  # an email held back: quiet hours, a send day, or the weekly cap; resumes at wake_at
    "branched",  # a branch step took `detail` (the arm's target)
    "field_set",
    "owner_notified",
    "no_owner",  # notify_owner with nobody to notify
    "handed_over",  # an enrol step: this enrolment ends, the lead goes to another track
]
MAX_STEP_RECORDS = 40  # per enrolment: a lead item stays far below DynamoDB's 400 KB
MAX_ENROLMENTS = 10  # the active ones and the newest ended ones


class StepRecord(BaseModel):
    """What one step did, once per visit (a step inside a loop is visited again)."""

    step_id: str
    at: datetime
    outcome: StepOutcome
    detail: str | None = Field(default=None, max_length=500)
    message_id: str | None = None
    variant: str | None = None


class Enrolment(BaseModel):
    enrolment_id: str = Field(description="Also the name of the enrolment's Step Functions execution.")
    track_id: str
    track_version: int = Field(description="The nurture rule set's version the enrolment follows to its end.")
    cause: EnrolmentCause
    ref: str = Field(default="", description="What enrolled the lead: the event's id, or the request's.")
    entry_stage: str = Field(description="The lead's stage at enrolment: the lead moving on from it ends the track.")
    status: EnrolmentStatus = "active"
    enrolled_at: datetime
    current_step: str | None = Field(default=None, description="The step the next run starts at.")
    wake_at: datetime | None = Field(default=None, description="When the execution resumes (a wait or a deferral).")
    variants: dict[str, str] = Field(default_factory=dict, description="The A/B variant chosen per email step.")
    steps: list[StepRecord] = Field(default_factory=list)
    emails_sent: int = 0
    ended_at: datetime | None = None
    exit_reason: str | None = Field(default=None, description="Why an exited enrolment stopped (became_mql, ...).")

    @property
    def active(self) -> bool:
        return self.status == "active"

    def visits(self, step_id: str) -> int:
        """How many times the step has been done (its records, not counting deferrals)."""
        return sum(1 for record in self.steps if record.step_id == step_id and record.outcome != "deferred")

    def completed_at(self, step_id: str) -> datetime | None:
        """When the step was last done, None if never."""
        times = [r.at for r in self.steps if r.step_id == step_id and r.outcome not in {"deferred", "waited"}]
        waits = [r.at for r in self.steps if r.step_id == step_id and r.outcome == "waited"]
        found = times or waits
        return max(found) if found else None


class EnrolmentRun(BaseModel):
    """The NurtureTrack state machine's request to run an enrolment (its execution input)."""

    lead_id: str = Field(min_length=1, max_length=64)
    enrolment_id: str = Field(min_length=1, max_length=80)
