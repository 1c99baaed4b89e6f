"""Which values survive when one person's records come together: the primary email's rank, firmographics that are
never lowered, and the newest consent decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from leadflow.domain.consent import with_consent
from leadflow.domain.survivorship import email_rank, kept_firmographics, prefers_email, with_addresses
from leadflow.models.lead import ConsentRecord, Firmographics

from tests.unit.conftest import NOW, company_lead


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        ("priya.raman@adyen.com", "priya.raman@gmail.com"),
        ("priya.raman@adyen.com", "priya.raman+webinar@adyen.com"),
        ("priya.raman+webinar@adyen.com", "priya.raman@gmail.com"),
        ("priya.raman@gmail.com", "priya.raman+news@gmail.com"),
        ("priya.raman@adyen.com", "priya@mailinator.com"),
        ("priya.raman@adyen.com", "priya@gmial.com"),
        ("Priya Raman <priya.raman@adyen.com>", "priya.raman@hotmail.com"),
    ],
)
def test_a_work_address_outranks_a_personal_one_and_a_plain_one_a_plus_tagged_one(better: str, worse: str) -> None:
    assert email_rank(better) < email_rank(worse)
    assert prefers_email(better, worse, candidate_is_newer=False)
    assert not prefers_email(worse, better, candidate_is_newer=True)


def test_among_equally_good_addresses_the_newer_one_wins() -> None:
    assert prefers_email("p.raman@adyen.com", "priya.raman@adyen.com", candidate_is_newer=True)
    assert not prefers_email("p.raman@adyen.com", "priya.raman@adyen.com", candidate_is_newer=False)


def test_every_address_is_kept_once_in_the_order_first_seen() -> None:
    assert with_addresses(["Priya@Adyen.com"], "priya@adyen.com", "Priya <p@gmail.com>") == [
        "Priya@Adyen.com",
        "p@gmail.com",
    ]


KNOWN = Firmographics(domain="adyen.com", company_name="Adyen", known=True)
UNKNOWN = Firmographics(domain="adyen-labs.example")
FREE = Firmographics(domain="gmail.com", free_mail=True)


@pytest.mark.parametrize(
    ("current", "candidate", "kept"),
    [
        (KNOWN, FREE, KNOWN),
        (KNOWN, UNKNOWN, KNOWN),
        (UNKNOWN, FREE, UNKNOWN),
        (FREE, UNKNOWN, UNKNOWN),
        (UNKNOWN, KNOWN, KNOWN),
        (None, FREE, FREE),
        (KNOWN, KNOWN.model_copy(update={"employees": 4000}), KNOWN.model_copy(update={"employees": 4000})),
    ],
)
def test_firmographics_are_only_replaced_by_a_record_at_least_as_good(
    current: Firmographics | None, candidate: Firmographics, kept: Firmographics
) -> None:
    assert kept_firmographics(current, candidate) == kept


def test_only_a_newer_consent_decision_replaces_the_one_on_record() -> None:
    given = ConsentRecord(consent=True, source="form:newsletter", at=NOW, ref="sub-1")
    lead = company_lead(consent=True, consent_record=given)
    older = ConsentRecord(consent=False, source="unsubscribe:esp", at=NOW - timedelta(days=1), ref="esp:u-1")
    newer = older.model_copy(update={"at": NOW + timedelta(days=1)})

    withdrawn = with_consent(lead, newer)

    assert with_consent(lead, older) is None
    assert withdrawn is not None and (withdrawn.consent, withdrawn.consent_record) == (False, newer)
    assert with_consent(withdrawn, newer) is None  # the same decision again: a retry
