"""Giving or withdrawing marketing consent through the API: stored on the lead as a decision with its source and
time (leadflow.domain.consent), written to history and announced as lead.consent_changed. Unsubscribe events from
marketing automation take the pipeline's path instead (leadflow.services.pipeline.record_engagement)."""

from __future__ import annotations

from collections.abc import Sequence

from leadflow.domain.consent import request_record, with_consent
from leadflow.models.consent import ConsentRequest
from leadflow.models.events import DomainEvent, LeadConsentChanged, LeadRescoreRequested
from leadflow.models.lead import ConsentRecord, HistoryEntry, Lead
from leadflow.ports import EventBus, LeadHistory
from leadflow.services.announcements import record_and_publish
from leadflow.services.lead_updates import update_existing_lead
from leadflow.services.pipeline_deps import LeadChangeDeps


def change_consent(lead_id: str, request: ConsentRequest, deps: LeadChangeDeps) -> Lead:
    """Record the decision; the same decision from the same source again (a retried request) changes nothing.

    A change also asks the pipeline to score the lead again (lead.rescore_requested), so a scoring rule on consent,
    if the rules have one, sees it at once; without such a rule the score stays what it was."""
    now = deps.clock.now()
    record = request_record(
        consent=request.consent,
        source=request.source,
        actor=request.actor,
        at=now,
        ref=f"consent:{request.source}@{now.isoformat()}",
    )

    def change(lead: Lead) -> Lead | None:
        current = lead.consent_record
        if current is not None and (current.consent, current.source) == (request.consent, request.source):
            return None
        return with_consent(lead, record)

    lead = update_existing_lead(deps.store, lead_id, change)
    if lead.consent_record != record:
        return lead
    rescore = LeadRescoreRequested(lead_id=lead_id, reason="consent", requested_at=now)
    announce_consent(deps.store, deps.bus, lead_id, record, also=[rescore])
    return lead


def announce_consent(
    store: LeadHistory, bus: EventBus, lead_id: str, record: ConsentRecord, *, also: Sequence[DomainEvent] = ()
) -> bool:
    """The lead's history entry and lead.consent_changed (with `also`) for a consent decision, once: a retry that
    finds the entry announces nothing. Whether this call announced it."""
    entry = HistoryEntry(at=record.at, kind="consent_changed", ref=record.ref, detail=record.model_dump(mode="json"))
    changed = LeadConsentChanged(
        lead_id=lead_id,
        consent=record.consent,
        source=record.source,
        at=record.at,
        ref=record.ref,
        actor=record.actor,
    )
    return record_and_publish(store, bus, lead_id, entry, [changed, *also])
