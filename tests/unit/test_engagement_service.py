"""Receiving engagement events: each event once, for its lead (or its merge survivor), parked while no lead has its
email, and never lost when publishing fails."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from leadflow.adapters.memory import InMemoryEventBus, InMemoryLeadStore
from leadflow.clock import FixedClock
from leadflow.models.engagement import MAX_EVENTS, EngagementEventIn, EventsInvalid, parse_events
from leadflow.models.events import DomainEvent, EngagementRecorded
from leadflow.models.lead import Activity, Lead
from leadflow.services.engagement import (
    EngagementDeps,
    receive_engagement,
)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ADA = "lead_" + "a" * 26
BOB = "lead_" + "b" * 26


def event(event_id: str, **fields: Any) -> EngagementEventIn:
    body = {
        "event_id": event_id,
        "type": "page_visit",
        "occurred_at": (NOW - timedelta(minutes=1)).isoformat(),
        "properties": {"url": "https://www.example.com/pricing"},
        **fields,
    }
    if "lead_id" not in body and "email" not in body:
        body["email"] = "Ada.Lovelace+news@Northwind.example"
    return EngagementEventIn.model_validate(body)


def stored_lead(store: InMemoryLeadStore, lead_id: str, email: str, **fields: Any) -> Lead:
    lead = Lead(lead_id=lead_id, email=email, email_canonical=email.lower(), created_at=NOW, updated_at=NOW, **fields)
    store.save_lead(lead, expected_version=None)
    store.claim_identity("email", lead.email_canonical, lead_id)
    return lead


class FailingOnceBus(InMemoryEventBus):
    """EventBridge refusing the first publish (throttling, an outage), then working again."""

    def __init__(self) -> None:
        super().__init__()
        self.failures_left = 1

    def publish(self, events: Sequence[DomainEvent]) -> None:
        if self.failures_left and events:
            self.failures_left -= 1
            raise RuntimeError("EventBridge is unavailable")
        super().publish(events)


@pytest.fixture
def store() -> InMemoryLeadStore:
    return InMemoryLeadStore()


@pytest.fixture
def bus() -> InMemoryEventBus:
    return InMemoryEventBus()


@pytest.fixture
def deps(store: InMemoryLeadStore, bus: InMemoryEventBus) -> EngagementDeps:
    return EngagementDeps(store=store, bus=bus, clock=FixedClock(NOW))


def test_an_event_for_a_known_email_is_recorded_and_published_for_its_lead(
    store: InMemoryLeadStore, bus: InMemoryEventBus, deps: EngagementDeps
) -> None:
    stored_lead(store, ADA, "ada.lovelace@northwind.example")

    receipts = receive_engagement("generic", [event("evt-1")], deps)

    assert [r.model_dump() for r in receipts] == [{"event_id": "evt-1", "status": "recorded", "lead_id": ADA}]
    (published,) = bus.of_type(EngagementRecorded)
    assert (published.lead_id, published.provider) == (ADA, "generic")
    assert published.activity == Activity(
        event_id="generic:evt-1",
        type="page_visit",
        occurred_at=NOW - timedelta(minutes=1),
        source="generic",
        properties={"url": "https://www.example.com/pricing"},
    )


def test_an_event_by_lead_id_is_recorded_for_that_lead(
    store: InMemoryLeadStore, bus: InMemoryEventBus, deps: EngagementDeps
) -> None:
    stored_lead(store, ADA, "ada@northwind.example")

    (receipt,) = receive_engagement("generic", [event("evt-1", lead_id=ADA)], deps)

    assert (receipt.status, receipt.lead_id) == ("recorded", ADA)
    assert [e.lead_id for e in bus.of_type(EngagementRecorded)] == [ADA]


def test_an_event_for_a_merged_away_lead_goes_to_the_survivor(
    store: InMemoryLeadStore, bus: InMemoryEventBus, deps: EngagementDeps
) -> None:
    stored_lead(store, ADA, "ada@northwind.example")
    stored_lead(store, BOB, "ada.l@northwind.example", merged_into=ADA)

    (receipt,) = receive_engagement("generic", [event("evt-1", lead_id=BOB)], deps)

    assert (receipt.status, receipt.lead_id) == ("recorded", ADA)
    assert [e.lead_id for e in bus.of_type(EngagementRecorded)] == [ADA]


def test_an_event_for_an_unknown_lead_id_keeps_nothing(
    store: InMemoryLeadStore, bus: InMemoryEventBus, deps: EngagementDeps
) -> None:
    (receipt,) = receive_engagement("generic", [event("evt-1", lead_id=ADA)], deps)

    assert (receipt.status, receipt.lead_id) == ("unknown_lead", None)
    assert bus.published == []
    assert not store.engagement_event_recorded("generic", "evt-1")


def test_an_event_for_an_unknown_email_is_parked_under_the_canonical_email_and_creates_no_lead(
    store: InMemoryLeadStore, bus: InMemoryEventBus, deps: EngagementDeps
) -> None:
    (receipt,) = receive_engagement("generic", [event("evt-1", email="Grace.Hopper+x@Navy.example")], deps)

    assert (receipt.status, receipt.lead_id) == ("parked", None)
    assert bus.published == []
    assert [a.event_id for a in store.parked_activity("grace.hopper@navy.example")] == ["generic:evt-1"]
    assert store.lead_for_identity("email", "grace.hopper@navy.example") is None
    assert store.list_leads().items == []


def test_a_repeated_event_is_a_duplicate_and_publishes_nothing_more(
    store: InMemoryLeadStore, bus: InMemoryEventBus, deps: EngagementDeps
) -> None:
    stored_lead(store, ADA, "ada.lovelace@northwind.example")
    receive_engagement("generic", [event("evt-1")], deps)

    (receipt,) = receive_engagement("generic", [event("evt-1")], deps)

    assert (receipt.status, receipt.lead_id) == ("duplicate", None)
    assert len(bus.of_type(EngagementRecorded)) == 1


def test_a_repeated_parked_event_is_a_duplicate(store: InMemoryLeadStore, deps: EngagementDeps) -> None:
    receive_engagement("generic", [event("evt-1", email="grace@navy.example")], deps)

    (receipt,) = receive_engagement("generic", [event("evt-1", email="grace@navy.example")], deps)

    assert receipt.status == "duplicate"
    assert len(store.parked_activity("grace@navy.example")) == 1


def test_a_retried_batch_records_the_new_events_and_reports_the_others_as_duplicates(
    store: InMemoryLeadStore, bus: InMemoryEventBus, deps: EngagementDeps
) -> None:
    stored_lead(store, ADA, "ada.lovelace@northwind.example")
    receive_engagement("generic", [event("evt-1"), event("evt-2")], deps)

    receipts = receive_engagement(
        "generic", [event("evt-1"), event("evt-2"), event("evt-3"), event("evt-4", email="new@navy.example")], deps
    )

    assert [(r.event_id, r.status) for r in receipts] == [
        ("evt-1", "duplicate"),
        ("evt-2", "duplicate"),
        ("evt-3", "recorded"),
        ("evt-4", "parked"),
    ]
    assert [e.activity.event_id for e in bus.of_type(EngagementRecorded)] == [
        "generic:evt-1",
        "generic:evt-2",
        "generic:evt-3",
    ]


def test_the_same_event_twice_in_one_batch_is_recorded_once(
    store: InMemoryLeadStore, bus: InMemoryEventBus, deps: EngagementDeps
) -> None:
    stored_lead(store, ADA, "ada.lovelace@northwind.example")

    receipts = receive_engagement("generic", [event("evt-1"), event("evt-1")], deps)

    assert [r.status for r in receipts] == ["recorded", "duplicate"]
    assert len(bus.of_type(EngagementRecorded)) == 1


def test_the_same_event_id_from_two_providers_is_two_events(
    store: InMemoryLeadStore, bus: InMemoryEventBus, deps: EngagementDeps
) -> None:
    stored_lead(store, ADA, "ada.lovelace@northwind.example")

    first = receive_engagement("generic", [event("1001")], deps)
    second = receive_engagement("website", [event("1001")], deps)

    assert [r.status for r in first + second] == ["recorded", "recorded"]
    assert [e.activity.event_id for e in bus.of_type(EngagementRecorded)] == ["generic:1001", "website:1001"]


def test_when_publishing_fails_nothing_is_recorded_and_the_retry_publishes(store: InMemoryLeadStore) -> None:
    stored_lead(store, ADA, "ada.lovelace@northwind.example")
    bus = FailingOnceBus()
    deps = EngagementDeps(store=store, bus=bus, clock=FixedClock(NOW))

    with pytest.raises(RuntimeError):
        receive_engagement("generic", [event("evt-1")], deps)
    assert not store.engagement_event_recorded("generic", "evt-1")

    (receipt,) = receive_engagement("generic", [event("evt-1")], deps)

    assert receipt.status == "recorded"
    assert [e.activity.event_id for e in bus.of_type(EngagementRecorded)] == ["generic:evt-1"]


def test_a_lead_that_appears_while_its_event_is_parked_still_gets_the_event(
    bus: InMemoryEventBus,
) -> None:
    class LeadArrivesDuringPark(InMemoryLeadStore):
        """The pipeline creates the lead (and adopts parked activity) between our lookup and our park."""

        def park_activity(self, email_canonical: str, activity: Activity) -> None:
            stored_lead(self, ADA, email_canonical)
            super().park_activity(email_canonical, activity)

    store = LeadArrivesDuringPark()
    deps = EngagementDeps(store=store, bus=bus, clock=FixedClock(NOW))

    (receipt,) = receive_engagement("generic", [event("evt-1", email="grace@navy.example")], deps)

    assert (receipt.status, receipt.lead_id) == ("recorded", ADA)
    assert [e.lead_id for e in bus.of_type(EngagementRecorded)] == [ADA]


def test_parked_activity_is_adopted_oldest_first_and_cleared_once_saved(
    store: InMemoryLeadStore, deps: EngagementDeps
) -> None:
    email = "grace@navy.example"
    receive_engagement(
        "generic",
        [
            event("evt-late", email=email, occurred_at=(NOW - timedelta(minutes=1)).isoformat()),
            event("evt-early", email=email, occurred_at=(NOW - timedelta(days=2)).isoformat(), type="email_click"),
        ],
        deps,
    )

    adopted = store.parked_activity(email)  # what the pipeline's Score step adopts

    assert [(a.event_id, a.type, a.source) for a in adopted] == [
        ("generic:evt-early", "email_click", "generic"),
        ("generic:evt-late", "page_visit", "generic"),
    ]
    assert store.parked_activity(email) == adopted  # adopting reads; only clearing forgets

    store.clear_parked_activity(email, [a.event_id for a in adopted])

    assert store.parked_activity(email) == []


# --- the wire format -----------------------------------------------------------------------------------------------


def wire(event_id: str = "evt-1", **fields: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": "email_open",
        "email": "ada@example.com",
        "occurred_at": NOW.isoformat(),
        **fields,
    }


def errors_of(document: Any) -> list[dict[str, Any]]:
    with pytest.raises(EventsInvalid) as raised:
        parse_events(document, now=NOW)
    return raised.value.errors


def test_one_event_or_a_batch_of_them_parses() -> None:
    assert [e.event_id for e in parse_events(wire(), now=NOW)] == ["evt-1"]
    assert [e.event_id for e in parse_events({"events": [wire("a"), wire("b")]}, now=NOW)] == ["a", "b"]


def test_an_error_names_the_event_by_index_and_id_and_the_field() -> None:
    (error,) = errors_of({"events": [wire("a"), wire("evt-9", type="tweet")]})

    assert error["field"] == "events[1].type"
    assert error["message"].startswith("events[1] (evt-9).type: ")
    assert (error["index"], error["event_id"]) == (1, "evt-9")


def test_an_event_needs_exactly_one_of_email_and_lead_id() -> None:
    both = wire(lead_id="lead_" + "a" * 26)
    neither = {k: v for k, v in wire().items() if k != "email"}

    for document in (both, neither):
        (error,) = errors_of(document)
        assert "exactly one of `email` or `lead_id`" in error["message"]


@pytest.mark.parametrize(
    "properties",
    [{"nested": {"a": 1}}, {"list": [1]}, {"none": None}, {f"k{i}": i for i in range(51)}, {"long": "x" * 1001}],
)
def test_properties_are_a_small_flat_map_of_scalars(properties: dict[str, Any]) -> None:
    (error,) = errors_of(wire(properties=properties))

    assert error["field"] == "properties"


@pytest.mark.parametrize("occurred_at", ["2026-03-02T09:30:00", 1772443800, "yesterday"])
def test_occurred_at_is_iso_8601_with_an_offset(occurred_at: Any) -> None:
    (error,) = errors_of(wire(occurred_at=occurred_at))

    assert error["field"] == "occurred_at"


def test_a_batch_holds_one_to_a_hundred_events() -> None:
    assert errors_of({"events": []})[0]["field"] == "events"
    assert errors_of({"events": [wire(str(i)) for i in range(MAX_EVENTS + 1)]})[0]["field"] == "events"
