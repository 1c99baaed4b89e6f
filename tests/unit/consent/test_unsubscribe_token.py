"""The one-click unsubscribe token: only links we signed, for the lead and list they name, until they expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from leadflow.domain.unsubscribe_token import InvalidToken, issue, verify

SECRET = "s3cret-for-tests"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EXPIRES = NOW + timedelta(days=365)


def test_a_token_names_its_lead_and_list_and_is_url_safe() -> None:
    token = issue("lead-ada", "marketing", expires_at=EXPIRES, secret=SECRET)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert verify(token, secret=SECRET, now=NOW) == ("lead-ada", "marketing")


def test_an_expired_token_is_refused() -> None:
    token = issue("lead-ada", "marketing", expires_at=EXPIRES, secret=SECRET)
    with pytest.raises(InvalidToken):
        verify(token, secret=SECRET, now=EXPIRES)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = issue("lead-ada", "marketing", expires_at=EXPIRES, secret="another")
    with pytest.raises(InvalidToken):
        verify(token, secret=SECRET, now=NOW)


def test_a_token_edited_to_name_another_lead_is_refused() -> None:
    import base64

    token = issue("lead-ada", "marketing", expires_at=EXPIRES, secret=SECRET)
    _, signature = token.split(".")
    forged = base64.urlsafe_b64encode(f"v1|lead-bob|marketing|{int(EXPIRES.timestamp())}".encode()).decode()
    with pytest.raises(InvalidToken):
        verify(f"{forged.rstrip('=')}.{signature}", secret=SECRET, now=NOW)


@pytest.mark.parametrize("token", ["", "nodot", "a.b.c", "!!!.???", "x" * 600, "YQ.YQ", "djF8.djF8"])
def test_malformed_tokens_are_refused_with_the_same_message(token: str) -> None:
    with pytest.raises(InvalidToken) as refused:
        verify(token, secret=SECRET, now=NOW)
    assert str(refused.value) == "the link is invalid or has expired"


def test_the_refusal_never_names_the_lead() -> None:
    token = issue("lead-ada", "marketing", expires_at=NOW - timedelta(seconds=1), secret=SECRET)
    with pytest.raises(InvalidToken) as refused:
        verify(token, secret=SECRET, now=NOW)
    assert "lead-ada" not in str(refused.value)


def test_issuing_refuses_a_separator_in_an_id() -> None:
    with pytest.raises(ValueError, match="lead_id"):
        issue("lead|x", "marketing", expires_at=EXPIRES, secret=SECRET)
