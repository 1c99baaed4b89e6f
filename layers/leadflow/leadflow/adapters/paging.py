"""How lead listings page through the by_stage and by_owner indexes, and what the opaque cursor holds.

Both lead stores run this one algorithm over their own `IndexQuery`, so pages cannot differ between them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from leadflow.adapters.layout import BY_OWNER, BY_STAGE, Item, owner_partition, stage_partition
from leadflow.models.lead import Stage

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class IndexRange:
    """One partition of a lead index, read newest first."""

    index: str
    partition_attribute: str
    sort_attribute: str
    partition: str

    @property
    def start_key_attributes(self) -> frozenset[str]:
        return frozenset({"pk", "sk", self.partition_attribute, self.sort_attribute})


# (range, at most this many items to evaluate, exclusive start key, stage filter) -> (matches, last evaluated key)
StartKey = dict[str, str]
IndexQuery = Callable[[IndexRange, int, StartKey | None, Stage | None], tuple[list[Item], StartKey | None]]


def _by_stage(stage: Stage) -> IndexRange:
    return IndexRange(BY_STAGE, "gsi1pk", "gsi1sk", stage_partition(stage.value))


def _plan(stage: Stage | None, owner_id: str | None) -> tuple[str, list[IndexRange], Stage | None]:
    """Which index partitions to read, in order, and what to filter: (mode, ranges, stage filter)."""
    if owner_id is not None:
        return "owner", [IndexRange(BY_OWNER, "gsi2pk", "gsi2sk", owner_partition(owner_id))], stage
    if stage is not None:
        return "stage", [_by_stage(stage)], None
    # No filter: every stage in the order Stage declares it, each newest first. A Scan would read the whole table.
    return "all", [_by_stage(each) for each in Stage], None


def list_page(
    query: IndexQuery, *, stage: Stage | None, owner_id: str | None, limit: int, cursor: str | None
) -> tuple[list[Item], str | None]:
    """Up to `limit` items from where `cursor` left off, and the cursor for the rest (None when nothing is left)."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
    mode, ranges, stage_filter = _plan(stage, owner_id)
    position, start = decode_cursor(cursor, mode, ranges) if cursor else (0, None)
    items: list[Item] = []
    while position < len(ranges) and len(items) < limit:
        # Ask for no more than is missing, so the page never reads past what it returns and the cursor loses nothing.
        found, last_key = query(ranges[position], limit - len(items), start, stage_filter)
        items.extend(found)
        if last_key is None:
            position, start = position + 1, None
        else:
            start = last_key
    if position >= len(ranges):
        return items, None
    return items, encode_cursor(mode, position, start)


def encode_cursor(mode: str, position: int, start: dict[str, str] | None) -> str:
    raw = json.dumps({"m": mode, "p": position, "k": start}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, mode: str, ranges: list[IndexRange]) -> tuple[int, dict[str, str] | None]:
    """The position a cursor names; ValueError("invalid cursor") for anything this listing did not hand out.

    The start key goes to DynamoDB as ExclusiveStartKey, so it is checked here: a forged or mismatched key must be a
    client error, not a service error (moto even crashes on one).
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded: Any = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("invalid cursor") from exc
    if not isinstance(decoded, dict) or decoded.keys() != {"m", "p", "k"} or decoded["m"] != mode:
        raise ValueError("invalid cursor")
    position, start = decoded["p"], decoded["k"]
    if type(position) is not int or not 0 <= position < len(ranges):
        raise ValueError("invalid cursor")
    if start is None:
        return position, None
    expected = ranges[position]
    if (
        not isinstance(start, dict)
        or start.keys() != expected.start_key_attributes
        or not all(isinstance(value, str) for value in start.values())
        or start[expected.partition_attribute] != expected.partition
    ):
        raise ValueError("invalid cursor")
    return position, start
