"""The in-memory twin of the match index (blocking keys and possible-duplicate links on the leads table)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from leadflow.adapters import layout
from leadflow.adapters.layout import duplicate_queue
from leadflow.adapters.memory.items import Items
from leadflow.ports import (
    DuplicateLink,
    IndexedRecord,
)
from leadflow.ports.matching import MAX_DUPLICATE_PAGE, DuplicatePage


class InMemoryMatchIndex:
    """Twin of DynamoMatchIndex: the same items, with a Query's per-key limit in sort-key order."""

    def __init__(self) -> None:
        self._table = Items()

    def candidates(self, keys: Sequence[str], per_key: int) -> list[IndexedRecord]:
        found: dict[str, IndexedRecord] = {}
        with self._table.lock:
            items = self._table.all()
        for key in dict.fromkeys(keys):
            pk = layout.block_key(key, "")["pk"]
            for item in sorted((i for i in items if i["pk"] == pk), key=lambda i: i["sk"])[:per_key]:
                record = layout.indexed_record_from_item(item)
                found.setdefault(record.lead_id, record)
        return list(found.values())

    def file(self, lead_id: str, keys: Sequence[str], record: dict[str, Any], previous_keys: Sequence[str]) -> None:
        with self._table.lock:
            for key in dict.fromkeys(keys):
                self._table.put(layout.block_item(key, lead_id, record))
            for key in dict.fromkeys(previous_keys):
                if key not in keys:
                    self._table.delete(layout.block_key(key, lead_id))

    def unfile(self, lead_id: str, keys: Sequence[str]) -> None:
        with self._table.lock:
            for key in dict.fromkeys(keys):
                self._table.delete(layout.block_key(key, lead_id))

    def link_possible_duplicate(self, link: DuplicateLink) -> None:
        with self._table.lock:
            for item in layout.duplicate_items(link):
                self._table.put(item)

    def possible_duplicates(self, lead_id: str) -> list[DuplicateLink]:
        pk = layout.lead_key(lead_id)["pk"]
        with self._table.lock:
            items = [i for i in self._table.all() if i["pk"] == pk and i["sk"].startswith(layout.DUPLICATE_PREFIX)]
        return [layout.duplicate_from_item(item) for item in sorted(items, key=lambda i: i["sk"])]

    def remove_possible_duplicate(self, lead_id: str, other_id: str) -> None:
        with self._table.lock:
            self._table.delete(layout.duplicate_key(lead_id, other_id))
            self._table.delete(layout.duplicate_key(other_id, lead_id))

    def pending_duplicates(self, limit: int, cursor: str | None) -> DuplicatePage:
        if not 1 <= limit <= MAX_DUPLICATE_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_DUPLICATE_PAGE}, got {limit}")
        after = duplicate_queue.decode_cursor(cursor)[0] if cursor is not None else ""
        with self._table.lock:
            listed = [i for i in self._table.all() if i.get("gsi1pk") == duplicate_queue.QUEUE_PARTITION]
        queue = sorted((i for i in listed if i["gsi1sk"] > after), key=lambda i: str(i["gsi1sk"]))
        page = queue[:limit]
        # As DynamoDB's Query with a Limit: a full page names its last item, even when nothing follows it.
        next_cursor = duplicate_queue.encode_cursor(str(page[-1]["gsi1sk"])) if len(page) == limit else None
        return DuplicatePage(links=[layout.duplicate_from_item(item) for item in page], cursor=next_cursor)
