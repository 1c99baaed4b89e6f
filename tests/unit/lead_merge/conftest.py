"""Shared by the lead merge tests: leads, stored scores and submission ids built for a merge, and the merge itself
as a rep would ask for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from leadflow.domain.lead_merge import MergeOutcome, merge_leads
from leadflow.models.lead import Lead, Score
from leadflow.models.rules import MergeRules
from leadflow.models.submission import StoredSubmission

from tests.unit.conftest import NOW

SubmissionFactory = Callable[..., StoredSubmission]
DAY = timedelta(days=1)
RULES = MergeRules()


def sub_id(minute: int) -> str:
    """A submission id as leadflow.ids makes them: it sorts by the time it was received."""
    return f"sub_{minute:010d}{0:016d}"


def lead(lead_id: str, *, created: datetime = NOW, last: datetime | None = None, **values: Any) -> Lead:
    base: dict[str, Any] = {
        "email": f"{lead_id}@northwind.example",
        "email_canonical": f"{lead_id}@northwind.example",
        "created_at": created,
        "updated_at": last or created,
        "last_submitted_at": last or created,
    }
    return Lead(lead_id=lead_id, **(base | values))


def score(at: datetime, *, fit: int = 30, engagement: float = 42, qualifies: bool = True) -> Score:
    """A stored score, as the scorer left it on a lead."""
    return Score(
        fit=fit,
        engagement=engagement,
        total=fit + engagement,
        grade="B",
        level=2,
        qualifies=qualifies,
        next_change_at=at + 5 * DAY if qualifies else None,
        ruleset_version=1,
        scored_at=at,
    )


def merge(survivor: Lead, other: Lead, rules: MergeRules = RULES) -> MergeOutcome:
    return merge_leads(survivor, other, rules, evidence=None, actor="rep:sam", now=NOW + 30 * DAY)


def saved(merged: Lead) -> Lead:
    """The merged lead as the store holds it after saving it with expected_version=merged.version."""
    return merged.model_copy(update={"version": merged.version + 1})
