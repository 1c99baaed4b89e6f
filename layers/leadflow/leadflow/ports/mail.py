"""Email to leads: the mail service that sends it, and the log of what was sent (the local runtime's outbox, the
weekly cap's count, and the guard that makes a retried send a no-op)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

MailKind = Literal["marketing", "transactional"]


@dataclass(frozen=True)
class EmailMessage:
    message_id: str  # deterministic (a retried step sends once)
    lead_id: str
    to: str
    kind: MailKind
    subject: str
    text: str
    html: str | None
    created_at: datetime
    unsubscribe_url: str | None = None  # marketing: the one-click target (List-Unsubscribe)
    tags: Mapping[str, str] = field(default_factory=dict)  # template, track, step, variant, enrolment


class MailNotSent(Exception):
    """The mail service refused the message or failed to take it."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail service; MailNotSent when it does not take it."""


class MailLog(Protocol):
    def record(self, message: EmailMessage) -> bool:
        """Keep the message once per message_id (one conditional write); False, and no change, if kept before."""

    def sent_to(self, lead_id: str, since: datetime) -> list[EmailMessage]:
        """The lead's messages created at or after `since`, newest first."""

    def recent(self, limit: int = 50) -> list[EmailMessage]:
        """The newest messages of every lead (the dashboard's outbox)."""
