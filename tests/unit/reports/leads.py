"""Leads in the shapes the reports count: captured from a source, qualified, assigned, touched, breached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from leadflow.models.lead import Assignment, HistoryEntry, Lead, Outcome, Score, Stage
from leadflow.models.lead_sla import SlaBreach, SlaState
from leadflow.models.submission import Source

CAPTURED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def a_lead(lead_id: str = "lead_1", *, source: str | None = "google", **changes: Any) -> Lead:
    return Lead(
        lead_id=lead_id,
        email=f"{lead_id}@acme.example",
        email_canonical=f"{lead_id}@acme.example",
        created_at=changes.pop("created_at", CAPTURED),
        updated_at=CAPTURED,
        first_source=Source(utm_source=source, utm_medium="cpc", utm_campaign="q4", form_id="demo-request"),
        **changes,
    )


def scored(grade: str = "A") -> Score:
    return Score(fit=40, engagement=30, total=70, grade=grade, level=1, qualifies=True, ruleset_version=1,
                 scored_at=CAPTURED)  # fmt: skip


def assigned(rep_id: str = "rep-a", team: str = "emea", after: timedelta = timedelta(seconds=30)) -> Assignment:
    return Assignment(
        rep_id=rep_id, rep_name=rep_id, rule="round-robin", pool="sales", ruleset_version=1,
        assigned_at=CAPTURED + after, team=team,
    )  # fmt: skip


def sla(owners: list[str], *, breached_by: list[str] = (), status: str = "running", **changes: Any) -> SlaState:  # type: ignore[assignment]
    deadline = CAPTURED + timedelta(minutes=5)
    return SlaState(
        timer_id="t1", status=status, priority="A1", target="5 minutes", rep_id=owners[-1],
        assigned_at=CAPTURED, started_at=CAPTURED, deadline=deadline, owners=owners,
        breaches=[SlaBreach(rep_id=rep, deadline=deadline, at=deadline, action="reassigned") for rep in breached_by],
        ruleset_version=1, **changes,
    )  # fmt: skip


def stage_entry(to: Stage, at: datetime = CAPTURED, **detail: Any) -> HistoryEntry:
    kind = {"disqualified": "disqualified", "recycled": "recycled"}.get(to.value, "stage_changed")
    return HistoryEntry(at=at, kind=kind, ref=f"x->{to.value}@{at.isoformat()}", detail={"to": to.value, **detail})


def assigned_entry(rep_id: str, at: datetime) -> HistoryEntry:
    return HistoryEntry(at=at, kind="assigned", ref=rep_id, detail={})


def won(amount: float) -> Outcome:
    return Outcome(result="won", amount=amount, currency="EUR", closed_at=CAPTURED + timedelta(days=40), actor="crm")
