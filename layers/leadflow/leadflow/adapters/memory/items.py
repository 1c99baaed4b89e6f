"""A twin table's items by key, kept as JSON text (nothing shared with the caller), under one lock."""

from __future__ import annotations

import json
import threading

from leadflow.adapters import layout


class Items:
    """A table's items by (pk, sk), as JSON text. Callers hold `lock` around every read-check-write."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._items: dict[tuple[str, str], str] = {}

    def get(self, key: layout.Item) -> layout.Item | None:
        text = self._items.get((key["pk"], key["sk"]))
        return json.loads(text) if text is not None else None

    def exists(self, key: layout.Item) -> bool:
        return (key["pk"], key["sk"]) in self._items

    def put(self, item: layout.Item) -> None:
        self._items[(item["pk"], item["sk"])] = json.dumps(item)

    def delete(self, key: layout.Item) -> None:
        self._items.pop((key["pk"], key["sk"]), None)

    def all(self) -> list[layout.Item]:
        return [json.loads(text) for text in self._items.values()]
