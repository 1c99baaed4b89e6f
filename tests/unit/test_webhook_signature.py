"""Webhook signatures: only a holder of the provider's secret can sign a body, and only for five minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from leadflow.domain.webhook_signature import (
    MalformedSignature,
    MissingSignature,
    SignatureMismatch,
    StaleTimestamp,
    sign,
    signature,
    signed_headers,
    verify,
)

SECRET = "whsec-test-secret"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
BODY = b'{"event_id":"evt-1","type":"page_visit","email":"ada@example.com","occurred_at":"2026-03-02T09:29:00Z"}'


def signed_at(moment: datetime, body: bytes = BODY, secret: str = SECRET) -> tuple[str, str]:
    timestamp = int(moment.timestamp())
    return str(timestamp), sign(secret, timestamp, body)


def test_a_body_signed_with_the_secret_just_now_verifies() -> None:
    timestamp, header = signed_at(NOW - timedelta(seconds=3))

    assert verify(SECRET, timestamp, header, BODY, now=NOW) == NOW - timedelta(seconds=3)


def test_the_signature_is_hex_hmac_sha256_over_timestamp_dot_body() -> None:
    # What a sender's own tooling computes: printf '1772443800.{}' | openssl dgst -sha256 -hmac whsec-test-secret
    expected = "8193a470022678dfedd968a9425bb9081faa140e06fd1baed06d966c27a956af"

    assert signature(SECRET, 1772443800, b"{}") == expected
    assert sign(SECRET, 1772443800, b"{}") == f"v1={expected}"


def test_signed_headers_carry_the_timestamp_and_a_signature_that_verifies() -> None:
    headers = signed_headers(SECRET, BODY, NOW)

    assert headers["X-Leadflow-Timestamp"] == str(int(NOW.timestamp()))
    verify(SECRET, headers["X-Leadflow-Timestamp"], headers["X-Leadflow-Signature"], BODY, now=NOW)


@pytest.mark.parametrize("receiver_secret", ["old-secret", "new-secret"])
def test_during_rotation_a_body_signed_with_old_and_new_secrets_verifies_with_either(receiver_secret: str) -> None:
    timestamp = int(NOW.timestamp())
    header = sign("old-secret", timestamp, BODY, "new-secret")

    assert header.count("v1=") == 2
    verify(receiver_secret, str(timestamp), header, BODY, now=NOW)


def test_signatures_of_an_unknown_scheme_are_ignored_beside_a_valid_v1() -> None:
    timestamp, header = signed_at(NOW)

    verify(SECRET, timestamp, f"v0=abc, {header}", BODY, now=NOW)


def test_a_tampered_body_is_a_mismatch() -> None:
    timestamp, header = signed_at(NOW)

    with pytest.raises(SignatureMismatch):
        verify(SECRET, timestamp, header, BODY.replace(b"page_visit", b"demo_request"), now=NOW)


def test_a_body_signed_with_another_secret_is_a_mismatch() -> None:
    timestamp, header = signed_at(NOW, secret="someone-elses-secret")

    with pytest.raises(SignatureMismatch):
        verify(SECRET, timestamp, header, BODY, now=NOW)


def test_a_signature_moved_to_another_timestamp_is_a_mismatch() -> None:
    _, header = signed_at(NOW - timedelta(minutes=30))

    with pytest.raises(SignatureMismatch):
        verify(SECRET, str(int(NOW.timestamp())), header, BODY, now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "header"), [(None, "v1=" + "0" * 64), ("1772443800", None), ("", ""), (None, None)]
)
def test_missing_headers_are_refused(timestamp: str | None, header: str | None) -> None:
    with pytest.raises(MissingSignature):
        verify(SECRET, timestamp, header, BODY, now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "header"),
    [
        ("2026-03-02T09:30:00Z", "v1=" + "0" * 64),
        ("1772443800.5", "v1=" + "0" * 64),
        ("99999999999999", "v1=" + "0" * 64),
        ("1772443800", "sha256=" + "0" * 64),
        ("1772443800", "v1=not-hex"),
        ("1772443800", "0" * 64),
        ("1772443800", ",".join(["v1=" + "0" * 64] * 6)),
    ],
)
def test_malformed_headers_are_refused(timestamp: str, header: str) -> None:
    with pytest.raises(MalformedSignature):
        verify(SECRET, timestamp, header, BODY, now=NOW)


def test_a_request_signed_six_minutes_ago_is_stale() -> None:
    timestamp, header = signed_at(NOW - timedelta(minutes=6))

    with pytest.raises(StaleTimestamp, match="too old"):
        verify(SECRET, timestamp, header, BODY, now=NOW)


def test_a_request_signed_six_minutes_ahead_of_our_clock_is_refused() -> None:
    timestamp, header = signed_at(NOW + timedelta(minutes=6))

    with pytest.raises(StaleTimestamp, match="future"):
        verify(SECRET, timestamp, header, BODY, now=NOW)


def test_the_tolerance_window_is_inclusive_and_adjustable() -> None:
    timestamp, header = signed_at(NOW - timedelta(minutes=5))
    verify(SECRET, timestamp, header, BODY, now=NOW)

    with pytest.raises(StaleTimestamp):
        verify(SECRET, timestamp, header, BODY, now=NOW, tolerance=timedelta(minutes=1))
