"""Receiving engagement events from webhooks: each event once, for the lead it is about, or parked until that lead
arrives. The pipeline's score step adopts parked events when a lead with their email is created.

Idempotency, and why publishing never gets lost: an event is looked up (one read) before anything happens, published
as `engagement.recorded`, and only then recorded with one conditional put. A failure between the publish and the
put leaves no record, so the sender's retry publishes again; consumers add an activity to a lead only if its
`event_id` is not there yet, so a second copy changes nothing. Recording first instead would need a second write
per event to mark it published, or an event recorded but never published would be lost to every retry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from leadflow.domain.identity import canonical_email
from leadflow.domain.merge_chain import follow_merges
from leadflow.models.engagement import EngagementEventIn, EventReceipt, ReceiptStatus
from leadflow.models.events import EngagementRecorded
from leadflow.models.lead import Activity
from leadflow.ports import Clock, EngagementEvents, EventBus, IdentityClaims, LeadRecords


class EngagementStore(EngagementEvents, IdentityClaims, LeadRecords, Protocol):
    """What recording engagement reads and writes: handled events, parked activity, who owns an email, leads."""


@dataclass(frozen=True)
class EngagementDeps:
    store: EngagementStore
    bus: EventBus
    clock: Clock
    # Whether a canonical email's person was erased (services.erasure); None: no suppression list to ask.
    suppressed: Callable[[str], bool] | None = None


@dataclass
class _Pending:
    """An event seen for the first time: its activity, and the lead it belongs to (None: no such lead yet)."""

    index: int
    event: EngagementEventIn
    activity: Activity
    lead_id: str | None
    email_canonical: str | None


def activity_event_id(provider: str, event_id: str) -> str:
    """The activity's id on the lead: a lead keeps each event id once, and two providers may use the same ids."""
    return f"{provider}:{event_id}"


def to_activity(provider: str, event: EngagementEventIn) -> Activity:
    return Activity(
        event_id=activity_event_id(provider, event.event_id),
        type=event.type,
        occurred_at=event.occurred_at,
        source=provider,
        properties=event.properties,
    )


def surviving_lead_id(store: LeadRecords, lead_id: str) -> str | None:
    """The lead an event about `lead_id` belongs to now (a merged-away lead's survivor); None if there is none."""
    survivor = follow_merges(lead_id, store.get_lead)
    return survivor.lead_id if survivor is not None and survivor.merged_into is None else None


def _lead_for_email(store: EngagementStore, email_canonical: str) -> str | None:
    owner = store.lead_for_identity("email", email_canonical)
    # A claim is written just before its lead: a claim without a lead is a lead still being created.
    return surviving_lead_id(store, owner) if owner is not None else None


def _pending(provider: str, index: int, event: EngagementEventIn, store: EngagementStore) -> _Pending:
    activity = to_activity(provider, event)
    if event.lead_id is not None:
        return _Pending(index, event, activity, surviving_lead_id(store, event.lead_id), None)
    assert event.email is not None  # the model requires exactly one of lead_id and email
    canonical = canonical_email(event.email)
    return _Pending(index, event, activity, _lead_for_email(store, canonical), canonical)


def _recorded(provider: str, item: _Pending) -> EngagementRecorded:
    assert item.lead_id is not None
    return EngagementRecorded(lead_id=item.lead_id, provider=provider, activity=item.activity)


def _park(provider: str, item: _Pending, deps: EngagementDeps) -> str | None:
    """Park the activity under its email; the lead's id if that lead appeared meanwhile (then it was published too).

    The pipeline adopts parked activity right after it creates a lead. A lead created between our lookup and the
    park would never see it, so look again after parking: a lead found now gets the event published as well, and
    the parked copy is harmless (adopting it later adds nothing the lead does not already have)."""
    assert item.email_canonical is not None
    deps.store.park_activity(item.email_canonical, item.activity)
    lead_id = _lead_for_email(deps.store, item.email_canonical)
    if lead_id is not None:
        item.lead_id = lead_id
        deps.bus.publish([_recorded(provider, item)])
    return lead_id


def _keep(provider: str, item: _Pending, deps: EngagementDeps) -> EventReceipt:
    """Record the event as handled; a concurrent delivery that recorded it first makes this one a duplicate."""
    event_id = item.event.event_id
    if item.lead_id is None and item.email_canonical is None:
        # An unknown lead id names nobody who could ever arrive: nothing to park, nothing to record.
        return EventReceipt(event_id=event_id, status="unknown_lead")
    if item.lead_id is None and deps.suppressed is not None and deps.suppressed(item.email_canonical or ""):
        # The person asked to be forgotten: tracking that goes on about their address is not collected again.
        return EventReceipt(event_id=event_id, status="suppressed")
    status: ReceiptStatus = "recorded"
    if item.lead_id is None and _park(provider, item, deps) is None:
        status = "parked"
    kept = deps.store.record_engagement_event(
        provider, event_id, status=status, lead_id=item.lead_id, received_at=deps.clock.now()
    )
    if not kept:
        return EventReceipt(event_id=event_id, status="duplicate")
    return EventReceipt(event_id=event_id, status=status, lead_id=item.lead_id)


def receive_engagement(provider: str, events: Sequence[EngagementEventIn], deps: EngagementDeps) -> list[EventReceipt]:
    """Handle a provider's events; one receipt per event, in order. Events seen before (in an earlier delivery or
    earlier in this one) are duplicates and change nothing. Raises if publishing fails: nothing of the events not
    yet published is recorded then, so the sender's retry handles them again."""
    receipts: dict[int, EventReceipt] = {}
    pending: list[_Pending] = []
    seen: set[str] = set()
    for index, event in enumerate(events):
        if event.event_id in seen or deps.store.engagement_event_recorded(provider, event.event_id):
            receipts[index] = EventReceipt(event_id=event.event_id, status="duplicate")
            continue
        seen.add(event.event_id)
        pending.append(_pending(provider, index, event, deps.store))
    # One PutEvents call per ten events for the whole delivery, before any record is written (see the module doc).
    deps.bus.publish([_recorded(provider, item) for item in pending if item.lead_id is not None])
    for item in pending:
        receipts[item.index] = _keep(provider, item, deps)
    return [receipts[index] for index in range(len(events))]
