"""The in-memory twin of the outbox table."""

from __future__ import annotations

from datetime import datetime

from leadflow.adapters import layout
from leadflow.adapters.memory.items import Items
from leadflow.ports import (
    SETTLED,
    DeliveryStatus,
    Notification,
    OutboxEntry,
)


class InMemoryOutbox:
    def __init__(self) -> None:
        self._table = Items()

    def queue(self, notification: Notification) -> bool:
        item = layout.notification_item(notification)
        with self._table.lock:
            if self._table.exists(item):
                return False
            self._table.put(item)
        return True

    def recent(self, limit: int = 50) -> list[Notification]:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        with self._table.lock:  # the by_created index's OUTBOX partition: notifications, not the mail log's items
            items = [item for item in self._table.all() if item.get("gsi1pk") == layout.OUTBOX_PARTITION]
        items.sort(key=lambda item: item["gsi1sk"], reverse=True)
        return [layout.notification_from_item(item) for item in items[:limit]]

    def get(self, rep_id: str, notification_id: str) -> OutboxEntry | None:
        with self._table.lock:
            item = self._table.get(layout.notification_key(rep_id, notification_id))
        return layout.outbox_entry_from_item(item) if item else None

    def claim(self, rep_id: str, notification_id: str, *, token: str, at: datetime, stale_before: datetime) -> bool:
        with self._table.lock:
            item = self._table.get(layout.notification_key(rep_id, notification_id))
            if item is None:
                return False
            status = item.get(layout.DELIVERY_STATUS)
            stale = status == "sending" and item[layout.CLAIMED_AT] < layout.time_key(stale_before)
            if status not in (None, "retrying") and not stale:
                return False
            item.update(
                {layout.DELIVERY_STATUS: "sending", layout.CLAIMED_BY: token, layout.CLAIMED_AT: layout.time_key(at)}
            )
            self._table.put(item)
        return True

    def record_sent(self, rep_id: str, notification_id: str, channel: str) -> None:
        with self._table.lock:
            item = self._existing(rep_id, notification_id)
            item[layout.DELIVERED_VIA] = sorted({*item.get(layout.DELIVERED_VIA, []), channel})
            self._table.put(item)

    def record_attempt(
        self, rep_id: str, notification_id: str, *, status: DeliveryStatus, at: datetime, error: str | None
    ) -> None:
        with self._table.lock:
            item = self._existing(rep_id, notification_id)
            item[layout.DELIVERY_STATUS] = status
            item.pop(layout.CLAIMED_BY, None)
            item.pop(layout.CLAIMED_AT, None)
            item[layout.DELIVERY_ATTEMPTS] = item.get(layout.DELIVERY_ATTEMPTS, 0) + 1
            if error is None:
                item.pop(layout.LAST_ERROR, None)
            else:
                item[layout.LAST_ERROR] = error[: layout.MAX_ERROR_CHARS]
            if status in SETTLED:
                item[layout.DELIVERED_AT] = layout.time_key(at)
            self._table.put(item)

    def _existing(self, rep_id: str, notification_id: str) -> layout.Item:
        item = self._table.get(layout.notification_key(rep_id, notification_id))
        if item is None:
            raise LookupError(f"notification {notification_id} of {rep_id} was never queued")
        return item
