"""Shapes the HTTP API answers with about leads and accounts; they are also what the OpenAPI document publishes.
The error shape and the intake's answer, which need no lead, are in leadflow.models.answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from leadflow.models.account import Account
from leadflow.models.lead import HistoryEntry, Lead, Score, Stage
from leadflow.models.submission import SubmissionStatus


class SubmissionView(BaseModel):
    submission_id: str
    received_at: datetime
    status: SubmissionStatus
    lead_id: str | None = None
    error: str | None = None
    links: dict[str, str] = Field(default_factory=dict)


class PossibleDuplicate(BaseModel):
    other_id: str
    probability: float
    evidence: list[dict[str, object]]
    found_at: datetime
    links: dict[str, str] = Field(default_factory=dict)


class LeadDetail(Lead):
    history: list[HistoryEntry] = Field(default_factory=list)
    possible_duplicates: list[PossibleDuplicate] = Field(
        default_factory=list,
        description="Leads that may be the same person; resolve with POST /v1/leads/{id}/duplicates/{other_id}.",
    )


class LeadList(BaseModel):
    items: list[Lead]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to read the next page.")


class CommitteeMember(BaseModel):
    lead_id: str
    first_name: str | None
    last_name: str | None
    title: str | None
    email: str
    stage: Stage
    owner_id: str | None
    score: int | None


class AccountView(Account):
    leads: list[CommitteeMember] = Field(
        default_factory=list, description="The account's leads (its buying committee), newest first."
    )


class ScoreExplanation(BaseModel):
    """GET /v1/leads/{id}/score: the score at `as_of` under the active rules, with every line and contribution."""

    lead_id: str
    stage: Stage
    as_of: datetime
    cell: str = Field(description="Grade and engagement level, e.g. B2.")
    mql_cells: list[str] = Field(description="The cells that make a lead an MQL under the active rules.")
    score: Score
    stored_at: datetime | None = Field(description="When the stored snapshot was taken (the last re-score).")
    due_at: datetime | None = Field(description="When the decay job will look at the lead again, if it will.")
