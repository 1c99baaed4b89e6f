"""EventBridge detail contracts: every fact leadflow publishes, and the state its pipeline passes along."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from leadflow.models.lead import Lead, Stage
from leadflow.models.submission import SubmissionIn

EVENT_SOURCE = "leadflow"


class DomainEvent(BaseModel):
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
    behaviour: int
    total: int
    ruleset_version: int


class LeadStageChanged(DomainEvent):
    detail_type: ClassVar[str] = "lead.stage_changed"
    lead_id: str
    from_stage: Stage
    to_stage: Stage
    reason: str
    actor: str = "leadflow"


class LeadAssigned(DomainEvent):
    detail_type: ClassVar[str] = "lead.assigned"
    lead_id: str
    rep_id: str
    rule: str
    pool: str
    ruleset_version: int


class NotificationQueued(DomainEvent):
    detail_type: ClassVar[str] = "notification.queued"
    notification_id: str
    lead_id: str
    rep_id: str
    channel: str


class PipelineFailed(DomainEvent):
    detail_type: ClassVar[str] = "lead.pipeline_failed"
    submission_id: str
    received_at: datetime
    submission: SubmissionIn
    lead: Lead | None = None
    error: dict[str, Any] = Field(default_factory=dict)


class PipelineState(BaseModel):
    """What flows between the LeadPipeline's states: the submission being processed and the lead it became."""

    submission_id: str
    received_at: datetime
    submission: SubmissionIn
    lead: Lead | None = None

    def require_lead(self) -> Lead:
        if self.lead is None:
            raise ValueError("this pipeline step needs the lead that dedupe resolves; the state carries none")
        return self.lead
