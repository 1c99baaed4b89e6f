"""EventBridge detail contracts: every fact leadflow publishes, and the state its pipeline passes along."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from leadflow.models.lead import Activity, Lead, Stage
from leadflow.models.lead_sla import TouchType
from leadflow.models.submission import SubmissionIn

EVENT_SOURCE = "leadflow"


class DomainEvent(BaseModel):
    # Built on first use: a function publishes a few kinds of the thirty, and a Lambda's cold start pays for every
    # model built at import.
    model_config = ConfigDict(defer_build=True)

    detail_type: ClassVar[str]


class LeadSubmitted(DomainEvent):
    detail_type: ClassVar[str] = "lead.submitted"
    submission_id: str
    received_at: datetime
    submission: SubmissionIn


class LeadCreated(DomainEvent):
    detail_type: ClassVar[str] = "lead.created"
    lead_id: str
    submission_id: str
    email_canonical: str


class LeadUpdated(DomainEvent):
    detail_type: ClassVar[str] = "lead.updated"
    lead_id: str
    submission_id: str


class LeadPossibleDuplicate(DomainEvent):
    """Two leads may be one person (a match in the grey zone): a person merges or dismisses them."""

    detail_type: ClassVar[str] = "lead.possible_duplicate"
    lead_id: str
    other_id: str
    probability: float


class LeadMerged(DomainEvent):
    detail_type: ClassVar[str] = "lead.merged"
    lead_id: str
    merged_id: str
    merge_id: str
    actor: str


class LeadUnmerged(DomainEvent):
    detail_type: ClassVar[str] = "lead.unmerged"
    lead_id: str
    restored_id: str
    merge_id: str
    actor: str


class LeadEnriched(DomainEvent):
    detail_type: ClassVar[str] = "lead.enriched"
    lead_id: str
    domain: str
    known: bool
    free_mail: bool
    account_id: str | None = None


class AccountCreated(DomainEvent):
    """A company seen for the first time: the account its leads (the buying committee) gather under."""

    detail_type: ClassVar[str] = "account.created"
    account_id: str
    name: str | None
    first_lead_id: str


class LeadScored(DomainEvent):
    detail_type: ClassVar[str] = "lead.scored"
    lead_id: str
    fit: int
    engagement: float
    total: float
    grade: str
    level: int
    qualifies: bool
    ruleset_version: int


class EngagementRecorded(DomainEvent):
    """An engagement event (a page visit, an email click, a webinar attended, ...) that belongs to a known lead: the
    lead pipeline records it on the lead and re-scores, which may make the lead an MQL and route it."""

    detail_type: ClassVar[str] = "engagement.recorded"
    lead_id: str
    provider: str
    activity: Activity


class LeadStageChanged(DomainEvent):
    detail_type: ClassVar[str] = "lead.stage_changed"
    lead_id: str
    from_stage: Stage
    to_stage: Stage
    reason: str
    actor: str = "leadflow"


class LeadDisqualified(DomainEvent):
    """A lead taken out of play with a configured reason code (by sales, or as a lost deal); `recycle_at` is when
    it comes back for re-engagement, None for a reason that never recycles."""

    detail_type: ClassVar[str] = "lead.disqualified"
    lead_id: str
    reason_code: str
    note: str | None = None
    actor: str
    disqualified_at: datetime
    recycle_at: datetime | None = None
    ruleset_version: int


class LeadRecycled(DomainEvent):
    """A disqualified lead whose recycle date came, re-opened as `recycled` with the re-engagement flag set: the
    nurture tracks enrol it."""

    detail_type: ClassVar[str] = "lead.recycled"
    lead_id: str
    reason_code: str
    disqualified_at: datetime
    reengage: bool = True


class LeadOutcomeRecorded(DomainEvent):
    """How a lead's deal ended (won or lost), the closed-loop label the predictive model learns from. A later
    outcome for the same lead replaces the earlier one."""

    detail_type: ClassVar[str] = "lead.outcome_recorded"
    lead_id: str
    result: Literal["won", "lost"]
    amount: float | None = None
    currency: str | None = None
    closed_at: datetime
    actor: str
    reason_code: str | None = None


class LeadConverted(DomainEvent):
    """A lead became a customer: its deal was won."""

    detail_type: ClassVar[str] = "lead.converted"
    lead_id: str
    amount: float | None = None
    currency: str | None = None
    closed_at: datetime
    actor: str


class LeadAssigned(DomainEvent):
    detail_type: ClassVar[str] = "lead.assigned"
    lead_id: str
    rep_id: str
    rule: str
    pool: str
    ruleset_version: int


class LeadReassigned(DomainEvent):
    """A lead changed owner after its first assignment (by a manager, an SLA breach, ...); `lead.assigned` follows
    for the new owner as well, so consumers of assignments need only that one."""

    detail_type: ClassVar[str] = "lead.reassigned"
    lead_id: str
    from_rep: str | None
    to_rep: str
    actor: str
    reason: str


class LeadUnassigned(DomainEvent):
    """A lead left its owner without a new one: it stopped being an MQL before sales accepted it, so it went back
    to marketing. The rep has one open lead fewer, and the lead's SLA ended without a breach."""

    detail_type: ClassVar[str] = "lead.unassigned"
    lead_id: str
    rep_id: str = Field(description="The owner it was taken from: a rep's id, or a queue (`queue:<name>`).")
    reason: str
    sla_ended: bool = Field(description="Whether an SLA timer was running for the owner (it ends without a breach).")
    actor: str = "leadflow"


class LeadConsentChanged(DomainEvent):
    """Marketing consent was given or withdrawn (an unsubscribe event or link, a form, the API), with its source
    and time: whoever mails the person subscribes to this, not to the score."""

    detail_type: ClassVar[str] = "lead.consent_changed"
    lead_id: str
    consent: bool
    source: str
    at: datetime
    ref: str
    actor: str | None = None


class LeadTouched(DomainEvent):
    """A rep called, emailed or met the lead. `first` marks the first touch, which stops the SLA timer and fixes the
    lead's speed to lead (capture to first touch)."""

    detail_type: ClassVar[str] = "lead.touched"
    lead_id: str
    type: TouchType
    actor: str
    touched_at: datetime
    first: bool
    speed_to_lead_seconds: float | None = None


class LeadSlaBreached(DomainEvent):
    """A rep let the lead's SLA deadline pass untouched: the lead was reassigned (`to_rep`) or escalated."""

    detail_type: ClassVar[str] = "lead.sla_breached"
    lead_id: str
    rep_id: str
    priority: str
    deadline: datetime
    breach: int = Field(description="1 for the lead's first breach in this SLA, 2 for the second, ...")
    action: Literal["reassigned", "escalated"]
    to_rep: str | None = None


class LeadEscalated(DomainEvent):
    """A lead still untouched after its last reassignment, handed to a manager."""

    detail_type: ClassVar[str] = "lead.escalated"
    lead_id: str
    rep_id: str
    manager_id: str
    priority: str
    breaches: int


class NotificationQueued(DomainEvent):
    detail_type: ClassVar[str] = "notification.queued"
    notification_id: str
    lead_id: str
    rep_id: str
    channel: str


class LeadRescoreRequested(DomainEvent):
    """A lead must be scored again outside a submission or an engagement event: the decay job found that a fading
    penalty makes it qualify now. The lead pipeline re-scores it and routes it as any new MQL."""

    detail_type: ClassVar[str] = "lead.rescore_requested"
    lead_id: str
    reason: str
    requested_at: datetime


class LeadErased(DomainEvent):
    """A person was forgotten (`DELETE /v1/leads/{id}`): their lead and every lead merged into it, with every item
    that named them. Carries ids and counts only, never personal data; subscribers holding copies (a CRM, a
    warehouse) erase theirs by `lead_ids`."""

    detail_type: ClassVar[str] = "lead.erased"
    lead_id: str = Field(description="The surviving lead of the person.")
    lead_ids: list[str] = Field(description="Every lead id of the person: the survivor and the leads merged into it.")
    erased_at: datetime
    counts: dict[str, int] = Field(default_factory=dict, description="Items erased, by kind (submission, ...).")
    enrolment_ids: list[str] = Field(
        default_factory=list, description="The person's active nurture enrolments, whose executions stop now."
    )


class PipelineFailed(DomainEvent):
    """A pipeline run that failed after its retries: the whole state, so the run can be replayed (`leadflow redrive`).
    A submission's run carries the submission; an engagement run carries the engagement event."""

    detail_type: ClassVar[str] = "lead.pipeline_failed"
    submission_id: str | None = None
    received_at: datetime | None = None
    submission: SubmissionIn | None = None
    engagement: EngagementRecorded | None = None
    rescore: LeadRescoreRequested | None = None
    lead: Lead | None = None
    error: dict[str, Any] = Field(default_factory=dict)

    def replay(self) -> LeadSubmitted | EngagementRecorded | LeadRescoreRequested:
        """The event that starts the run again."""
        if self.engagement is not None:
            return self.engagement
        if self.rescore is not None:
            return self.rescore
        if self.submission_id is None or self.received_at is None or self.submission is None:
            raise ValueError("a failed run carries neither a submission nor an engagement event")
        return LeadSubmitted(submission_id=self.submission_id, received_at=self.received_at, submission=self.submission)


class RunState(BaseModel):
    """What every run's state carries: what started it (`kind`), and the lead (None until dedupe resolves a
    submission's)."""

    kind: str
    lead: Lead | None = None

    @property
    def cause(self) -> str:
        """What started the run, for history refs."""
        raise NotImplementedError

    def require_lead(self) -> Lead:
        if self.lead is None:
            raise ValueError("this pipeline step needs the lead that dedupe resolves; the state carries none")
        return self.lead

    @computed_field  # type: ignore[prop-decorator]
    @property
    def needs_notification(self) -> bool:
        """Whether the run must notify the lead's rep without routing it: a run replayed after its Notify step failed
        finds the lead owned but its rep not yet told. The state machine's IsMql choice reads it, so the common path
        (nothing owed) costs no call."""
        return self.lead is not None and self.lead.notification_owed


class SubmissionState(RunState):
    """The state of a run started by lead.submitted: the submission being processed and the lead it became."""

    kind: Literal["submission"] = "submission"
    submission_id: str
    received_at: datetime
    submission: SubmissionIn

    @property
    def cause(self) -> str:
        """What started the run, for history refs."""
        return self.submission_id


class EngagementState(RunState):
    """The state of a run started by engagement.recorded: the event being recorded on its lead."""

    kind: Literal["engagement"] = "engagement"
    engagement: EngagementRecorded

    @property
    def cause(self) -> str:
        """What started the run, for history refs: the engagement event's id."""
        return f"{self.engagement.provider}:{self.engagement.activity.event_id}"


class RescoreState(RunState):
    """The state of a run started by lead.rescore_requested: the request, and the lead once re-scored."""

    kind: Literal["rescore"] = "rescore"
    rescore: LeadRescoreRequested

    @property
    def cause(self) -> str:
        """What started the run, for history refs: the request."""
        return f"rescore:{self.rescore.reason}@{self.rescore.requested_at.isoformat()}"


# What flows between the LeadPipeline's states, tagged by what started the run (`kind`, set by the state machine's
# entry Pass states): a step's signature names the runs it takes; steps every run shares take the union.
PipelineState = Annotated[SubmissionState | EngagementState | RescoreState, Field(discriminator="kind")]
