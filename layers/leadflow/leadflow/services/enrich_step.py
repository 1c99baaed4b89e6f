"""The LeadPipeline's enrich step: firmographics from the lead's email domain, and its account.

Safe to retry: Step Functions retries a step after a timeout even if its first attempt wrote."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadflow.domain.accounts import account_for
from leadflow.domain.enrichment import enrich_with
from leadflow.domain.identity import email_domain
from leadflow.domain.survivorship import kept_firmographics
from leadflow.models.events import AccountCreated, LeadEnriched, SubmissionState
from leadflow.models.lead import HistoryEntry, Lead
from leadflow.services.announcements import record_and_publish
from leadflow.services.lead_updates import update_existing_lead

if TYPE_CHECKING:
    from leadflow.services.step_deps import EnrichDeps


def enrich_lead(state: SubmissionState, deps: EnrichDeps) -> SubmissionState:
    """Fill company, industry and size from the primary email's domain (the configured provider, else the bundled
    directory); mark free-mail domains; link the lead to its account, creating the account on first sight.

    Firmographics are never lowered (leadflow.domain.survivorship): a lead known to work at a company keeps that
    record when its primary address is on an unknown domain or a provider cannot answer."""
    lead_id = state.require_lead().lead_id
    now = deps.clock.now()

    def add_firmographics(lead: Lead) -> Lead | None:
        found = enrich_with(email_domain(lead.email_canonical), deps.enrichment)
        firmographics = kept_firmographics(lead.firmographics, found)
        account = account_for(lead.model_copy(update={"firmographics": firmographics}), deps.directory, now)
        account_id = account.account_id if account else None
        if firmographics == lead.firmographics and account_id == lead.account_id:
            return None
        return lead.model_copy(update={"firmographics": firmographics, "account_id": account_id, "updated_at": now})

    lead = update_existing_lead(deps.store, lead_id, add_firmographics)
    if lead.firmographics is None:
        return state.model_copy(update={"lead": lead})
    events: list[LeadEnriched | AccountCreated] = [
        LeadEnriched(
            lead_id=lead_id,
            domain=lead.firmographics.domain,
            known=lead.firmographics.known,
            free_mail=lead.firmographics.free_mail,
            account_id=lead.account_id,
        )
    ]
    account = account_for(lead, deps.directory, now)
    if account is not None and deps.store.link_account(account, lead_id):
        events.append(AccountCreated(account_id=account.account_id, name=account.name, first_lead_id=lead_id))
    entry = HistoryEntry(
        at=lead.updated_at,
        kind="enriched",
        ref=lead.firmographics.domain,
        detail={**lead.firmographics.model_dump(mode="json"), "account_id": lead.account_id},
    )
    record_and_publish(deps.store, deps.bus, lead_id, entry, events, once=False)
    return state.model_copy(update={"lead": lead})
