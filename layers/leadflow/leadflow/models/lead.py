"""A lead as leadflow keeps it: the merged profile of one person, and what was decided about them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

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


class ScoreLine(BaseModel):
    """One rule's contribution to a score, so that anyone can say why a lead has the points it has."""

    rule_id: str
    kind: Literal["fit", "behaviour"]
    points: int
    reason: str


class Score(BaseModel):
    fit: int
    behaviour: int
    total: int
    lines: list[ScoreLine] = Field(default_factory=list)
    ruleset_version: int
    scored_at: datetime


class Assignment(BaseModel):
    """Who got the lead and why: the rule, the pool, the candidates, and the rule-set version used."""

    rep_id: str
    rep_name: str
    rep_email: str | None = None
    rule: str
    pool: str
    cursor: int | None = None
    candidates: list[str] = Field(default_factory=list)
    skipped: dict[str, str] = Field(default_factory=dict)
    ruleset_version: int
    assigned_at: datetime


class EmailQuality(BaseModel):
    """What the lead's email address says besides who: worth a rep's glance before a call or a send."""

    typo_of: str | None = Field(default=None, description="The domain it probably meant (gmial.com -> gmail.com).")
    disposable: bool = Field(default=False, description="A throwaway mailbox provider.")
    role: bool = Field(default=False, description="A team mailbox (info@, sales@), not one person's.")


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

    @property
    def submission_count(self) -> int:
        return len(self.submission_ids)


HistoryKind = Literal[
    "submission",
    "enriched",
    "scored",
    "stage_changed",
    "assigned",
    "notified",
    "matched",
    "possible_duplicate",
    "merged",
    "unmerged",
]


class HistoryEntry(BaseModel):
    """One thing that happened to a lead; `ref` makes the entry idempotent under retries."""

    at: datetime
    kind: HistoryKind
    ref: str
    detail: dict[str, Any] = Field(default_factory=dict)
