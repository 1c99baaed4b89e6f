"""What SES tells us about the mail we sent (its configuration set publishes to EventBridge, source `aws.ses`):
an open or a click is engagement on the lead (leadflow.services.engagement, so the lead is scored again and nurture
may make an MQL of it); a permanent bounce or a complaint puts the address on the suppression list and withdraws
marketing consent (ledger source `ses:bounce` / `ses:complaint`). Deliveries, sends, transient bounces and the rest
change nothing. Each SES message's event of each type counts once, however often EventBridge delivers it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from leadflow.domain.consent import with_consent
from leadflow.domain.identity import canonical_email
from leadflow.models.engagement import MAX_PROPERTY_TEXT_LENGTH, EngagementEventIn
from leadflow.models.events import LeadRescoreRequested
from leadflow.models.lead import ConsentRecord, Lead
from leadflow.ports import Clock, EventBus
from leadflow.services.consent import announce_consent
from leadflow.services.engagement import EngagementDeps, EngagementStore, receive_engagement, surviving_lead_id
from leadflow.services.lead_updates import LeadNotFound, update_existing_lead
from leadflow.services.mail_permission import MailSuppressions
from leadflow.services.pipeline_deps import LeadChanges

PROVIDER = "ses"
ENGAGEMENT = {"Open": "email_open", "Click": "email_click"}
# The tags the mailer sets on every message (leadflow.ports.mail.EmailMessage.tags) that are worth keeping.
TAG_PROPERTIES = ("track", "step", "variant", "template", "enrolment")
MAX_EVENT_ID = 128


class MailEventStore(EngagementStore, LeadChanges, Protocol):
    """Engagement's (handled events, parked activity, identities, leads) and a lead's changes with its history."""


class MailEventDeps(Protocol):
    @property
    def store(self) -> MailEventStore: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def suppressions(self) -> MailSuppressions: ...


@dataclass(frozen=True)
class SesEvent:
    """The parts of an SES event record we act on."""

    kind: str  # the record's eventType: Open, Click, Bounce, Complaint, Delivery, ...
    message_id: str
    at: datetime
    recipients: tuple[str, ...]
    tags: Mapping[str, str]
    link: str | None = None
    permanent: bool = False


def parse(detail: Mapping[str, Any], fallback_at: datetime) -> SesEvent:
    """The SES record in an EventBridge event's `detail`; ValueError when it is not one."""
    mail = detail.get("mail")
    kind = detail.get("eventType") or detail.get("notificationType")
    if not isinstance(mail, Mapping) or not isinstance(kind, str) or not mail.get("messageId"):
        raise ValueError("not an SES event record: eventType and mail.messageId are required")
    section = detail.get(kind[0].lower() + kind[1:]) or {}
    # SES keeps each tag as a list of values; ours have one each.
    tags = {str(k): str(v[0]) for k, v in (mail.get("tags") or {}).items() if isinstance(v, list) and v}
    recipients: tuple[str, ...] = tuple(str(a) for a in mail.get("destination") or ())
    if kind == "Bounce":
        recipients = tuple(str(r["emailAddress"]) for r in section.get("bouncedRecipients") or ()) or recipients
    elif kind == "Complaint":
        recipients = tuple(str(r["emailAddress"]) for r in section.get("complainedRecipients") or ()) or recipients
    stamp = section.get("timestamp") or mail.get("timestamp")
    at = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else fallback_at
    return SesEvent(
        kind=kind,
        message_id=str(mail["messageId"]),
        at=at,
        recipients=recipients,
        tags=tags,
        link=section.get("link") if kind == "Click" else None,
        permanent=kind == "Bounce" and section.get("bounceType") == "Permanent",
    )


def handle(detail: Mapping[str, Any], deps: MailEventDeps) -> str:
    """Act on one SES event record; what was done, in words (for the log)."""
    event = parse(detail, deps.clock.now())
    if event.kind in ENGAGEMENT:
        return _engagement(event, deps)
    if event.kind == "Complaint" or event.permanent:
        reason: Literal["bounced", "complained"] = "complained" if event.kind == "Complaint" else "bounced"
        return _suppress(event, reason, deps)
    return f"{event.kind}: nothing to do"


def _event_id(event: SesEvent) -> str:
    event_id = f"{event.message_id}:{event.kind.lower()}"
    if len(event_id) > MAX_EVENT_ID:  # SES ids are about 60 characters; a longer one is hashed to fit the key
        event_id = hashlib.sha256(event_id.encode()).hexdigest()
    return event_id


def _engagement(event: SesEvent, deps: MailEventDeps) -> str:
    properties: dict[str, str] = {key: event.tags[key] for key in TAG_PROPERTIES if event.tags.get(key)}
    properties["message_id"] = event.message_id[:MAX_PROPERTY_TEXT_LENGTH]
    if event.link:
        properties["url"] = event.link[:MAX_PROPERTY_TEXT_LENGTH]
    person: dict[str, str] = {}
    lead_id = event.tags.get("lead_id")
    if lead_id:
        person["lead_id"] = lead_id
    elif event.recipients:
        person["email"] = event.recipients[0]
    else:
        return f"{event.kind} {event.message_id}: no lead tag and no recipient"
    document = {
        "event_id": _event_id(event),
        "type": ENGAGEMENT[event.kind],
        "occurred_at": event.at.isoformat(),
        "properties": properties,
        **person,
    }
    try:
        incoming = EngagementEventIn.model_validate(document, context={"now": deps.clock.now()})
    except ValidationError as exc:
        return f"{event.kind} {event.message_id}: not recorded ({exc.errors()[0].get('msg')})"
    engagement = EngagementDeps(store=deps.store, bus=deps.bus, clock=deps.clock)
    (receipt,) = receive_engagement(PROVIDER, [incoming], engagement)
    return f"{event.kind} {event.message_id}: {receipt.status}"


def _suppress(event: SesEvent, reason: Literal["bounced", "complained"], deps: MailEventDeps) -> str:
    source = "ses:bounce" if reason == "bounced" else "ses:complaint"
    done = []
    for address in event.recipients:
        canonical = canonical_email(address)
        deps.suppressions.suppress(canonical, event.at, reason)
        lead_id = _lead_of(event, canonical, deps.store)
        if lead_id is not None:
            _withdraw(
                lead_id, ConsentRecord(consent=False, source=source, at=event.at, ref=f"ses:{_event_id(event)}"), deps
            )
        done.append(lead_id or "no lead")
    return f"{event.kind} {event.message_id}: {reason} ({', '.join(done)})"


def _lead_of(event: SesEvent, canonical: str, store: MailEventStore) -> str | None:
    tagged = event.tags.get("lead_id")
    if tagged:
        return surviving_lead_id(store, tagged)
    owner = store.lead_for_identity("email", canonical)
    return surviving_lead_id(store, owner) if owner is not None else None


def _withdraw(lead_id: str, record: ConsentRecord, deps: MailEventDeps) -> None:
    """Withdraw consent once (a redelivered event finds its record) and announce it once."""

    def change(lead: Lead) -> Lead | None:
        return with_consent(lead, record)

    try:
        lead = update_existing_lead(deps.store, lead_id, change)
    except LeadNotFound:
        return
    if lead.consent_record is not None and lead.consent_record.ref == record.ref:
        rescore = LeadRescoreRequested(lead_id=lead_id, reason="consent", requested_at=record.at)
        announce_consent(deps.store, deps.bus, lead_id, lead.consent_record, also=[rescore])
