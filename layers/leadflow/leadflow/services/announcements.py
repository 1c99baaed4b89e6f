"""How a decision already stored is told: an entry in the lead's history and its domain events, and, for a person to
be told, a notification queued in the outbox. Every step, job and route announces through these two, so a retried
one announces the same way wherever it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from leadflow.models.events import DomainEvent, NotificationQueued
from leadflow.models.lead import HistoryEntry
from leadflow.ports import EventBus, LeadHistory, Notification, Outbox


def record_and_publish(
    store: LeadHistory,
    bus: EventBus,
    lead_id: str,
    entry: HistoryEntry,
    events: Sequence[DomainEvent],
    *,
    once: bool = True,
) -> bool:
    """Add `entry` to the lead's history and publish `events`; whether the entry is new (history keeps one entry per
    kind and ref).

    `once`: a retry that finds the entry publishes nothing, for events whose consumers would act twice on a second
    copy. Without it the events go out again on a retry, for steps whose first attempt may have stopped between
    the entry and the publish and whose consumers are idempotent by the event's content."""
    new = store.add_history(lead_id, entry)
    if new or not once:
        bus.publish(events)
    return new


def queue_notification(
    store: LeadHistory,
    outbox: Outbox,
    notification: Notification,
    *,
    finished: Callable[[], bool] = lambda: False,
) -> list[DomainEvent]:
    """Queue `notification` in the outbox, note it in its lead's history, and return the notification.queued event
    to publish.

    Each part is idempotent: the outbox keeps one item per notification id, history one entry per ref, and delivery
    sends a notification once however often notification.queued arrives. A notification the outbox holds already
    (a retried step) is noted and announced again, since the attempt that queued it may have stopped before it
    announced it; `finished`, asked only then, says that attempt went to the end, and nothing is announced."""
    if not outbox.queue(notification) and finished():
        return []
    store.add_history(
        notification.lead_id,
        HistoryEntry(
            at=notification.created_at,
            kind="notified",
            ref=notification.notification_id,
            detail={"rep_id": notification.rep_id, "channel": notification.channel},
        ),
    )
    return [
        NotificationQueued(
            notification_id=notification.notification_id,
            lead_id=notification.lead_id,
            rep_id=notification.rep_id,
            channel=notification.channel,
        )
    ]
