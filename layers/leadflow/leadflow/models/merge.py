"""The record a merge of two leads leaves behind: enough to explain every value and to undo the merge exactly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from leadflow.models.lead import Lead


class MergeRecord(BaseModel):
    """One merge: who merged which two leads and why, both leads as they were, and where each value came from."""

    model_config = ConfigDict(frozen=True)

    merge_id: str = Field(description="Deterministic from the two lead ids and the merge time: a retry finds it.")
    at: datetime
    actor: str = Field(description="Who merged: a rep's id, or the pipeline step that auto-merged.")
    survivor_id: str
    other_id: str
    survivor_before: Lead
    other_before: Lead
    survivor_after: Lead = Field(
        description="The merged lead as the merge produced it, so that undoing it can tell later changes apart."
    )
    evidence: list[dict[str, Any]] = Field(
        default_factory=list, description="Why the two leads were judged one person (the matcher's evidence)."
    )
    field_sources: dict[str, str] = Field(
        default_factory=dict,
        description="For each non-empty merged value (profile field, or `fields.<key>`), the lead id it came from.",
    )
