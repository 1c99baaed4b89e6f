"""Who enters which nurture track, and when an enrolment must end.

A track is chosen by the cause that enrols (a score below MQL, a recycle, a disqualification with given reasons, or
a person's explicit request), its `when` conditions on the same lead facts routing uses, its re-entry rule and its
priority; a lead has one active enrolment unless a track says it runs beside others. An enrolment ends when the
lead moves on from the stage it was enrolled at (becoming an MQL first of all), is merged away, or may no longer be
mailed; every step asks this before it acts, so nothing follows an exit."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from leadflow.domain.routing import condition_holds, routing_value
from leadflow.domain.titles import department, seniority
from leadflow.models.enrolment import Enrolment, EnrolmentCause
from leadflow.models.lead import Lead, Stage
from leadflow.models.nurture import NurtureRuleSet, Track
from leadflow.models.routing import ROUTING_FIELDS, Condition

Value = str | int | float | bool | None


def entry_value(lead: Lead, name: str) -> Value:
    """The lead fact a track's entry condition tests: routing's facts, and the stage, seniority and department."""
    if name == "stage":
        return lead.stage.value
    if name == "seniority":
        return seniority(lead.title)
    if name == "department":
        return department(lead.title)
    return routing_value(lead, name) if name in ROUTING_FIELDS or name.startswith("fields.") else None


def _holds(lead: Lead, name: str, condition: Condition) -> bool:
    if name == "form_id":  # any form the person sent
        return any(condition_holds(condition, form_id) for form_id in lead.form_ids) or (
            not lead.form_ids and condition_holds(condition, None)
        )
    return condition_holds(condition, entry_value(lead, name))


# The stages each cause enrols from: a lead being worked by sales (MQL and beyond) is never nurtured by a score.
ENTRY_STAGES: dict[str, frozenset[Stage]] = {
    "scored_below_mql": frozenset({Stage.NEW, Stage.RECYCLED}),
    "recycled": frozenset({Stage.RECYCLED}),
    "disqualified": frozenset({Stage.DISQUALIFIED}),
    "manual": frozenset(set(Stage) - {Stage.CUSTOMER}),
    "handover": frozenset(set(Stage) - {Stage.CUSTOMER}),
}


def track_admits(track: Track, lead: Lead) -> bool:
    return all(_holds(lead, name, condition) for name, condition in track.entry.when.items())


def _reentry_allows(track: Track, lead: Lead, now: datetime) -> bool:
    earlier = [e for e in lead.nurture if e.track_id == track.id]
    if not earlier:
        return True
    if track.reentry == "never":
        return False
    last = max(e.enrolled_at for e in earlier)
    return now - last >= timedelta(days=track.reentry.after_days)


def choose_track(
    lead: Lead,
    rules: NurtureRuleSet,
    cause: EnrolmentCause,
    now: datetime,
    *,
    reason_code: str | None = None,
) -> Track | None:
    """The track `cause` enrols the lead in, None when none may: the highest-priority track for the cause whose
    conditions the lead meets, that its re-entry rule allows, and that does not collide with an active enrolment."""
    if lead.merged_into is not None or lead.stage not in ENTRY_STAGES[cause]:
        return None
    busy = bool(lead.active_enrolments)
    candidates = [
        track
        for track in rules.tracks
        if track.entry.cause == cause
        and (cause != "disqualified" or not track.entry.reasons or reason_code in track.entry.reasons)
        and not any(e.track_id == track.id for e in lead.active_enrolments)
        and (track.concurrent or not busy)
        and track_admits(track, lead)
        and _reentry_allows(track, lead, now)
    ]
    return max(candidates, key=lambda track: track.priority, default=None)


def enrolment_id(lead_id: str, track_id: str, ref: str) -> str:
    """Deterministic from what enrolled the lead (`ref`: the event's id), so a redelivered event begins the same
    enrolment and starts the same execution (a second start of a name starts nothing)."""
    digest = hashlib.sha256(f"{lead_id}|{track_id}|{ref}".encode()).hexdigest()[:20]
    return f"nur_{digest}"


def new_enrolment(
    lead: Lead, track: Track, version: int, cause: EnrolmentCause, now: datetime, *, ref: str | None = None
) -> Enrolment:
    """A new enrolment at the track's first step; `ref` names what enrolled the lead (default: the time)."""
    ref = ref or now.isoformat()
    return Enrolment(
        enrolment_id=enrolment_id(lead.lead_id, track.id, ref),
        ref=ref,
        track_id=track.id,
        track_version=version,
        cause=cause,
        entry_stage=lead.stage.value,
        enrolled_at=now,
        current_step=track.steps[0].id,
    )


def exit_reason(lead: Lead, enrolment: Enrolment) -> str | None:
    """Why the enrolment must stop now, None while it may go on (consent is asked separately, at each send)."""
    if not enrolment.active:
        return enrolment.exit_reason or "ended"
    if lead.merged_into is not None:
        return "merged"
    if lead.stage.value != enrolment.entry_stage:
        return "became_mql" if lead.stage == Stage.MQL else f"stage_{lead.stage.value}"
    return None


def ended(enrolment: Enrolment, reason: str, now: datetime) -> Enrolment:
    """The enrolment stopped for `reason` (`completed` when it ran to its end)."""
    if not enrolment.active:
        return enrolment
    return enrolment.model_copy(
        update={
            "status": "completed" if reason == "completed" else "exited",
            "exit_reason": None if reason == "completed" else reason,
            "ended_at": now,
            "wake_at": None,
        }
    )


def with_enrolment(lead: Lead, enrolment: Enrolment, *, keep: int) -> Lead:
    """The lead with `enrolment` added or replaced; ended enrolments beyond the newest `keep` are let go."""
    others = [e for e in lead.nurture if e.enrolment_id != enrolment.enrolment_id]
    replaced = len(others) != len(lead.nurture)
    enrolments = (
        [enrolment if e.enrolment_id == enrolment.enrolment_id else e for e in lead.nurture]
        if replaced
        else [*lead.nurture, enrolment]
    )
    ended_ones = [e for e in enrolments if not e.active]
    drop = {e.enrolment_id for e in ended_ones[: max(0, len(enrolments) - keep)]}
    return lead.model_copy(update={"nurture": [e for e in enrolments if e.enrolment_id not in drop]})


def active_ids(enrolments: Sequence[Enrolment]) -> list[str]:
    return [e.enrolment_id for e in enrolments if e.active]
