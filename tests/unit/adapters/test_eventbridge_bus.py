"""EventBridgeBus against a stubbed client (no network): batching, retries of refused entries, and the error raised."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from leadflow.adapters.eventbridge import EventBridgeBus, EventsNotPublished
from leadflow.adapters.memory import InMemoryEventBus
from leadflow.models.events import LeadAssigned, LeadScored

BUS = "leadflow-test-bus"


@pytest.fixture
def client() -> Any:
    return boto3.client("events", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def stub(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def scored(lead_id: str) -> LeadScored:
    return LeadScored(
        lead_id=lead_id, fit=40, engagement=32.5, total=72.5, grade="B", level=2, qualifies=True, ruleset_version=3
    )


def entry(event: LeadScored) -> dict[str, str]:
    return {"Source": "leadflow", "DetailType": "lead.scored", "Detail": event.model_dump_json(), "EventBusName": BUS}


def accepted(count: int) -> dict[str, Any]:
    return {"FailedEntryCount": 0, "Entries": [{"EventId": f"id-{i}"} for i in range(count)]}


def test_25_events_go_out_in_batches_of_10(client: Any, stub: Stubber) -> None:
    events = [scored(f"lead-{i}") for i in range(25)]
    for batch in (events[:10], events[10:20], events[20:]):
        stub.add_response("put_events", accepted(len(batch)), {"Entries": [entry(event) for event in batch]})

    EventBridgeBus(client, BUS, sleep=lambda _: None).publish(events)


def test_an_entry_refused_once_is_resent_alone(client: Any, stub: Stubber) -> None:
    events = [scored("lead-1"), scored("lead-2")]
    refused = {"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}
    stub.add_response(
        "put_events",
        {"FailedEntryCount": 1, "Entries": [{"EventId": "id-1"}, refused]},
        {"Entries": [entry(e) for e in events]},
    )
    stub.add_response("put_events", accepted(1), {"Entries": [entry(events[1])]})

    EventBridgeBus(client, BUS, sleep=lambda _: None).publish(events)


def test_an_entry_refused_on_every_attempt_raises_naming_it(client: Any, stub: Stubber) -> None:
    events = [scored("lead-1"), scored("lead-2")]
    refused = {"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}
    stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": [{"EventId": "id-1"}, refused]})
    stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": [refused]})
    stub.add_response("put_events", {"FailedEntryCount": 1, "Entries": [refused]})

    with pytest.raises(EventsNotPublished, match=r"lead\.scored for lead-2 \(InternalFailure: try again\)") as raised:
        EventBridgeBus(client, BUS, sleep=lambda _: None).publish(events)

    assert len(raised.value.failures) == 1


def test_the_in_memory_bus_keeps_events_as_a_consumer_would_read_them() -> None:
    bus = InMemoryEventBus()
    assigned = LeadAssigned(lead_id="lead-1", rep_id="rep-ana", rule="round_robin", pool="default", ruleset_version=2)

    bus.publish([scored("lead-1"), assigned])

    assert bus.published == [scored("lead-1"), assigned]
    assert bus.of_type(LeadAssigned) == [assigned]
