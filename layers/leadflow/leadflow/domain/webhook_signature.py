"""Webhook signatures: whether a request body really comes from a provider holding the shared secret, and recently.

A sender signs `f"{timestamp}.{body}"` with HMAC-SHA256 and sends

    X-Leadflow-Timestamp: <unix seconds>
    X-Leadflow-Signature: v1=<hex digest>[,v1=<hex digest>...]

Several `v1=` values let a sender sign with the old and the new secret while a secret is rotated. The timestamp is
inside the signed text, so a captured request cannot be replayed once it leaves the tolerance window.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

TIMESTAMP_HEADER = "X-Leadflow-Timestamp"
SIGNATURE_HEADER = "X-Leadflow-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE = timedelta(minutes=5)
MAX_SIGNATURES = 5  # more than rotation needs; bounds the work an unauthenticated request can cause

_TIMESTAMP = re.compile(r"[0-9]{1,10}")  # up to the year 2286: fits a datetime
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


class SignatureRejected(Exception):
    """The request is not authenticated; the message says why, without revealing anything about the secret."""


class MissingSignature(SignatureRejected):
    """A signature or timestamp header is absent."""


class MalformedSignature(SignatureRejected):
    """A header is present but not in the expected form."""


class SignatureMismatch(SignatureRejected):
    """No signature in the header matches the body and timestamp under the provider's secret."""


class StaleTimestamp(SignatureRejected):
    """The signature is valid, but its timestamp is outside the tolerance window (a replay, or a skewed clock)."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `{timestamp}.{body}` under `secret`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes, *more_secrets: str) -> str:
    """The `X-Leadflow-Signature` value: `v1=<hex>`, one per secret (the old and new one while rotating)."""
    return ",".join(f"{SCHEME}={signature(key, timestamp, body)}" for key in (secret, *more_secrets))


def signed_headers(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    """Both headers a sender adds to a request with `body`, signed at `now`."""
    timestamp = int(now.timestamp())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def _candidates(signature_header: str) -> list[str]:
    """The `v1=` digests of a header; entries of other schemes are ignored so that a new scheme can be phased in."""
    entries = [entry.strip() for entry in signature_header.split(",") if entry.strip()]
    if len(entries) > MAX_SIGNATURES:
        raise MalformedSignature(f"{SIGNATURE_HEADER}: at most {MAX_SIGNATURES} signatures, got {len(entries)}")
    digests = []
    for entry in entries:
        scheme, equals, value = entry.partition("=")
        if not equals:
            raise MalformedSignature(f"{SIGNATURE_HEADER}: expected `{SCHEME}=<hex HMAC-SHA256>` entries")
        if scheme.strip() != SCHEME:
            continue
        if not _HEX_DIGEST.fullmatch(value.strip()):
            raise MalformedSignature(f"{SIGNATURE_HEADER}: a {SCHEME} signature is 64 hexadecimal characters")
        digests.append(value.strip().lower())
    if not digests:
        raise MalformedSignature(f"{SIGNATURE_HEADER}: no `{SCHEME}=` signature")
    return digests


def verify(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> datetime:
    """Check a request's signature; return the signing time, or raise a SignatureRejected subclass saying why.

    The signature is checked before the timestamp, so only a holder of the secret learns that its clock is off.
    """
    if not timestamp_header:
        raise MissingSignature(f"{TIMESTAMP_HEADER}: required (unix seconds)")
    if not signature_header:
        raise MissingSignature(f"{SIGNATURE_HEADER}: required (`{SCHEME}=<hex HMAC-SHA256>`)")
    if not _TIMESTAMP.fullmatch(timestamp_header.strip()):
        raise MalformedSignature(f"{TIMESTAMP_HEADER}: expected unix seconds, such as 1767225600")
    timestamp = int(timestamp_header.strip())
    expected = signature(secret, timestamp, body)
    # compare_digest takes the same time wherever the strings differ; every candidate is compared, so the time
    # taken does not say which one matched either.
    matches = [hmac.compare_digest(expected, candidate) for candidate in _candidates(signature_header)]
    if not any(matches):
        raise SignatureMismatch(f"{SIGNATURE_HEADER}: no signature matches the body and timestamp")
    signed_at = datetime.fromtimestamp(timestamp, UTC)
    if abs(now - signed_at) > tolerance:
        direction = "old" if signed_at < now else "far in the future"
        raise StaleTimestamp(
            f"{TIMESTAMP_HEADER}: {timestamp} is too {direction}; requests must be signed within "
            f"{int(tolerance.total_seconds())} seconds of the receiver's clock"
        )
    return signed_at
