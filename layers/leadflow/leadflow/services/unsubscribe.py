"""One-click unsubscribe (RFC 8058) through the signed link in every marketing email: the link's token names the
lead and list; following it withdraws marketing consent (on the ledger, source `email-link`), puts the address on the
suppression list and announces lead.consent_changed, once however often the link is posted. A bad or expired link
changes nothing and says only that (leadflow.domain.unsubscribe_token)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlencode

from leadflow.domain.consent import with_consent
from leadflow.domain.unsubscribe_token import issue, verify
from leadflow.models.events import LeadRescoreRequested
from leadflow.models.lead import ConsentRecord, Lead
from leadflow.ports import Clock, EventBus
from leadflow.services.consent import announce_consent
from leadflow.services.lead_updates import LeadNotFound, update_existing_lead
from leadflow.services.mail_permission import MailSuppressions
from leadflow.services.pipeline_deps import LeadChanges

SOURCE = "email-link"
TOKEN_LIFETIME = timedelta(days=365)
MARKETING_LIST = "marketing"
MAX_MERGE_HOPS = 5


class UnsubscribeDeps(Protocol):
    """The lead and its history, the bus, the clock, the suppression list and the links' signing secret."""

    @property
    def store(self) -> LeadChanges: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def suppressions(self) -> MailSuppressions: ...

    @property
    def secret(self) -> str: ...


@dataclass(frozen=True)
class Unsubscribed:
    """What an unsubscribe did: `changed` is False when the lead had withdrawn already (or is gone)."""

    list_id: str
    changed: bool


def unsubscribe_url(lead_id: str, list_id: str, *, now: datetime, secret: str, base_url: str) -> str:
    """The one-click link of a lead and list, valid for TOKEN_LIFETIME from `now`."""
    token = issue(lead_id, list_id, expires_at=now + TOKEN_LIFETIME, secret=secret)
    return f"{base_url.rstrip('/')}/v1/unsubscribe?{urlencode({'token': token})}"


def check(token: str, deps: UnsubscribeDeps) -> str:
    """The list a valid token unsubscribes from (the confirmation page); InvalidToken otherwise."""
    return verify(token, secret=deps.secret, now=deps.clock.now())[1]


def unsubscribe(token: str, deps: UnsubscribeDeps) -> Unsubscribed:
    """Withdraw the token's lead from marketing; InvalidToken for a bad or expired token.

    Idempotent: a lead whose latest decision is a withdrawal keeps it (its time and source), the suppression entry
    is only written when missing, and the announcement is made once (a retry after a failed publish makes it)."""
    lead_id, list_id = verify(token, secret=deps.secret, now=deps.clock.now())
    now = deps.clock.now()
    record = ConsentRecord(
        consent=False, source=SOURCE, at=now, ref=f"unsubscribe:{list_id}:{lead_id}@{now.isoformat()}"
    )

    withdrawn = False

    def withdraw(lead: Lead) -> Lead | None:
        nonlocal withdrawn
        current = lead.consent_record
        if lead.merged_into is not None or (current is not None and not current.consent):
            return None
        changed = with_consent(lead, record)
        withdrawn = changed is not None
        return changed

    lead = _follow(lead_id, deps, withdraw)
    if lead is None:  # erased, or never stored: nothing left to mail, nothing to say
        return Unsubscribed(list_id=list_id, changed=False)
    if deps.suppressions.entry(lead.email_canonical) is None:
        deps.suppressions.suppress(lead.email_canonical, now, "unsubscribed")
    current = lead.consent_record
    if current is None or current.consent or current.source != SOURCE:
        return Unsubscribed(list_id=list_id, changed=False)
    rescore = LeadRescoreRequested(lead_id=lead.lead_id, reason="consent", requested_at=current.at)
    announced = announce_consent(deps.store, deps.bus, lead.lead_id, current, also=[rescore])
    return Unsubscribed(list_id=list_id, changed=withdrawn or announced)


def _follow(lead_id: str, deps: UnsubscribeDeps, change: Callable[[Lead], Lead | None]) -> Lead | None:
    """Apply `change` to the lead, or to the lead it was merged into (a link in an email sent before a merge)."""
    for _ in range(MAX_MERGE_HOPS):
        try:
            lead = update_existing_lead(deps.store, lead_id, change)
        except LeadNotFound:
            return None
        if lead.merged_into is None:
            return lead
        lead_id = lead.merged_into
    return None
