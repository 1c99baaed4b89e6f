"""What the nurture function does with each event it hears: enrol, end enrolments, answer a form, and keep each
track's counts. One entry point, so the template's one rule lists exactly the events this handles."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from leadflow.services.nurture import carry_over_merge, end_enrolments, end_where_the_lead_moved_on, enrol
from leadflow.services.nurture_deps import NurtureDeps
from leadflow.services.nurture_mail import autorespond
from leadflow.services.nurture_stats import count_event

Handler = Callable[[Mapping[str, Any], str, datetime, NurtureDeps], str]


def _answer_form(detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> str:
    sent = autorespond(str(detail["lead_id"]), str(detail["submission_id"]), deps)
    return "no auto-response" if sent is None else f"auto-response {sent.outcome}"


def _scored(detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> str:
    if detail.get("qualifies"):
        return "qualifies: the stage change ends its enrolments"
    enrolment = enrol(str(detail["lead_id"]), "scored_below_mql", at, deps, ref=event_id)
    return "not enrolled" if enrolment is None else f"enrolled in {enrolment.track_id}"


def _recycled(detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> str:
    enrolment = enrol(str(detail["lead_id"]), "recycled", at, deps, ref=event_id)
    return "not enrolled" if enrolment is None else f"enrolled in {enrolment.track_id}"


def _disqualified(detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> str:
    lead_id = str(detail["lead_id"])
    ended = end_where_the_lead_moved_on(lead_id, deps)
    enrolment = enrol(lead_id, "disqualified", at, deps, ref=event_id, reason_code=str(detail.get("reason_code")))
    joined = "not enrolled" if enrolment is None else f"enrolled in {enrolment.track_id}"
    return f"ended {len(ended)}; {joined}"


def _stage_changed(detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> str:
    ended = end_where_the_lead_moved_on(str(detail["lead_id"]), deps)
    count_event("lead.stage_changed", detail, event_id, at, deps)
    return f"ended {len(ended)}"


def _consent_changed(detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> str:
    if detail.get("consent"):
        return "consent given: nothing to end"
    return f"ended {len(end_enrolments(str(detail['lead_id']), deps, reason='unsubscribed'))}"


def _merged(detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> str:
    carried = carry_over_merge(str(detail["lead_id"]), str(detail["merged_id"]), at, deps)
    return "merged lead's enrolments ended" + (f"; survivor enrolled in {carried.track_id}" if carried else "")


def _erased(detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> str:
    names = [str(name) for name in detail.get("enrolment_ids", [])]
    for name in names:
        deps.workflows.stop(name, "erased")
    return f"stopped {len(names)}"


def _exited(detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> str:
    count_event("nurture.exited", detail, event_id, at, deps)
    target = detail.get("handover_to")
    if not target:
        return "counted"
    enrolment = enrol(str(detail["lead_id"]), "handover", at, deps, ref=event_id, track_id=str(target))
    return "handed over" if enrolment is not None else "hand-over refused"


def _counted(detail_type: str) -> Handler:
    def handle(detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> str:
        return "counted" if count_event(detail_type, detail, event_id, at, deps) else "nothing to count"

    return handle


HANDLERS: dict[str, Handler] = {
    "lead.created": _answer_form,
    "lead.updated": _answer_form,
    "lead.scored": _scored,
    "lead.recycled": _recycled,
    "lead.disqualified": _disqualified,
    "lead.stage_changed": _stage_changed,
    "lead.consent_changed": _consent_changed,
    "lead.merged": _merged,
    "lead.erased": _erased,
    "nurture.enrolled": _counted("nurture.enrolled"),
    "nurture.step_completed": _counted("nurture.step_completed"),
    "nurture.exited": _exited,
    "engagement.recorded": _counted("engagement.recorded"),
}


def handle_event(detail_type: str, detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> str:
    """Act on one event; what was done, for the log. An event type this does not handle is a wiring mistake."""
    handler = HANDLERS.get(detail_type)
    if handler is None:
        raise ValueError(f"the nurture function does not handle {detail_type!r} events")
    return handler(detail, event_id, at, deps)
