"""A lead as leadflow keeps it: the merged profile of one person, and what was decided about them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, computed_field

from leadflow.models.enrolment import Enrolment
from leadflow.models.lead_sla import SlaState, Touch
from leadflow.models.owners import is_queue
from leadflow.models.submission import CustomValue, Source


class Stage(StrEnum):
    NEW = "new"
    MQL = "mql"
    SAL = "sal"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    DISQUALIFIED = "disqualified"
    RECYCLED = "recycled"


SizeBand = Literal["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"]


class Firmographics(BaseModel):
    """What the email domain tells about the lead's company."""

    domain: str
    company_name: str | None = None
    industry: str | None = None
    employees: int | None = None
    size_band: SizeBand | None = None
    country: str | None = None
    free_mail: bool = False
    known: bool = False


EngagementType = Literal[
    "form_submitted",
    "page_visit",
    "content_download",
    "email_open",
    "email_click",
    "email_reply",
    "webinar_registered",
    "webinar_attended",
    "demo_request",
    "meeting_booked",
    "product_usage",
    "unsubscribe",
]
ENGAGEMENT_TYPES: tuple[str, ...] = get_args(EngagementType)
PropertyValue = str | int | float | bool


class Activity(BaseModel):
    """One thing the person did that behaviour rules may count: a form sent, a page seen, an email clicked, ...

    `event_id` is unique per source (a submission id, a webhook's event id), so recording it twice is harmless."""

    event_id: str
    type: EngagementType
    occurred_at: datetime
    source: str | None = Field(default=None, description="Where the event came from: `form` or a webhook provider.")
    properties: dict[str, PropertyValue] = Field(
        default_factory=dict, description="What the event carries: `form_id`, `url`, `asset`, `campaign`, ..."
    )


class Contribution(BaseModel):
    """Points one event earned under one behaviour rule, as earned (before decay): the audit trail of a score."""

    rule_id: str
    event_id: str
    at: datetime
    points: int
    half_life_days: float | None = Field(default=None, description="None: the points never decay.")


class ScoreLine(BaseModel):
    """One rule's contribution to a score, so that anyone can say why a lead has the points it has."""

    rule_id: str
    kind: Literal["fit", "behaviour"]
    points: float = Field(description="The rule's points at `scored_at`: behaviour points after decay and caps.")
    reason: str
    event_ids: list[str] = Field(default_factory=list, description="The events behind a behaviour line.")


Grade = Literal["A", "B", "C", "D"]


class Prediction(BaseModel):
    """The predictive model's view of a lead: how likely it is to convert, and the features that weigh most."""

    probability: float
    reasons: list[str] = Field(default_factory=list)
    model_version: int


class Score(BaseModel):
    """Fit (who the lead is) and engagement (what it did, decayed), the grade cell they make, and every line behind it.

    The stored score is a snapshot at `scored_at`; the engagement part is recomputed from `contributions` at any
    other time (GET /v1/leads/{id}/score does), so a read is never stale."""

    fit: int
    engagement: float
    total: float
    grade: Grade = Field(description="Fit grade, A (best) to D.")
    level: int = Field(ge=1, le=4, description="Engagement level, 1 (most engaged) to 4.")
    lines: list[ScoreLine] = Field(default_factory=list)
    contributions: list[Contribution] = Field(default_factory=list)
    qualifies: bool = Field(description="Whether the score makes the lead marketing-qualified at `scored_at`.")
    next_change_at: datetime | None = Field(
        default=None, description="When decay alone will change `qualifies`; None if it never will."
    )
    predictive: Prediction | None = None
    ruleset_version: int
    scored_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cell(self) -> str:
        """The grade matrix cell: fit grade and engagement level, e.g. B2."""
        return f"{self.grade}{self.level}"


PIPELINE_ACTOR = "leadflow"  # the actor of the assignments the lead pipeline's Route step makes


class Assignment(BaseModel):
    """Who got the lead and why: the rule, the pool, the candidates, and the rule-set version used."""

    rep_id: str = Field(description="The owner: a rep id, or a queue (`queue:<name>`) when nobody could take it.")
    rep_name: str
    rep_email: str | None = None
    rule: str
    pool: str
    cursor: int | None = None
    candidates: list[str] = Field(default_factory=list)
    skipped: dict[str, str] = Field(default_factory=dict)
    ruleset_version: int = Field(description="The rep roster's version.")
    assigned_at: datetime
    strategy: str | None = Field(
        default=None,
        description="round_robin, weighted, least_loaded, account_owner, named_rep, manager or fallback_queue.",
    )
    team: str | None = None
    routing_version: int | None = Field(default=None, description="The routing rule set's version (0: built-in).")
    reason: str | None = Field(default=None, description="Why this owner, in a sentence.")
    actor: str | None = None
    previous_owner: str | None = None


class EmailQuality(BaseModel):
    """What the lead's email address says besides who: worth a rep's glance before a call or a send."""

    typo_of: str | None = Field(default=None, description="The domain it probably meant (gmial.com -> gmail.com).")
    disposable: bool = Field(default=False, description="A throwaway mailbox provider.")
    role: bool = Field(default=False, description="A team mailbox (info@, sales@), not one person's.")


DueJob = Literal["decay", "recycle"]


class Disqualification(BaseModel):
    """Why a lead was disqualified, by whom, and when it comes back (None: never)."""

    reason_code: str
    note: str | None = None
    actor: str
    at: datetime
    recycle_at: datetime | None = None


class ConsentRecord(BaseModel):
    """A marketing-consent decision: what it is, where it came from and when, so a later, older signal (a form
    processed late) never overturns a newer one."""

    consent: bool
    source: str = Field(
        description=(
            "Where it was given or withdrawn: `form:<form_id>`, `email-link`, `ses:bounce`, `ses:complaint`, "
            "`unsubscribe:<provider>`, ..."
        )
    )
    at: datetime
    ref: str = Field(description="The submission, event or request that decided it: a retry finds it recorded.")
    actor: str | None = None
    form_id: str | None = Field(default=None, description="The form it was given on (form decisions only).")
    text_version: str | None = Field(
        default=None, description="The wording of the consent text the person saw, if known."
    )


class Outcome(BaseModel):
    """How the lead ended: the closed-loop label the predictive model learns from."""

    result: Literal["won", "lost"]
    amount: float | None = None
    currency: str | None = None
    closed_at: datetime
    actor: str


class Lead(BaseModel):
    lead_id: str
    version: int = 0  # optimistic-concurrency counter: every stored change increments it
    email: str
    email_canonical: str
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    company: str | None = None
    title: str | None = None
    country: str | None = None
    website: str | None = None
    consent: bool = False
    consent_record: ConsentRecord | None = Field(
        default=None, description="The latest consent decision with its source and time (None: none recorded yet)."
    )
    consent_ledger: list[ConsentRecord] = Field(
        default_factory=list,
        description="Every consent decision taken on the lead, oldest first (the last 50): the proof of consent.",
    )
    emails: list[str] = Field(
        default_factory=list,
        description=(
            "Every address the person used, as typed, one per mailbox; `email` is the primary one (a corporate "
            "address before a free-mail one, a plain one before a plus-tagged one). Each is an identity of the lead."
        ),
    )
    fields: dict[str, CustomValue] = Field(default_factory=dict)
    created_at: datetime
    updated_at: datetime
    last_submitted_at: datetime | None = None  # received_at of the newest submission merged in
    submission_ids: list[str] = Field(default_factory=list)
    form_ids: list[str] = Field(default_factory=list)
    first_source: Source | None = None
    last_source: Source | None = None
    firmographics: Firmographics | None = None
    score: Score | None = None
    stage: Stage = Stage.NEW
    owner_id: str | None = None
    assignment: Assignment | None = None
    verified_fields: list[str] = Field(
        default_factory=list,
        description=(
            "Fields whose value a person confirmed (a rep on a call, say): profile field names such as `phone`, "
            "or `fields.<key>` for a custom field. A merge never replaces a verified value with an unverified one."
        ),
    )
    merged_from: list[str] = Field(
        default_factory=list,
        description="Ids of the leads merged into this one, directly or through their own earlier merges.",
    )
    merged_into: str | None = Field(
        default=None, description="Set on a lead that was merged into another: the surviving lead's id."
    )
    email_quality: EmailQuality = Field(default_factory=EmailQuality)
    account_id: str | None = Field(
        default=None, description="The account (company) the lead belongs to: its corporate email domain."
    )
    match_keys: list[str] = Field(
        default_factory=list, description="The blocking keys the lead is filed under in the duplicate index."
    )
    activity: list[Activity] = Field(
        default_factory=list,
        description="What the person did, oldest first (form submissions and engagement events), for scoring.",
    )
    stage_changed_at: datetime | None = None
    qualification: dict[str, str] = Field(
        default_factory=dict, description="BANT answers recorded when sales qualified the lead (budget, ...)."
    )
    disqualification: Disqualification | None = None
    reengage: bool = Field(default=False, description="Set when a disqualified lead is recycled for re-engagement.")
    outcome: Outcome | None = None
    due_at: datetime | None = Field(
        default=None, description="When a scheduled job must look at the lead again (sparse due index)."
    )
    due_job: DueJob | None = Field(default=None, description="Which job: `decay` (score crossing) or `recycle`.")
    first_touch: Touch | None = Field(default=None, description="A rep's first call, email or meeting.")
    speed_to_lead_seconds: float | None = Field(
        default=None, description="Seconds from capture (`created_at`) to the first touch."
    )
    sla: SlaState | None = Field(default=None, description="The SLA timer of the current assignment, if any.")
    nurture: list[Enrolment] = Field(
        default_factory=list,
        description="The lead's nurture enrolments, oldest first: the active ones and the latest ended ones.",
    )
    notified_assignment: datetime | None = Field(
        default=None,
        description=(
            "The `assigned_at` of the routing assignment whose rep the lead pipeline has told; differs from "
            "`assignment.assigned_at` while that notification is still owed (a Notify step that failed)."
        ),
    )

    def enrolment(self, enrolment_id: str) -> Enrolment | None:
        return next((e for e in self.nurture if e.enrolment_id == enrolment_id), None)

    @property
    def active_enrolments(self) -> list[Enrolment]:
        return [e for e in self.nurture if e.active]

    @property
    def notification_owed(self) -> bool:
        """Whether the rep of the pipeline's current assignment has not been told yet (its Notify step failed or
        never ran). A queue is never told; reassignments by a manager or the SLA timer are told where they are made."""
        assignment = self.assignment
        return (
            assignment is not None
            and assignment.actor == PIPELINE_ACTOR
            and not is_queue(assignment.rep_id)
            and self.notified_assignment != assignment.assigned_at
        )


HistoryKind = Literal[
    "submission",
    "enriched",
    "scored",
    "stage_changed",
    "assigned",
    "reassigned",
    "notified",
    "matched",
    "possible_duplicate",
    "merged",
    "unmerged",
    "engagement",
    "disqualified",
    "recycled",
    "outcome",
    "touched",
    "sla_breached",
    "escalated",
    "unassigned",
    "consent_changed",
    "nurture",
]


class HistoryEntry(BaseModel):
    """One thing that happened to a lead; `ref` makes the entry idempotent under retries."""

    at: datetime
    kind: HistoryKind
    ref: str
    detail: dict[str, Any] = Field(default_factory=dict)
