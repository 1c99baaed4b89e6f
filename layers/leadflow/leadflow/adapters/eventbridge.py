"""Publishes leadflow's domain events to its EventBridge bus, in batches, and fails loudly on any entry not taken.

A failure raises EventsNotPublished so that the Lambda fails and Step Functions retries the step: consumers already
see each event at least once, so a re-published earlier batch is harmless.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from leadflow.models.events import EVENT_SOURCE, DomainEvent

BATCH_SIZE = 10  # PutEvents takes at most 10 entries per call
ATTEMPTS = 3  # entries EventBridge reports as failed (throttling, internal errors) are resent this often in all


class EventsNotPublished(Exception):
    """EventBridge refused some events; the message names each with its error code."""

    def __init__(self, failures: list[str]) -> None:
        super().__init__(f"EventBridge did not accept {len(failures)} event(s): " + "; ".join(failures))
        self.failures = failures


class EventBridgeBus:
    """EventBus on one EventBridge bus. `client` is a boto3 `events` client."""

    def __init__(self, client: Any, bus_name: str, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._bus_name = bus_name
        self._sleep = sleep

    def publish(self, events: Sequence[DomainEvent]) -> None:
        for start in range(0, len(events), BATCH_SIZE):
            self._put_batch(events[start : start + BATCH_SIZE])

    def _entry(self, event: DomainEvent) -> dict[str, str]:
        return {
            "Source": EVENT_SOURCE,
            "DetailType": event.detail_type,
            "Detail": event.model_dump_json(),
            "EventBusName": self._bus_name,
        }

    def _put_batch(self, batch: Sequence[DomainEvent]) -> None:
        pending = [(event, self._entry(event)) for event in batch]
        failures: list[str] = []
        for attempt in range(ATTEMPTS):
            if attempt:
                self._sleep(0.1 * 2**attempt)
            response = self._client.put_events(Entries=[entry for _, entry in pending])
            if not response.get("FailedEntryCount"):
                return
            # Results line up with the entries sent; a failed one has an ErrorCode instead of an EventId.
            results = list(zip(pending, response["Entries"], strict=True))
            pending = [sent for sent, result in results if result.get("ErrorCode")]
            failures = [_describe(event, result) for (event, _), result in results if result.get("ErrorCode")]
        raise EventsNotPublished(failures)


def _describe(event: DomainEvent, result: dict[str, Any]) -> str:
    subject = getattr(event, "lead_id", None) or getattr(event, "submission_id", None) or "?"
    return f"{event.detail_type} for {subject} ({result.get('ErrorCode')}: {result.get('ErrorMessage', 'no message')})"
