"""The layout's building blocks: the item type, index names and key prefixes, sortable times and expiry, and
numbers and JSON as DynamoDB stores them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Clamped, Context, Decimal, DecimalException, Inexact, Overflow, Rounded, Underflow
from typing import Any

from pydantic import TypeAdapter

Item = dict[str, Any]

BY_STAGE = "by_stage"  # leads table: gsi1pk "STAGE#<stage>", gsi1sk "<updated_at>#<lead_id>"
BY_OWNER = "by_owner"  # leads table: gsi2pk "OWNER#<rep_id>", gsi2sk "<assigned_at>#<lead_id>"
OUTBOX_BY_CREATED = "by_created"  # outbox table: gsi1pk "OUTBOX", gsi1sk "<created_at>#<notification_id>"
OUTBOX_PARTITION = "OUTBOX"
HISTORY_PREFIX = "HIST#"
DUPLICATE_PREFIX = "DUP#"
MERGE_PREFIX = "MERGE#"
PARKED_PREFIX = "PARKED#"  # leads table: pk "PARKED#<email_canonical>", sk "<activity event_id>"
BY_DUE = "by_due"  # leads table, sparse, keys only: gsi3pk "DUE#<job>#<shard>", gsi3sk "<due_at>#<lead_id>"
DUE_SHARDS = 8  # due entries spread over this many partitions, so one busy hour never makes a hot partition
SWEEP_JOB = "sweep"  # the due index's job for submissions: gsi3pk "DUE#sweep#<shard>", gsi3sk "<due_at>#<sub id>"
# Training examples, one per lead with an outcome: pk "OUTCOMES", sk "<closed_at>#<lead_id>". One partition is
# enough: deals close at a few per minute at most, far below a partition's write limit, and a trainer reads them all.
OUTCOMES_PARTITION = "OUTCOMES"
OUTCOME_POINTER = "OUTCOME"  # under the lead (pk "LEAD#<id>"): the sort key of its current example
KEY_ATTRIBUTES = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"})

# DynamoDB's number type: 38 significant digits, magnitude 1E-130 .. 9.9E+125 (the context boto3 serialises with).
_DYNAMO_NUMBERS = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])
_JSON_DICT: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])


TTL_ATTRIBUTE = "expires_at"  # the leads table's TimeToLiveSpecification attribute: epoch seconds
ENGAGEMENT_RECORD_DAYS = 90
PARKED_ACTIVITY_DAYS = 365


def expiry(at: datetime, days: int) -> int:
    """Epoch seconds `days` after `at`, when DynamoDB may delete the item (naive datetimes are taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return int((at + timedelta(days=days)).timestamp())


def time_key(at: datetime) -> str:
    """A datetime as a fixed-width UTC string, so that keys sort in time order (naive datetimes are taken as UTC).

    pydantic's ISO output drops zero microseconds and keeps offsets, which does not sort; keys never use it.
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def to_dynamo(value: Any) -> Any:
    """JSON-like data with every number as a Decimal DynamoDB accepts; ValueError for numbers it cannot hold."""
    if isinstance(value, bool) or value is None or isinstance(value, str | Decimal):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"DynamoDB cannot store the number {value!r}")
    if isinstance(value, int | float):
        try:
            # repr() is the shortest text that reads back as the same float, so 0.1 is stored as 0.1.
            return _DYNAMO_NUMBERS.create_decimal(repr(value) if isinstance(value, float) else value)
        except DecimalException as exc:
            raise ValueError(f"the number {value!r} is outside what DynamoDB can store") from exc
    if isinstance(value, Mapping):
        return {key: to_dynamo(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_dynamo(item) for item in value]
    raise TypeError(f"cannot store a {type(value).__name__} in DynamoDB")


def from_dynamo(value: Any) -> Any:
    """DynamoDB data with Decimals back as int (integral values) or float.

    DynamoDB keeps one number type and normalises 2.0 to 2, so a whole-valued float reads back as an int; JSON,
    which every leadflow number arrives as, cannot tell them apart either.
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {key: from_dynamo(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [from_dynamo(item) for item in value]
    return value


def normalise(value: Any) -> Any:
    """The value as it reads back from DynamoDB; the twins store this so they return exactly what DynamoDB would."""
    return from_dynamo(to_dynamo(value))


def without_keys(item: Mapping[str, Any]) -> Item:
    return {name: value for name, value in item.items() if name not in KEY_ATTRIBUTES}
