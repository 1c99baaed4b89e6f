"""SES's delivery events and the unsubscribe link over the in-memory twins: what suppresses, what withdraws consent,
what counts once, and what changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from leadflow.adapters.memory import InMemoryEventBus, InMemoryLeadStore
from leadflow.adapters.memory_erasure import InMemorySuppressionList
from leadflow.clock import FixedClock
from leadflow.domain.consent import form_record, with_consent
from leadflow.domain.unsubscribe_token import InvalidToken, issue
from leadflow.models.events import LeadConsentChanged
from leadflow.models.lead import Lead
from leadflow.services.mail_events import handle
from leadflow.services.mail_permission import SaltedSuppressions
from leadflow.services.unsubscribe import unsubscribe, unsubscribe_url

from tests.events import load_event

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
EMAIL = "ada@example.com"
SECRET = "unit-secret"


@dataclass
class Deps:
    store: InMemoryLeadStore
    bus: InMemoryEventBus
    clock: FixedClock
    suppressions: SaltedSuppressions
    secret: str = SECRET


@pytest.fixture
def deps() -> Deps:
    store = InMemoryLeadStore()
    lead = Lead(lead_id="lead-ada", email=EMAIL, email_canonical=EMAIL, created_at=NOW, updated_at=NOW)
    consented = with_consent(lead, form_record(form_id="newsletter", at=NOW - timedelta(days=3), ref="sub-1"))
    assert consented is not None
    store.claim_identity("email", EMAIL, "lead-ada")
    store.save_lead(consented, expected_version=None)
    return Deps(store, InMemoryEventBus(), FixedClock(NOW), SaltedSuppressions(InMemorySuppressionList(), lambda: "s"))


def ses(sample: str, **section: Any) -> dict[str, Any]:
    detail: dict[str, Any] = load_event(f"mail_events/{sample}")["detail"]
    kind = detail["eventType"].lower()
    detail[kind] |= section
    return detail


def test_a_complaint_suppresses_and_withdraws_once_however_often_it_arrives(deps: Deps) -> None:
    handle(ses("email_complaint.json"), deps)
    handle(ses("email_complaint.json"), deps)

    lead = deps.store.get_lead("lead-ada")
    assert lead is not None and lead.consent is False
    assert [r.source for r in lead.consent_ledger] == ["form:newsletter", "ses:complaint"]
    entry = deps.suppressions.entry(EMAIL)
    assert entry is not None and entry.reason == "complained"
    assert len(deps.bus.of_type(LeadConsentChanged)) == 1


def test_a_transient_bounce_and_a_delivery_change_nothing(deps: Deps) -> None:
    handle(ses("email_bounced.json", bounceType="Transient"), deps)
    delivery = ses("email_opened.json") | {"eventType": "Delivery", "delivery": {"timestamp": NOW.isoformat()}}
    assert handle(delivery, deps).startswith("Delivery: nothing")

    lead = deps.store.get_lead("lead-ada")
    assert lead is not None and lead.consent is True
    assert deps.suppressions.entry(EMAIL) is None


def test_a_bounce_for_an_address_without_a_lead_still_suppresses_it(deps: Deps) -> None:
    detail = ses("email_bounced.json", bouncedRecipients=[{"emailAddress": "ghost@example.com"}])
    detail["mail"]["tags"].pop("lead_id", None)

    handle(detail, deps)

    entry = deps.suppressions.entry("ghost@example.com")
    assert entry is not None and entry.reason == "bounced"


def test_the_unsubscribe_link_is_on_the_api_and_withdraws(deps: Deps) -> None:
    url = unsubscribe_url("lead-ada", "marketing", now=NOW, secret=SECRET, base_url="https://api.example.com/prod/")
    assert url.startswith("https://api.example.com/prod/v1/unsubscribe?token=")

    done = unsubscribe(url.split("token=", 1)[1], deps)
    again = unsubscribe(url.split("token=", 1)[1], deps)

    assert (done.changed, again.changed) == (True, False)
    lead = deps.store.get_lead("lead-ada")
    assert lead is not None and lead.consent_record is not None
    assert (lead.consent, lead.consent_record.source) == (False, "email-link")
    assert len(deps.bus.of_type(LeadConsentChanged)) == 1


def test_an_unsubscribe_for_a_lead_that_is_gone_changes_nothing_and_says_nothing(deps: Deps) -> None:
    token = issue("lead-gone", "marketing", expires_at=NOW + timedelta(days=1), secret=SECRET)
    assert unsubscribe(token, deps).changed is False
    with pytest.raises(InvalidToken):
        unsubscribe(issue("lead-ada", "marketing", expires_at=NOW, secret=SECRET), deps)
