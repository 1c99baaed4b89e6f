"""The in-memory twin of the mail log."""

from __future__ import annotations

import threading
from datetime import datetime

from leadflow.ports import EmailMessage


class InMemoryMailLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: dict[str, EmailMessage] = {}

    def record(self, message: EmailMessage) -> bool:
        with self._lock:
            if message.message_id in self._messages:
                return False
            self._messages[message.message_id] = message
            return True

    def sent_to(self, lead_id: str, since: datetime) -> list[EmailMessage]:
        with self._lock:
            found = [m for m in self._messages.values() if m.lead_id == lead_id and m.created_at >= since]
        return sorted(found, key=lambda m: (m.created_at, m.message_id), reverse=True)

    def recent(self, limit: int = 50) -> list[EmailMessage]:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        with self._lock:
            found = sorted(self._messages.values(), key=lambda m: (m.created_at, m.message_id), reverse=True)
        return found[:limit]
