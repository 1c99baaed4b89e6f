"""Identifiers: ones that sort by creation time, so the newest submissions and leads list first without an extra
index; and the id of the intake's idempotency record, which the intake route and erasure must agree on."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime

# Powertools' idempotency records of POST /v1/leads are "<prefix>#<md5 of the JSON of the Idempotency-Key>": a fixed
# prefix (not the function's name, which Powertools uses by default) lets another function find and delete them.
INTAKE_IDEMPOTENCY_PREFIX = "leadflow-intake"

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase: no i, l, o, u


def _encode(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, rem = divmod(number, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str, at: datetime) -> str:
    """`prefix_` + 10 chars of milliseconds + 16 random chars (a ULID in lowercase Crockford base32)."""
    millis = int(at.timestamp() * 1000)
    return f"{prefix}_{_encode(millis, 10)}{_encode(secrets.randbits(80), 16)}"


def idempotency_record_id(idempotency_key: str) -> str:
    """The id Powertools gives the intake's record of an Idempotency-Key (its default md5 over the key as JSON)."""
    digest = hashlib.md5(json.dumps(idempotency_key, sort_keys=True).encode(), usedforsecurity=False).hexdigest()
    return f"{INTAKE_IDEMPOTENCY_PREFIX}#{digest}"
