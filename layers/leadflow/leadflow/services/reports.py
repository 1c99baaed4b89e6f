"""Keeping the report projections: an event that changes what a lead counts as re-projects the lead (and, for a
merge, unmerge or erasure, every lead it names).

Re-projecting computes the lead's contribution from the stored lead and its history and applies the difference to
the stored one, conditional on nobody having written it since it was read. So the cells always equal the sum of the
stored leads' contributions: a redelivered event finds nothing to change, events may arrive in any order, and the
last event about a lead leaves its projection current."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from leadflow.domain.report_cells import contribution, difference
from leadflow.models.lead import HistoryEntry, Lead
from leadflow.ports import ConcurrentUpdate
from leadflow.ports.reports import ERASED_VERSION, ReportProjection, StoredContribution

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
        return [str(lead_id) for lead_id in detail.get("lead_ids") or [detail["lead_id"]]]
    named = [detail.get("lead_id"), detail.get("merged_id"), detail.get("restored_id")]
    return [str(lead_id) for lead_id in named if lead_id]


def project_event(detail_type: str, detail: Mapping[str, Any], deps: ReportDeps) -> list[str]:
    """Re-project every lead the event names; the ids of those whose counts changed."""
    erased = detail_type == "lead.erased"
    return [lead_id for lead_id in leads_named(detail_type, detail) if project_lead(lead_id, deps, erased=erased)]


def project_lead(lead_id: str, deps: ReportDeps, *, erased: bool = False) -> bool:
    """Bring the lead's stored contribution up to date with the stored lead; False when nothing changed. A lead not
    found counts for nothing once it is known to be erased (and is left alone otherwise: its event came early).

    Losing the race to another writer of the same lead (a burst of events about one lead: fifty submissions of one
    person at once) ends the work when that writer stored a lead at least as new as the one first read here: its
    projection includes whatever change this event announced."""
    seen: int | None = None
    for attempt in range(_ATTEMPTS):
        if attempt:
            deps.pause(attempt)
        before = deps.projection.contribution(lead_id)
        if before is not None and before.lead_version >= ERASED_VERSION:
            return False  # forgotten: nothing brings it back
        if before is not None and seen is not None and before.lead_version >= seen:
            return False  # another writer projected this lead at least as new as the one this event is about
        lead = deps.leads.get_lead(lead_id)
        if lead is None and not erased:
            return False
        version = ERASED_VERSION if lead is None else lead.version
        seen = version if seen is None else seen
        cells = {} if lead is None else contribution(lead, deps.leads.history(lead_id))
        delta = difference(before.cells if before is not None else {}, cells)
        if before is not None and not delta and before.lead_version == version:
            return False
        after = StoredContribution(revision=(before.revision + 1) if before else 1, lead_version=version, cells=cells)
        if deps.projection.replace(lead_id, before, after, delta):
            return bool(delta)
    raise ConcurrentUpdate(f"the report projection of lead {lead_id} kept changing; the event will be delivered again")


def project_all(lead_ids: Iterable[str], deps: ReportDeps) -> int:
    """Project each lead (a rebuild); how many changed the cells."""
    return sum(1 for lead_id in lead_ids if project_lead(lead_id, deps))
