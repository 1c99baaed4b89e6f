"""Shared by the scoring tests: the pages the default rules score, and a score's points by rule."""

from __future__ import annotations

from collections.abc import Callable

from leadflow.models.lead import Lead, Score
from leadflow.models.submission import StoredSubmission

SubmissionFactory = Callable[..., StoredSubmission]
LeadFactory = Callable[..., Lead]
PRICING = "https://acme.example/pricing"
CAREERS = "https://acme.example/careers/senior-engineer"
BLOG = "https://acme.example/blog/why-lead-scoring"


def lines_by_rule(score: Score) -> dict[str, float]:
    return {line.rule_id: line.points for line in score.lines}
