"""What the erasure and export API answers: an erasure's status (ids and counts only) and everything held about a
person."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from leadflow.models.lead import Activity, HistoryEntry, Lead
from leadflow.models.merge import MergeRecord
from leadflow.models.submission import StoredSubmission


class ErasureOut(BaseModel):
    """`DELETE /v1/leads/{id}`: the erasure as it stands; `done` once nothing about the person is left."""

    lead_id: str = Field(description="The id the request named.")
    person_id: str = Field(description="The surviving lead of the person (differs when a merged-away lead was named).")
    lead_ids: list[str] = Field(description="Every lead of the person that was erased.")
    status: Literal["in_progress", "done"]
    started_at: datetime
    erased_at: datetime | None = None
    counts: dict[str, int] = Field(default_factory=dict, description="Items erased, by kind.")


class NotificationOut(BaseModel):
    notification_id: str
    rep_id: str
    lead_id: str
    channel: str
    subject: str
    body: str
    created_at: datetime
    delivery_status: str | None = None


class PossibleDuplicateOut(BaseModel):
    """A link to another lead that may be the same person. The matcher's evidence is left out: it holds the other
    lead's values, which are someone else's data."""

    other_id: str
    probability: float
    found_at: datetime


class PersonExport(BaseModel):
    """`GET /v1/leads/{id}/export`: everything leadflow holds about the person, as stored."""

    lead_id: str = Field(description="The surviving lead of the person.")
    exported_at: datetime
    leads: list[Lead] = Field(description="The person's lead, then each lead merged into it.")
    submissions: list[StoredSubmission]
    history: dict[str, list[HistoryEntry]] = Field(description="Each lead's history, by lead id.")
    engagement: list[Activity] = Field(description="Engagement events held for the person, kept on a lead or parked.")
    outcomes: list[dict[str, Any]] = Field(description="How the person's deals ended, as recorded for training.")
    notifications: list[NotificationOut] = Field(description="Messages sent to reps about the person.")
    merges: list[MergeRecord] = Field(description="The merges that made the person's lead, with both leads as were.")
    possible_duplicates: list[PossibleDuplicateOut]
