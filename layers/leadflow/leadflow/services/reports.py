"""Keeping the report projections: an event that changes what a lead counts as re-projects the lead (and, for a
merge, unmerge or erasure, every lead it names).

Re-projecting computes the lead's contribution from the stored lead and its history and applies the difference to
the stored one, conditional on nobody having written it since it was read. So the cells always equal the sum of the
stored leads' contributions: a redelivered event finds nothing to change, events may arrive in any order, and the
last event about a lead leaves its projection current. Events come in batches (from a queue): a lead named by
several events of a batch is projected once, and the batch's leads share their cells' writes."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from leadflow.domain.report_cells import contribution, difference
from leadflow.models.lead import HistoryEntry, Lead
from leadflow.ports import ConcurrentUpdate
from leadflow.ports.reports import ERASED_VERSION, ContributionChange, ReportProjection, StoredContribution

#: The events that change what a lead counts as (the template's ReportsEventsRule lists the same).
PROJECTED_EVENTS = (
    "lead.created",
    "lead.updated",
    "lead.scored",
    "lead.stage_changed",
    "lead.disqualified",
    "lead.recycled",
    "lead.outcome_recorded",
    "lead.converted",
    "lead.assigned",
    "lead.reassigned",
    "lead.unassigned",
    "lead.touched",
    "lead.sla_breached",
    "lead.escalated",
    "lead.merged",
    "lead.unmerged",
    "lead.erased",
    "nurture.enrolled",
    "nurture.exited",
)
_ATTEMPTS = 10
_FIRST_PAUSE_SECONDS = 0.02
_MAX_PAUSE_SECONDS = 1.0


class LeadsWithHistory(Protocol):
    def get_lead(self, lead_id: str) -> Lead | None: ...

    def history(self, lead_id: str) -> list[HistoryEntry]: ...


def jittered_pause(attempt: int) -> None:
    """Wait before trying again, longer after each lost race and at random ("full jitter"): the writers that lost
    to each other on a busy cell (the day's `all` cell takes every lead's write) spread out instead of colliding
    again."""
    time.sleep(random.uniform(0, min(_MAX_PAUSE_SECONDS, _FIRST_PAUSE_SECONDS * 2**attempt)))  # noqa: S311 - jitter


@dataclass(frozen=True)
class ReportDeps:
    leads: LeadsWithHistory
    projection: ReportProjection
    pause: Callable[[int], None] = jittered_pause


def leads_named(detail_type: str, detail: Mapping[str, Any]) -> list[str]:
    """The leads an event changes the counts of."""
    if detail_type == "lead.erased":
        return [str(lead_id) for lead_id in detail.get("lead_ids") or [detail.get("lead_id")] if lead_id]
    named = [detail.get("lead_id"), detail.get("merged_id"), detail.get("restored_id")]
    return [str(lead_id) for lead_id in named if lead_id]


@dataclass
class BatchOutcome:
    """What projecting a batch of leads did: the leads whose counts changed, and those left unprojected with why
    (their events are delivered again)."""

    changed: list[str] = field(default_factory=list)
    failed: dict[str, Exception] = field(default_factory=dict)


def project_events(events: Iterable[tuple[str, Mapping[str, Any]]], deps: ReportDeps) -> BatchOutcome:
    """Project every lead a batch of events (detail type, detail) names, each once however many events name it."""
    named: list[str] = []
    erased: set[str] = set()
    for detail_type, detail in events:
        leads = leads_named(detail_type, detail)
        named.extend(leads)
        if detail_type == "lead.erased":
            erased.update(leads)
    return project_leads(named, deps, erased=erased)


def plan_change(lead_id: str, deps: ReportDeps, *, erased: bool = False) -> ContributionChange | None:
    """The change that brings the lead's stored contribution up to date with the stored lead; None when there is
    nothing to write. A lead not found counts for nothing once it is known to be erased (and is left alone
    otherwise: its event came early)."""
    before = deps.projection.contribution(lead_id)
    if before is not None and before.lead_version >= ERASED_VERSION:
        return None  # forgotten: nothing brings it back
    lead = deps.leads.get_lead(lead_id)
    if lead is None and not erased:
        return None
    version = ERASED_VERSION if lead is None else lead.version
    cells = {} if lead is None else contribution(lead, deps.leads.history(lead_id))
    delta = difference(before.cells if before is not None else {}, cells)
    if before is not None and not delta and before.lead_version == version:
        return None
    after = StoredContribution(revision=(before.revision + 1) if before else 1, lead_version=version, cells=cells)
    return ContributionChange(lead_id=lead_id, before=before, after=after, delta=delta)


def project_leads(lead_ids: Iterable[str], deps: ReportDeps, *, erased: Collection[str] = ()) -> BatchOutcome:
    """Bring every named lead's contribution up to date, in as few writes as the store allows (a batch of events
    about the same leads and days shares its cells). A lead whose write lost a race to another writer is planned
    again from what that writer stored, after a pause; one that keeps losing, or whose planning fails, is reported
    failed without holding back the others."""
    outcome = BatchOutcome()
    pending = list(dict.fromkeys(lead_ids))
    for attempt in range(_ATTEMPTS):
        if not pending:
            return outcome
        if attempt:
            deps.pause(attempt)
        plans: list[ContributionChange] = []
        for lead_id in pending:
            try:
                plan = plan_change(lead_id, deps, erased=lead_id in erased)
            except Exception as exc:  # noqa: BLE001 - one lead's failure is reported, the batch goes on
                outcome.failed[lead_id] = exc
                continue
            if plan is not None:
                plans.append(plan)
        lost = set(deps.projection.replace_many(plans)) if plans else set()
        outcome.changed.extend(plan.lead_id for plan in plans if plan.lead_id not in lost and plan.delta)
        pending = [plan.lead_id for plan in plans if plan.lead_id in lost]
    for lead_id in pending:
        outcome.failed[lead_id] = ConcurrentUpdate(
            f"the report projection of lead {lead_id} kept changing; its events will be delivered again"
        )
    return outcome


def project_lead(lead_id: str, deps: ReportDeps, *, erased: bool = False) -> bool:
    """Bring one lead's contribution up to date (a rebuild); False when nothing changed. Raises what stopped it."""
    outcome = project_leads([lead_id], deps, erased=[lead_id] if erased else [])
    if lead_id in outcome.failed:
        raise outcome.failed[lead_id]
    return lead_id in outcome.changed


def project_all(lead_ids: Iterable[str], deps: ReportDeps) -> int:
    """Project each lead (a rebuild); how many changed the cells."""
    return sum(1 for lead_id in lead_ids if project_lead(lead_id, deps))
