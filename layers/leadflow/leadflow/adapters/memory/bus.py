"""The in-memory twin of the EventBridge bus: keeps what was published, for tests to read."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TypeVar

from leadflow.models.events import DomainEvent

EventT = TypeVar("EventT", bound=DomainEvent)


class InMemoryEventBus:
    """Keeps what was published in `published`, each event re-read from its JSON as a consumer would see it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.published: list[DomainEvent] = []

    def publish(self, events: Sequence[DomainEvent]) -> None:
        received = [type(event).model_validate_json(event.model_dump_json()) for event in events]
        with self._lock:
            self.published.extend(received)

    def of_type(self, kind: type[EventT]) -> list[EventT]:
        with self._lock:
            return [event for event in self.published if isinstance(event, kind)]
