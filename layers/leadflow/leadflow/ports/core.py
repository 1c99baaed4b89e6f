"""What every port shares: the clock, the event bus, webhook secrets and the optimistic-locking conflict."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from leadflow.models.events import DomainEvent


class ConcurrentUpdate(Exception):
    """Someone else changed the record since it was read; read again and re-apply."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class EventBus(Protocol):
    def publish(self, events: Sequence[DomainEvent]) -> None: ...


class WebhookSecrets(Protocol):
    def secret(self, provider: str) -> str | None:
        """The provider's webhook signing secret; None if no such provider is configured."""
