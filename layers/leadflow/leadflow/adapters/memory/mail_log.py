"""The in-memory twin of the mail log: the same items on the same store as the outbox twin it is given (DynamoDB
keeps both on the outbox table, and erasure finds a person's messages there)."""

from __future__ import annotations

from datetime import datetime

from leadflow.adapters import layout
from leadflow.adapters.memory.items import Items
from leadflow.ports import EmailMessage


class InMemoryMailLog:
    def __init__(self, table: Items | None = None) -> None:
        self._table = table if table is not None else Items()

    def record(self, message: EmailMessage) -> bool:
        item = layout.mail_item(message)
        with self._table.lock:
            if self._table.exists(item):
                return False
            self._table.put(item)
            return True

    def _messages(self) -> list[EmailMessage]:
        with self._table.lock:
            items = [i for i in self._table.all() if str(i["pk"]).startswith(layout.mail_partition(""))]
        return [layout.message_from_item(item) for item in items]

    def sent_to(self, lead_id: str, since: datetime) -> list[EmailMessage]:
        found = [m for m in self._messages() if m.lead_id == lead_id and m.created_at >= since]
        return sorted(found, key=lambda m: (m.created_at, m.message_id), reverse=True)

    def recent(self, limit: int = 50) -> list[EmailMessage]:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        return sorted(self._messages(), key=lambda m: (m.created_at, m.message_id), reverse=True)[:limit]
