"""The in-memory twin of the match index (blocking keys and possible-duplicate links on the leads table)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from leadflow.adapters import layout
from leadflow.adapters.memory.items import Items
from leadflow.ports import (
    DuplicateLink,
    IndexedRecord,
)


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
