"""Whether a lead may be mailed now: the one decision every send asks, marketing or transactional.

Marketing needs recorded consent and an address off the suppression list. The list survives the lead: an
unsubscribe, a hard bounce, a complaint and an erasure put a salted hash of the canonical address on it, so a person
who unsubscribed and comes back through a form without ticking consent is still not mailed. A later explicit opt-in
(a ticked form box, POST /v1/leads/{id}/consent true) outweighs an `unsubscribed` entry older than it; nothing
outweighs `bounced`, `complained` or `erased`. Transactional mail (an auto-response the person asked for) needs no
consent, but never goes to an address that bounced, complained or was erased."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from leadflow.domain.identity import canonical_email
from leadflow.models.lead import Lead
from leadflow.ports import Suppression, SuppressionList, SuppressionReason
from leadflow.ports.erasure import SUPPRESSION_STRENGTH
from leadflow.services.erasure import email_hash

_HARD = ("bounced", "complained")


class MailSuppressions(Protocol):
    """The suppression list by canonical email (the salted hashing is the adapter's business)."""

    def entry(self, email_canonical: str) -> Suppression | None: ...

    def suppress(self, email_canonical: str, at: datetime, reason: SuppressionReason) -> bool:
        """Put the address on the list; False when it cannot be (no salt configured: nothing is kept)."""


class SaltedSuppressions:
    """MailSuppressions over the erasure suppression list. `salt` answers None while none is configured; then the
    list can hold nothing, so nothing is suppressed and nothing can be added (consent still decides marketing)."""

    def __init__(self, suppression: SuppressionList, salt: Callable[[], str | None]) -> None:
        self._suppression = suppression
        self._salt = salt

    def entry(self, email_canonical: str) -> Suppression | None:
        salt = self._salt()
        return self._suppression.entry(email_hash(email_canonical, salt)) if salt else None

    def suppress(self, email_canonical: str, at: datetime, reason: SuppressionReason) -> bool:
        salt = self._salt()
        if not salt:
            return False
        self._suppression.suppress(email_hash(email_canonical, salt), at, reason)
        return True


def strongest_suppression(lead: Lead, deps: MailSuppressions) -> Suppression | None:
    """The strongest entry of any of the lead's addresses: a person who unsubscribed at one address is not mailed
    at another of theirs either."""
    addresses = {lead.email_canonical, *(canonical_email(address) for address in lead.emails)}
    entries = [entry for address in sorted(addresses) if address and (entry := deps.entry(address)) is not None]
    return max(entries, key=lambda entry: SUPPRESSION_STRENGTH[entry.reason], default=None)


def _opted_in_since(lead: Lead, moment: datetime) -> bool:
    record = lead.consent_record
    return lead.consent and record is not None and record.consent and record.at > moment


def may_send_marketing(lead: Lead, deps: MailSuppressions) -> str | None:
    """None when a marketing email may go to the lead now, else why not: `erased`, `suppressed: <reason>`,
    `withdrawn` (consent was withdrawn) or `no consent` (never given)."""
    entry = strongest_suppression(lead, deps)
    if entry is not None and entry.reason == "erased":
        return "erased"
    if entry is not None and not (entry.reason == "unsubscribed" and _opted_in_since(lead, entry.at)):
        return f"suppressed: {entry.reason}"
    if not lead.consent:
        record = lead.consent_record
        return "withdrawn" if record is not None and not record.consent else "no consent"
    return None


def may_send_transactional(lead: Lead, deps: MailSuppressions) -> str | None:
    """None when a transactional email (one the person asked for) may go to the lead, else why not: `erased` or
    `suppressed: bounced|complained`. Consent and unsubscribes do not apply: they are about marketing."""
    entry = strongest_suppression(lead, deps)
    if entry is None or entry.reason not in (*_HARD, "erased"):
        return None
    return "erased" if entry.reason == "erased" else f"suppressed: {entry.reason}"


def is_mail_suppressed(email_canonical: str, deps: MailSuppressions) -> bool:
    """Whether the address is on the suppression list for any reason (marketing sends ask may_send_marketing)."""
    return deps.entry(email_canonical) is not None
