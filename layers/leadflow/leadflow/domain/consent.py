"""Marketing consent as a decision on record: who gave or withdrew it, through what, and when. An unsubscribe (an
engagement event, an email link, the API) withdraws it; only a newer decision overturns an older one, so events
delivered out of order never undo a withdrawal. Consent is not a score: the scoring rules may count an unsubscribe
as negative engagement, but whether the person may be mailed is this record alone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from leadflow.models.lead import Activity, ConsentRecord, Lead


def with_consent(lead: Lead, record: ConsentRecord) -> Lead | None:
    """The lead with `record` as its consent decision; None when it changes nothing: the same decision is on
    record already (a retry), or a newer decision is."""
    current = lead.consent_record
    if current is not None and (current.ref == record.ref or current.at > record.at):
        return None
    if current is None and lead.consent == record.consent and not record.consent:
        # Never consented and nothing recorded: still worth recording that the person said no, and where.
        return lead.model_copy(update={"consent_record": record})
    return lead.model_copy(update={"consent": record.consent, "consent_record": record})


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
