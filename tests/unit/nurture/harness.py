"""Nurture over in-memory twins, with Step Functions and EventBridge played by a small driver: events on the bus
are handed to the nurture function's handler, and each running execution's Step runs when the clock reaches its
wake-up. The real state machine runs in tests/integration/test_nurture_runtime.py; here thousands of leads and
months of waits take milliseconds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from leadflow.adapters.memory import (
    InMemoryConfigStore,
    InMemoryEventBus,
    InMemoryLeadStore,
    InMemoryMailLog,
    InMemoryOutbox,
    InMemoryTrackCounters,
    InMemoryWorkflows,
)
from leadflow.clock import FixedClock
from leadflow.models.lead import Lead
from leadflow.ports import EmailMessage, MailNotSent, Suppression, SuppressionReason
from leadflow.services.mail_permission import may_send_marketing, may_send_transactional
from leadflow.services.nurture_events import HANDLERS, handle_event
from leadflow.services.nurture_step import run_enrolment


class _SetSuppressions:
    """The suppression list as a set of canonical emails, each suppressed for `unsubscribed`... or `bounced`."""

    def __init__(self, emails: set[str], clock: FixedClock) -> None:
        self.emails = emails
        self.clock = clock

    def entry(self, email_canonical: str) -> Suppression | None:
        return Suppression("bounced", self.clock.now()) if email_canonical in self.emails else None

    def suppress(self, email_canonical: str, at: datetime, reason: SuppressionReason) -> bool:
        self.emails.add(email_canonical)
        return True


class RecordingMailer:
    """The mail service: keeps what it was handed; `refuse` makes it refuse messages to those addresses."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.refuse: set[str] = set()

    def send(self, message: EmailMessage) -> None:
        if message.to in self.refuse:
            raise MailNotSent(f"the mail service refused {message.to}")
        self.sent.append(message)


@dataclass
class Twins:
    clock: FixedClock
    store: InMemoryLeadStore = field(default_factory=InMemoryLeadStore)
    rules: InMemoryConfigStore = field(default_factory=InMemoryConfigStore)
    bus: InMemoryEventBus = field(default_factory=InMemoryEventBus)
    workflows: InMemoryWorkflows = field(default_factory=InMemoryWorkflows)
    counters: InMemoryTrackCounters = field(default_factory=InMemoryTrackCounters)
    mail_log: InMemoryMailLog = field(default_factory=InMemoryMailLog)
    mailer: RecordingMailer = field(default_factory=RecordingMailer)
    outbox: InMemoryOutbox = field(default_factory=InMemoryOutbox)
    suppressed: set[str] = field(default_factory=set)  # canonical emails on the suppression list
    mail_blocked: Callable[[Lead], str | None] = field(init=False)
    transactional_blocked: Callable[[Lead], str | None] = field(init=False)
    unsubscribe_link: Callable[[str, str, datetime], str] = field(init=False)
    # the driver's state: what the bus held when last read, and when each running execution wakes
    _read: int = 0
    _wakes: dict[str, datetime | None] = field(default_factory=dict)
    transitions: int = 0

    def __post_init__(self) -> None:
        # The one decision every send asks (leadflow.services.mail_permission), over this suppression list.
        suppressions = _SetSuppressions(self.suppressed, self.clock)
        self.mail_blocked = lambda lead: may_send_marketing(lead, suppressions)
        self.transactional_blocked = lambda lead: may_send_transactional(lead, suppressions)
        self.unsubscribe_link = lambda lead_id, list_id, now: f"https://leads.example/v1/unsubscribe?token={lead_id}"

    # --- the driver ------------------------------------------------------------------------------------------------

    def deliver_events(self) -> None:
        """Hand every new event on the bus to the nurture function, as its EventBridge rule does."""
        while self._read < len(self.bus.published):
            event = self.bus.published[self._read]
            self._read += 1
            if event.detail_type in HANDLERS:
                detail: dict[str, Any] = event.model_dump(mode="json")
                handle_event(event.detail_type, detail, f"evt-{self._read}", self.clock.now(), self)
        for name in self.workflows.running - set(self._wakes):
            self._wakes[name] = None  # started: its first Step runs now

    def run_due(self) -> None:
        """Run the Step of every execution whose wake-up has come (three transitions per run: Step, Next, Sleep)."""
        self.deliver_events()
        for name in sorted(self.workflows.running):
            wake = self._wakes.get(name)
            if wake is not None and wake > self.clock.now():
                continue
            request = self.workflows.started[name]
            answer = run_enrolment(request["lead_id"], request["enrolment_id"], self)
            self.transitions += 3
            if answer.decision == "end":
                self.workflows.stop(name, "succeeded")
                self._wakes.pop(name, None)
            else:
                assert answer.wake_at is not None
                self._wakes[name] = datetime.fromisoformat(answer.wake_at)
            self.deliver_events()

    def advance(self, until: datetime, step: timedelta = timedelta(hours=1)) -> None:
        """Move the clock to `until` in steps, running what comes due on the way."""
        self.run_due()
        while self.clock.now() < until:
            self.clock.advance(seconds=min(step, until - self.clock.now()).total_seconds())
            self.run_due()

    def emails_to(self, lead_id: str) -> list[EmailMessage]:
        return [m for m in self.mailer.sent if m.lead_id == lead_id]
