"""The possible duplicates waiting for a person, as one listing on the leads table's by_stage index: one of each
pair's two link items (the one under the lead with the smaller id, so a pair linked again from its other side is
still listed once) also carries gsi1pk "DUPLICATES" and gsi1sk "<found_at>#<lead_id>#<other_id>". Listing the queue
is then a Query, oldest first, whatever the table's size; merging, dismissing or erasing deletes the link items and
with them the entry. Links recorded before the listing existed carry no entry and stay reachable from their leads."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from leadflow.adapters.layout.keys import duplicate_key
from leadflow.adapters.layout.values import Item, time_key
from leadflow.ports import DuplicateLink

QUEUE_PARTITION = "DUPLICATES"  # by_stage's partitions are otherwise "STAGE#<stage>"


def queue_entry(link: DuplicateLink) -> Item:
    """The by_stage attributes of the pair's listed item (the one `listed_side` names)."""
    first, second = sorted((link.lead_id, link.other_id))
    return {"gsi1pk": QUEUE_PARTITION, "gsi1sk": f"{time_key(link.found_at)}#{first}#{second}"}


def listed_side(link: DuplicateLink) -> tuple[str, str]:
    """(lead_id, other_id) of the link item that carries the pair's queue entry."""
    first, second = sorted((link.lead_id, link.other_id))
    return first, second


def encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, Item]:
    """(the queue sort key a cursor names, the Query's exclusive start key); ValueError("invalid cursor") for
    anything not handed out here."""
    try:
        sort_key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        at, lead_id, other_id = sort_key.split("#")
        datetime.fromisoformat(at.removesuffix("Z"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("invalid cursor") from exc
    if not lead_id or not other_id:
        raise ValueError("invalid cursor")
    start = {**duplicate_key(lead_id, other_id), "gsi1pk": QUEUE_PARTITION, "gsi1sk": sort_key}
    return sort_key, start
