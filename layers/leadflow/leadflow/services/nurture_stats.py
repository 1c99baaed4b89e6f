"""A/B results of nurture tracks, kept by events rather than by scanning leads: each event adds to its track's
counts once (leadflow.ports.TrackCounters), and `track_stats` reads one item per track."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from leadflow.models.nurture_stats import StepStats, TrackStats, VariantStats
from leadflow.ports import RuleSets, TrackCounters
from leadflow.services.nurture_deps import NurtureDeps, active_nurture

# "Became an MQL within N days of enrolment": long enough for a 30-day track to do its work.
MQL_WINDOW = timedelta(days=30)
OPENED = {"email_open": "opened", "email_click": "clicked"}


def _names(detail_type: str, detail: Mapping[str, Any], at: datetime, deps: NurtureDeps) -> dict[str, list[str]]:
    """The counts an event adds to, by track."""
    if detail_type == "nurture.enrolled":
        return {str(detail["track_id"]): ["enrolled"]}
    if detail_type == "nurture.step_completed":
        step, outcome, chosen = str(detail["step_id"]), str(detail["outcome"]), detail.get("variant")
        names = [f"step.{step}.{outcome}"] + ([f"step.{step}.{chosen}.{outcome}"] if chosen else [])
        return {str(detail["track_id"]): names}
    if detail_type == "nurture.exited":
        reason = str(detail["reason"])
        return {str(detail["track_id"]): ["completed" if reason == "completed" else f"exited.{reason}"]}
    if detail_type == "engagement.recorded":
        activity = detail.get("activity") or {}
        properties = activity.get("properties") or {}
        kind, track, mailed = OPENED.get(str(activity.get("type"))), properties.get("track"), properties.get("step")
        if kind is None or not track or not mailed:
            return {}
        variant = properties.get("variant")
        names = [f"step.{mailed}.{kind}"] + ([f"step.{mailed}.{variant}.{kind}"] if variant else [])
        return {str(track): names}
    if detail_type == "lead.stage_changed" and detail.get("to_stage") == "mql":
        lead = deps.store.get_lead(str(detail["lead_id"]))
        found: dict[str, list[str]] = {}
        for enrolment in lead.nurture if lead is not None else []:
            if enrolment.enrolled_at <= at <= enrolment.enrolled_at + MQL_WINDOW:
                found[enrolment.track_id] = ["mql"] + [f"step.{s}.{v}.mql" for s, v in enrolment.variants.items()]
        return found
    return {}


def count_event(detail_type: str, detail: Mapping[str, Any], event_id: str, at: datetime, deps: NurtureDeps) -> bool:
    """Add the event to its tracks' counts, once per event id; whether it counted anything."""
    counted = False
    for track_id, names in _names(detail_type, detail, at, deps).items():
        counted = deps.counters.count(track_id, event_id, names, at) or counted
    return counted


class StatsDeps(Protocol):
    """What a track's results are read from: the nurture rule set and the tracks' counts."""

    @property
    def rules(self) -> RuleSets: ...

    @property
    def counters(self) -> TrackCounters: ...


def track_stats(track_id: str, deps: StatsDeps) -> TrackStats | None:
    """The track's results per step and variant (steps of the active version), None for an unknown track."""
    track = active_nurture(deps.rules).track(track_id)
    if track is None:
        return None
    counts = deps.counters.counts(track_id)

    def of(prefix: str) -> dict[str, int]:
        return {name.removeprefix(prefix): n for name, n in counts.items() if name.startswith(prefix)}

    steps = []
    for step in track.steps:
        mine = of(f"step.{step.id}.")
        variant_ids = [v.id for v in getattr(step, "variants", None) or []]
        variants = [
            VariantStats(
                variant=variant,
                sent=mine.get(f"{variant}.sent", 0),
                opened=mine.get(f"{variant}.opened", 0),
                clicked=mine.get(f"{variant}.clicked", 0),
                mql=mine.get(f"{variant}.mql", 0),
            )
            for variant in variant_ids
        ]
        steps.append(
            StepStats(
                step_id=step.id,
                type=step.type,
                sent=mine.get("sent", 0),
                opened=mine.get("opened", 0),
                clicked=mine.get("clicked", 0),
                render_failed=mine.get("render_failed", 0),
                send_failed=mine.get("send_failed", 0),
                variants=variants,
            )
        )
    return TrackStats(
        track_id=track_id,
        enrolled=counts.get("enrolled", 0),
        completed=counts.get("completed", 0),
        became_mql=counts.get("mql", 0),
        mql_window_days=MQL_WINDOW.days,
        exited=of("exited."),
        steps=steps,
    )
