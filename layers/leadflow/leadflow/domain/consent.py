"""Marketing consent as a decision on record: who gave or withdrew it, through what, and when. An unsubscribe (an
engagement event, an email link, the API) withdraws it; only a newer decision overturns an older one, so events
delivered out of order never undo a withdrawal. Consent is not a score: the scoring rules may count an unsubscribe
as negative engagement, but whether the person may be mailed is this record alone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from leadflow.models.lead import Activity, ConsentRecord, Lead

MAX_LEDGER = 50  # decisions kept on a lead: enough to show consent's history, bounded so a lead stays small


def with_ledger(ledger: Iterable[ConsentRecord], *records: ConsentRecord) -> list[ConsentRecord]:
    """The ledger with `records` added once each (a decision is known by its ref and value), oldest first, the
    newest MAX_LEDGER kept."""
    kept: dict[tuple[str, bool], ConsentRecord] = {}
    for record in (*ledger, *records):
        kept.setdefault((record.ref, record.consent), record)
    return sorted(kept.values(), key=lambda record: record.at)[-MAX_LEDGER:]


def with_consent(lead: Lead, record: ConsentRecord) -> Lead | None:
    """The lead with `record` as its consent decision, on its ledger; None when it changes nothing: the same
    decision is on record already (a retry), or a newer decision is."""
    current = lead.consent_record
    if current is not None and (current.ref == record.ref or current.at > record.at):
        return None
    return recorded(lead, record)


def recorded(lead: Lead, record: ConsentRecord) -> Lead:
    """The lead with `record` as its latest decision whatever came before (a returning erased person's fresh start),
    on its ledger."""
    ledger = with_ledger(lead.consent_ledger, record)
    return lead.model_copy(update={"consent": record.consent, "consent_record": record, "consent_ledger": ledger})


def form_record(*, form_id: str | None, at: datetime, ref: str, text_version: str | None = None) -> ConsentRecord:
    """Consent given by ticking a form's box."""
    return ConsentRecord(
        consent=True,
        source=f"form:{form_id}" if form_id else "form",
        at=at,
        ref=ref,
        form_id=form_id,
        text_version=text_version,
    )


def unsubscribe_record(activity: Activity) -> ConsentRecord:
    return ConsentRecord(
        consent=False,
        source=f"unsubscribe:{activity.source or 'unknown'}",
        at=activity.occurred_at,
        ref=activity.event_id,
    )


def after_unsubscribes(lead: Lead, activities: Iterable[Activity]) -> Lead:
    """The lead with consent withdrawn by the newest unsubscribe among `activities` (unchanged without one)."""
    unsubscribes = sorted((a for a in activities if a.type == "unsubscribe"), key=lambda a: a.occurred_at)
    if not unsubscribes:
        return lead
    return with_consent(lead, unsubscribe_record(unsubscribes[-1])) or lead


def request_record(*, consent: bool, source: str, actor: str | None, at: datetime, ref: str) -> ConsentRecord:
    return ConsentRecord(consent=consent, source=source, at=at, ref=ref, actor=actor)
