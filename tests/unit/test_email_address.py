"""Email addresses a client sends: one spelling per mailbox (fullwidth forms fold to ASCII) and no lookalikes, so a
lookalike address neither splits a person nor makes a lookalike account."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from leadflow.domain.identity import canonical_email, email_domain
from leadflow.models.email_address import checked_email
from leadflow.models.engagement import EventsInvalid, parse_events
from leadflow.models.submission import SubmissionIn
from pydantic import ValidationError

FULLWIDTH_ADA = "\uff41\uff44\uff41\uff20\uff4e\uff4f\uff52\uff54\uff48\uff57\uff49\uff4e\uff44.example"
CYRILLIC_A = "\u0430"
PAYPAL_WITH_CYRILLIC_A = f"p{CYRILLIC_A}ypal.com"
APPLE_IN_CYRILLIC = "\u0430\u0440\u0440\u04cf\u0435.com"  # "apple.com" in Cyrillic letters


def test_a_fullwidth_address_has_the_canonical_email_of_its_ascii_spelling() -> None:
    assert canonical_email(FULLWIDTH_ADA) == canonical_email("ada@northwind.example") == "ada@northwind.example"


def test_a_fullwidth_domain_belongs_to_the_ascii_account() -> None:
    assert email_domain("ada@\uff4e\uff4f\uff52\uff54\uff48\uff57\uff49\uff4e\uff44.example") == "northwind.example"


def test_a_form_with_a_fullwidth_address_is_stored_with_its_ascii_spelling() -> None:
    submission = SubmissionIn.model_validate({"email": FULLWIDTH_ADA})

    assert submission.email == "ada@northwind.example"


@pytest.mark.parametrize(
    ("address", "why"),
    [
        (f"dana@{PAYPAL_WITH_CYRILLIC_A}", "mixes Cyrillic and Latin"),
        (f"j{CYRILLIC_A}ne@snowflake.com", "mixes Cyrillic and Latin"),
        (f"ceo@{APPLE_IN_CYRILLIC}", "imitate 'ceo@apple.com'"),
        ("ceo@g\u03bfogle.com", "mixes Greek and Latin"),  # a Greek omicron
    ],
)
def test_a_lookalike_address_is_refused_naming_why(address: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        checked_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "info@b\u00fccher.de",
        "\u0438\u0432\u0430\u043d@\u043f\u043e\u0447\u0442\u0430.\u0440\u0444",  # Russian, all Cyrillic
        "x@\u6771\u4eac\u3068\u3046\u304d\u3087\u3046.jp",  # Japanese: Han and Hiragana in one label
        "Ada Lovelace <ada@northwind.example>",
    ],
)
def test_genuine_international_addresses_stay_valid(address: str) -> None:
    assert checked_email(address) == address


def test_a_form_with_a_lookalike_domain_is_refused_naming_email() -> None:
    with pytest.raises(ValidationError) as refused:
        SubmissionIn.model_validate({"email": f"dana@{PAYPAL_WITH_CYRILLIC_A}"})

    assert [error["loc"] for error in refused.value.errors()] == [("email",)]


def test_an_engagement_event_for_a_lookalike_address_is_refused() -> None:
    event = {
        "event_id": "e1",
        "type": "page_visit",
        "email": f"ceo@{APPLE_IN_CYRILLIC}",
        "occurred_at": "2026-01-01T00:00:00Z",
    }
    with pytest.raises(EventsInvalid, match="imitate"):
        parse_events(event, now=datetime(2026, 1, 2, tzinfo=UTC))
