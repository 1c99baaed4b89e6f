"""The one-click unsubscribe link's token: which lead leaves which list, signed so nobody can unsubscribe someone
else by editing a URL, and expiring so a link found in an old mailbox years later stops working.

`<payload>.<signature>`, both base64url without padding: the payload is `v1|<lead id>|<list id>|<expiry, unix
seconds>`, the signature HMAC-SHA256 over the payload under a secret only the API knows. Every failure raises the
same InvalidToken message, so an answer never tells whether a lead exists or which part was wrong."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime

VERSION = "v1"
MAX_TOKEN_LENGTH = 512  # a lead id and a list id are short; anything longer is not ours
_MESSAGE = "the link is invalid or has expired"


class InvalidToken(ValueError):
    """A token that is malformed, not signed by us, or expired; the message never says which."""

    def __init__(self) -> None:
        super().__init__(_MESSAGE)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).digest()


def issue(lead_id: str, list_id: str, *, expires_at: datetime, secret: str) -> str:
    """A URL-safe token naming `lead_id` and `list_id`, valid until `expires_at` (timezone-aware)."""
    if not secret:
        raise ValueError("secret: an unsubscribe token needs a non-empty secret")
    if expires_at.tzinfo is None:
        raise ValueError("expires_at: must be timezone-aware")
    for name, value in (("lead_id", lead_id), ("list_id", list_id)):
        if not value or "|" in value:
            raise ValueError(f"{name}: must be non-empty and must not contain '|'")
    payload = f"{VERSION}|{lead_id}|{list_id}|{int(expires_at.timestamp())}".encode()
    return f"{_b64(payload)}.{_b64(_sign(payload, secret))}"


def verify(token: str, *, secret: str, now: datetime) -> tuple[str, str]:
    """(lead id, list id) of a token we signed that has not expired at `now`; InvalidToken otherwise."""
    if not secret or not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidToken
    encoded_payload, encoded_signature = token.split(".")
    try:
        payload = _unb64(encoded_payload)
        signature = _unb64(encoded_signature)
    except (binascii.Error, ValueError):
        raise InvalidToken from None
    # Constant-time: the time taken must not reveal how much of a forged signature was right.
    if not hmac.compare_digest(signature, _sign(payload, secret)):
        raise InvalidToken
    try:
        version, lead_id, list_id, expiry = payload.decode("utf-8").split("|")
        expires = int(expiry)
    except (UnicodeDecodeError, ValueError):
        raise InvalidToken from None
    if version != VERSION or not lead_id or not list_id or now.timestamp() >= expires:
        raise InvalidToken
    return lead_id, list_id
