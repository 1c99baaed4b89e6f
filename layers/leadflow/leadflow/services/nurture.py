"""Nurture enrolments begun and ended by what happens to a lead.

The nurture function hears the lead's events: a score below MQL, a recycle and a disqualification enrol it (in the
track leadflow.domain.nurture_entry chooses), a move in the lifecycle, a withdrawn consent, a merge and an erasure
end its enrolments, and a person can enrol or remove it through the API. Beginning saves the enrolment on the lead,
then starts its execution (named by the enrolment, so a redelivered event starts nothing twice) and announces
nurture.enrolled; ending saves the exit, stops the execution and announces nurture.exited, so no step acts after.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from leadflow.domain.nurture_entry import (
    choose_track,
    ended,
    exit_reason,
    new_enrolment,
    with_enrolment,
)
from leadflow.models.enrolment import MAX_ENROLMENTS, Enrolment, EnrolmentCause
from leadflow.models.lead import HistoryEntry, Lead
from leadflow.models.nurture import Track
from leadflow.models.nurture_events import NurtureEnrolled
from leadflow.services.announcements import record_and_publish
from leadflow.services.lead_updates import LeadNotFound, update_lead
from leadflow.services.nurture_deps import NurtureDeps, active_nurture
from leadflow.services.nurture_step import exited_event


class UnknownTrack(LookupError):
    """No track of that id in the active nurture rule set."""


class CannotEnrol(Exception):
    """The lead cannot enter the track now (merged away, already in it, may not be mailed)."""


def enrol(
    lead_id: str,
    cause: EnrolmentCause,
    at: datetime,
    deps: NurtureDeps,
    *,
    ref: str,
    reason_code: str | None = None,
    track_id: str | None = None,
) -> Enrolment | None:
    """Enrol the lead in the track `cause` leads to (or `track_id`, a person's or an `enrol` step's choice); None
    when none applies. `ref` names what enrolled it (the event's id): the enrolment's id derives from it, so the
    same event delivered twice begins one enrolment and starts one execution."""
    rules = active_nurture(deps.rules)
    chosen: list[Enrolment] = []

    def change(lead: Lead | None) -> Lead | None:
        chosen.clear()
        if lead is None:
            raise LeadNotFound(lead_id)
        # The same event again: make sure its execution runs, announce once.
        existing = next((e for e in lead.nurture if e.ref == ref), None)
        if existing is not None:
            chosen.append(existing)
            return None
        track = _track_for(lead, rules.track(track_id) if track_id else None, track_id, cause, at, deps, reason_code)
        if track is None:
            return None
        enrolment = new_enrolment(lead, track, rules.version, cause, at, ref=ref)
        chosen.append(enrolment)
        return with_enrolment(lead, enrolment, keep=MAX_ENROLMENTS)

    lead = update_lead(deps.store, lead_id, change)
    if not chosen or lead is None:
        return None
    enrolment = chosen[0]
    if enrolment.active:
        deps.workflows.start(enrolment.enrolment_id, {"lead_id": lead_id, "enrolment_id": enrolment.enrolment_id})
    entry = HistoryEntry(
        at=at,
        kind="nurture",
        ref=f"{enrolment.enrolment_id}#enrolled",
        detail={"track": enrolment.track_id, "cause": cause, "version": enrolment.track_version},
    )
    announced = NurtureEnrolled(
        lead_id=lead_id,
        enrolment_id=enrolment.enrolment_id,
        track_id=enrolment.track_id,
        track_version=enrolment.track_version,
        cause=cause,
        enrolled_at=enrolment.enrolled_at,
    )
    record_and_publish(deps.store, deps.bus, lead_id, entry, [announced])
    return enrolment


def _track_for(  # noqa: PLR0917 - private, called once
    lead: Lead,
    named: Track | None,
    track_id: str | None,
    cause: EnrolmentCause,
    at: datetime,
    deps: NurtureDeps,
    reason_code: str | None,
) -> Track | None:
    if deps.mail_blocked(lead) is not None:
        if cause == "manual":
            raise CannotEnrol(f"lead {lead.lead_id} may not be mailed: {deps.mail_blocked(lead)}")
        return None
    if track_id is None:
        return choose_track(lead, active_nurture(deps.rules), cause, at, reason_code=reason_code)
    if named is None:
        raise UnknownTrack(f"track: no nurture track {track_id!r}")
    if lead.merged_into is not None:
        raise CannotEnrol(f"lead {lead.lead_id} was merged into {lead.merged_into}; enrol that lead instead")
    if any(e.track_id == named.id for e in lead.active_enrolments):
        raise CannotEnrol(f"lead {lead.lead_id} is in track {named.id!r} already")
    if lead.active_enrolments and not named.concurrent:
        # One active enrolment per lead unless the track runs beside others: a person's choice included.
        busy = ", ".join(repr(e.track_id) for e in lead.active_enrolments)
        raise CannotEnrol(f"lead {lead.lead_id} is in track {busy}; remove it first, or make {named.id!r} concurrent")
    return named


def end_enrolments(
    lead_id: str,
    deps: NurtureDeps,
    *,
    reason: str | Callable[[Lead, Enrolment], str | None],
    track_id: str | None = None,
) -> list[Enrolment]:
    """End the lead's active enrolments (of `track_id` only, when given) for `reason`, or for the reason the
    callable finds (None: that enrolment goes on); stop their executions and announce each exit once."""
    now = deps.clock.now()
    ending: list[Enrolment] = []

    def change(lead: Lead | None) -> Lead | None:
        ending.clear()
        if lead is None:
            return None
        updated = lead
        for enrolment in lead.active_enrolments:
            if track_id is not None and enrolment.track_id != track_id:
                continue
            why = reason(lead, enrolment) if callable(reason) else reason
            if why is not None:
                stopped = ended(enrolment, why, now)
                ending.append(stopped)
                updated = with_enrolment(updated, stopped, keep=MAX_ENROLMENTS)
        return updated if ending else None

    update_lead(deps.store, lead_id, change)
    for enrolment in ending:
        stop_and_announce(lead_id, enrolment, deps)
    return ending


def stop_and_announce(lead_id: str, enrolment: Enrolment, deps: NurtureDeps) -> None:
    deps.workflows.stop(enrolment.enrolment_id, enrolment.exit_reason or "ended")
    entry = HistoryEntry(
        at=enrolment.ended_at or deps.clock.now(),
        kind="nurture",
        ref=f"{enrolment.enrolment_id}#exited",
        detail={"track": enrolment.track_id, "reason": enrolment.exit_reason},
    )
    record_and_publish(deps.store, deps.bus, lead_id, entry, [exited_event(lead_id, enrolment)])


def end_where_the_lead_moved_on(lead_id: str, deps: NurtureDeps) -> list[Enrolment]:
    """End the enrolments whose lead left the stage it was enrolled at, or was merged away."""
    return end_enrolments(lead_id, deps, reason=exit_reason)


def carry_over_merge(survivor_id: str, merged_id: str, at: datetime, deps: NurtureDeps) -> Enrolment | None:
    """A merge ends the merged-away lead's enrolments; the survivor keeps its own, or, with none, continues the
    track the merged lead was in (from its start). Never two: the survivor's active enrolment wins."""
    ended_ones = end_enrolments(merged_id, deps, reason="merged")
    survivor = deps.store.get_lead(survivor_id)
    if not ended_ones or survivor is None or survivor.active_enrolments:
        return None
    rules = active_nurture(deps.rules)
    for enrolment in ended_ones:
        if rules.track(enrolment.track_id) is not None:
            try:
                ref = f"merge:{merged_id}:{enrolment.enrolment_id}"
                return enrol(survivor_id, "handover", at, deps, ref=ref, track_id=enrolment.track_id)
            except CannotEnrol:
                return None
    return None
