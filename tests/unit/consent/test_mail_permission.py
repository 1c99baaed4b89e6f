"""Who may be mailed: consent and the suppression list decide marketing; only hard reasons stop transactional mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from leadflow.adapters.memory_erasure import InMemorySuppressionList
from leadflow.domain.consent import MAX_LEDGER, form_record, with_consent
from leadflow.models.lead import ConsentRecord, Lead
from leadflow.ports import SuppressionReason
from leadflow.services.mail_permission import SaltedSuppressions, may_send_marketing, may_send_transactional

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def lead(*, consent: bool = True, at: datetime = NOW) -> Lead:
    base = Lead(
        lead_id="lead-ada", email="ada@example.com", email_canonical="ada@example.com", created_at=at, updated_at=at
    )
    if not consent:
        return base
    given = with_consent(base, form_record(form_id="newsletter", at=at, ref="sub-1", text_version="2026-01"))
    assert given is not None
    return given


def suppressions(**entries: SuppressionReason) -> SaltedSuppressions:
    listed = SaltedSuppressions(InMemorySuppressionList(), lambda: "salt")
    for email, reason in entries.items():
        listed.suppress(email.replace("_at_", "@"), NOW - timedelta(days=1), reason)
    return listed


def test_a_consenting_lead_off_the_list_may_be_mailed() -> None:
    assert may_send_marketing(lead(), suppressions()) is None
    assert may_send_transactional(lead(), suppressions()) is None


def test_without_consent_no_marketing_but_transactional_mail_goes() -> None:
    assert may_send_marketing(lead(consent=False), suppressions()) == "no consent"
    assert may_send_transactional(lead(consent=False), suppressions()) is None


def test_a_withdrawal_says_withdrawn() -> None:
    withdrawn = with_consent(lead(), ConsentRecord(consent=False, source="email-link", at=NOW, ref="u-1"))
    assert withdrawn is not None
    assert may_send_marketing(withdrawn, suppressions()) == "withdrawn"


@pytest.mark.parametrize("reason", ["bounced", "complained"])
def test_hard_suppression_stops_every_mail_even_after_an_opt_in(reason: SuppressionReason) -> None:
    listed = suppressions(ada_at_example_com=reason)
    listed.suppress("ada@example.com", NOW - timedelta(days=1), reason)
    assert may_send_marketing(lead(), listed) == f"suppressed: {reason}"
    assert may_send_transactional(lead(), listed) == f"suppressed: {reason}"


def test_an_erased_address_is_never_mailed() -> None:
    listed = suppressions()
    listed.suppress("ada@example.com", NOW - timedelta(days=1), "erased")
    assert may_send_marketing(lead(), listed) == "erased"
    assert may_send_transactional(lead(), listed) == "erased"


def test_an_unsubscribe_outweighs_an_older_opt_in_but_not_a_newer_one() -> None:
    listed = suppressions()
    listed.suppress("ada@example.com", NOW, "unsubscribed")
    assert may_send_marketing(lead(at=NOW - timedelta(days=2)), listed) == "suppressed: unsubscribed"
    assert may_send_marketing(lead(at=NOW + timedelta(days=2)), listed) is None
    assert may_send_transactional(lead(at=NOW - timedelta(days=2)), listed) is None


def test_a_weaker_reason_never_replaces_a_stronger_one() -> None:
    listed = suppressions()
    listed.suppress("ada@example.com", NOW, "complained")
    listed.suppress("ada@example.com", NOW + timedelta(days=1), "unsubscribed")
    entry = listed.entry("ada@example.com")
    assert entry is not None and entry.reason == "complained"


def test_an_address_of_the_person_other_than_the_primary_counts() -> None:
    person = lead().model_copy(update={"emails": ["ada@example.com", "ada@home.example"]})
    listed = suppressions()
    listed.suppress("ada@home.example", NOW, "bounced")
    assert may_send_marketing(person, listed) == "suppressed: bounced"


def test_without_a_salt_nothing_is_suppressed_and_consent_decides() -> None:
    listed = SaltedSuppressions(InMemorySuppressionList(), lambda: None)
    assert listed.suppress("ada@example.com", NOW, "bounced") is False
    assert may_send_marketing(lead(), listed) is None


def test_the_ledger_keeps_every_decision_oldest_first_and_bounded() -> None:
    person = lead(consent=False)
    for day in range(MAX_LEDGER + 5):
        at = NOW + timedelta(days=day)
        record = ConsentRecord(consent=day % 2 == 0, source="api", at=at, ref=f"r-{day}")
        person = with_consent(person, record) or person
    assert len(person.consent_ledger) == MAX_LEDGER
    assert [r.at for r in person.consent_ledger] == sorted(r.at for r in person.consent_ledger)
    assert person.consent_ledger[-1] == person.consent_record


def test_a_form_opt_in_records_the_form_and_the_text_version() -> None:
    given = lead()
    assert given.consent_ledger == [given.consent_record]
    assert given.consent_record is not None
    assert (given.consent_record.form_id, given.consent_record.text_version) == ("newsletter", "2026-01")
