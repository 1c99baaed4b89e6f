"""How a stored decision is announced (leadflow.services.announcements): a history entry with its events, and a
notification queued for a person, each safe to retry."""

from __future__ import annotations

from leadflow.adapters.memory import InMemoryEventBus, InMemoryLeadStore, InMemoryOutbox
from leadflow.models.events import LeadTouched, NotificationQueued
from leadflow.models.lead import HistoryEntry
from leadflow.ports import Notification
from leadflow.services.announcements import queue_notification, record_and_publish

from tests.unit.conftest import NOW

ENTRY = HistoryEntry(at=NOW, kind="touched", ref="call:ana@2026-03-02T09:30:00+00:00", detail={"first": True})
TOUCHED = LeadTouched(lead_id="lead_1", type="call", actor="ana", touched_at=NOW, first=True)
NOTIFICATION = Notification(
    notification_id="assigned#lead_1#2026-03-02T09:30:00+00:00",
    rep_id="ana",
    lead_id="lead_1",
    channel="email",
    subject="New lead",
    body="A new lead for you.",
    created_at=NOW,
    payload={},
)


def test_a_decision_announced_twice_is_written_and_published_once() -> None:
    store, bus = InMemoryLeadStore(), InMemoryEventBus()

    first = record_and_publish(store, bus, "lead_1", ENTRY, [TOUCHED])
    retried = record_and_publish(store, bus, "lead_1", ENTRY, [TOUCHED])

    assert (first, retried) == (True, False)
    assert [entry.ref for entry in store.history("lead_1")] == [ENTRY.ref]
    assert bus.of_type(LeadTouched) == [TOUCHED]


def test_a_retried_step_whose_events_are_not_once_only_publishes_them_again() -> None:
    store, bus = InMemoryLeadStore(), InMemoryEventBus()

    record_and_publish(store, bus, "lead_1", ENTRY, [TOUCHED], once=False)
    new = record_and_publish(store, bus, "lead_1", ENTRY, [TOUCHED], once=False)

    assert new is False
    assert len(store.history("lead_1")) == 1
    assert bus.of_type(LeadTouched) == [TOUCHED, TOUCHED]


def test_a_queued_notification_is_in_the_outbox_in_history_and_announced() -> None:
    store, outbox = InMemoryLeadStore(), InMemoryOutbox()

    events = queue_notification(store, outbox, NOTIFICATION)

    assert outbox.recent() == [NOTIFICATION]
    assert [(e.kind, e.ref, e.detail) for e in store.history("lead_1")] == [
        ("notified", NOTIFICATION.notification_id, {"rep_id": "ana", "channel": "email"})
    ]
    assert events == [
        NotificationQueued(
            notification_id=NOTIFICATION.notification_id, lead_id="lead_1", rep_id="ana", channel="email"
        )
    ]


def test_a_notification_queued_by_an_attempt_that_stopped_before_announcing_it_is_announced_on_retry() -> None:
    store, outbox = InMemoryLeadStore(), InMemoryOutbox()
    outbox.queue(NOTIFICATION)  # the first attempt stopped right after queueing

    events = queue_notification(store, outbox, NOTIFICATION)

    assert [e.notification_id for e in events if isinstance(e, NotificationQueued)] == [NOTIFICATION.notification_id]
    assert [e.kind for e in store.history("lead_1")] == ["notified"]
    assert len(outbox.recent()) == 1


def test_a_notification_whose_first_attempt_finished_is_not_announced_again() -> None:
    store, outbox = InMemoryLeadStore(), InMemoryOutbox()
    queue_notification(store, outbox, NOTIFICATION)
    asked: list[bool] = []

    def finished() -> bool:
        asked.append(True)
        return True

    assert queue_notification(store, outbox, NOTIFICATION, finished=finished) == []
    assert asked == [True]


def test_whether_an_earlier_attempt_finished_is_asked_only_when_the_outbox_held_the_notification() -> None:
    store, outbox = InMemoryLeadStore(), InMemoryOutbox()
    asked: list[bool] = []

    def finished() -> bool:
        asked.append(True)
        return True

    events = queue_notification(store, outbox, NOTIFICATION, finished=finished)

    assert len(events) == 1
    assert asked == []
