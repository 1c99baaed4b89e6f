"""Notifications to reps: the outbox that keeps them and their delivery, and the channels that carry them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from leadflow.models.roster import Rep


@dataclass(frozen=True)
class Notification:
    notification_id: str  # deterministic, so a retried step queues it once
    rep_id: str
    lead_id: str
    channel: str
    subject: str
    body: str
    created_at: datetime
    payload: dict[str, Any]


DeliveryStatus = Literal["delivered", "outbox_only", "failed", "retrying", "sending"]
SETTLED: frozenset[str] = frozenset({"delivered", "outbox_only", "failed"})  # nothing more will be sent


@dataclass(frozen=True)
class Delivery:
    """What delivery made of one queued notification so far; `status` is None until a first attempt ends."""

    status: DeliveryStatus | None = None
    sent: frozenset[str] = frozenset()  # channels that took the message, so a retry skips them
    attempts: int = 0
    delivered_at: datetime | None = None  # when the status became settled
    last_error: str | None = None
    claimed_at: datetime | None = None  # while a sender holds it (status "sending")

    @property
    def settled(self) -> bool:
        return self.status in SETTLED


@dataclass(frozen=True)
class OutboxEntry:
    notification: Notification
    delivery: Delivery


class Outbox(Protocol):
    def queue(self, notification: Notification) -> bool:
        """Queue a notification once; False if this notification_id was queued before."""

    def recent(self, limit: int = 50) -> list[Notification]: ...

    def get(self, rep_id: str, notification_id: str) -> OutboxEntry | None:
        """The notification and its delivery so far (a strongly consistent read); None if it was never queued."""

    def claim(self, rep_id: str, notification_id: str, *, token: str, at: datetime, stale_before: datetime) -> bool:
        """Take the notification for sending, in one conditional write: status `sending` with `token` and `at`, if it
        is queued or retrying, or its sender's claim was taken before `stale_before` (a sender that died mid-send:
        the function's timeout has passed). False, and no change, when it is settled, claimed by a live sender or
        was never queued. record_attempt ends the claim."""

    def record_sent(self, rep_id: str, notification_id: str, channel: str) -> None:
        """Keep that `channel` took the message (idempotent), before anything else can fail."""

    def record_attempt(
        self, rep_id: str, notification_id: str, *, status: DeliveryStatus, at: datetime, error: str | None
    ) -> None:
        """Count one delivery attempt and keep its outcome, ending its claim; `delivered_at` is set when `status` is
        settled. LookupError if the notification was never queued (an update must not create a half item)."""


class DeliveryFailed(Exception):
    """A channel did not take the message. `retryable`: a later attempt may succeed (5xx, 429, timeout, throttling);
    otherwise retrying cannot help (a revoked webhook, an address or sender the mail service rejects)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Notifier(Protocol):
    """One delivery channel (Slack, email, ...). The address comes from the rep roster, not the notification:
    a rep who changes their webhook gets later notifications there."""

    channel: str

    def reaches(self, rep: Rep) -> bool:
        """Whether the rep has an address on this channel (a webhook URL, an email address)."""

    def send(self, notification: Notification, rep: Rep) -> None:
        """Deliver the message to the rep once; raises DeliveryFailed when the channel does not take it."""
