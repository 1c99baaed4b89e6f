"""In-memory twins of the erasure adapters (adapters.dynamodb_erasure), over the twins' own items: the lead store
and the match index share the leads table in DynamoDB, so the twin looks into both."""

from __future__ import annotations

import threading
from datetime import datetime

from leadflow.adapters import layout
from leadflow.adapters.memory import InMemoryLeadStore, InMemoryMatchIndex, InMemoryOutbox
from leadflow.adapters.memory.items import Items
from leadflow.adapters.personal_items import key_of, person_items
from leadflow.ids import idempotency_record_id
from leadflow.ports import AuditEntry, ErasureRecord, Footprint, PersonalItem, Suppression, SuppressionReason
from leadflow.ports.erasure import SUPPRESSION_STRENGTH


class InMemoryIdempotencyTable:
    """Powertools' idempotency records by id (the intake's, for erasure tests)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: dict[str, layout.Item] = {}

    def put(self, idempotency_key: str, data: str) -> None:
        with self.lock:
            record_id = idempotency_record_id(idempotency_key)
            self.records[record_id] = {"id": record_id, "data": data}


class InMemoryPersonalDataStore:
    """`fail_after`: raise after this many deletions (tests of an erase interrupted half-way), then work again."""

    def __init__(
        self,
        store: InMemoryLeadStore,
        index: InMemoryMatchIndex,
        outbox: InMemoryOutbox,
        idempotency: InMemoryIdempotencyTable | None = None,
    ) -> None:
        self._leads: list[Items] = [store._table, index._table]
        self._outbox = outbox._table
        self._idempotency = idempotency or InMemoryIdempotencyTable()
        self.fail_after: int | None = None
        self.deleted = 0

    def items_of_person(self, footprint: Footprint) -> list[PersonalItem]:
        return person_items(footprint, self._get, self._query)

    def delete(self, item: PersonalItem) -> None:
        if self.fail_after is not None and self.deleted >= self.fail_after:
            self.fail_after = None
            raise ConnectionError(f"injected failure after {self.deleted} deletions")
        key = key_of(item)
        if item.table == "idempotency":
            with self._idempotency.lock:
                self._idempotency.records.pop(key["id"], None)
        else:
            for items in self._leads if item.table == "leads" else [self._outbox]:
                with items.lock:
                    items.delete(key)
        self.deleted += 1

    def erasure(self, lead_id: str) -> ErasureRecord | None:
        with self._leads[0].lock:
            item = self._leads[0].get(layout.erasure_key(lead_id))
        return layout.erasure_from_item(item) if item else None

    def start_erasure(self, record: ErasureRecord) -> bool:
        item = layout.normalise(layout.erasure_item(record))
        with self._leads[0].lock:
            if self._leads[0].exists(item):
                return False
            self._leads[0].put(item)
        return True

    def put_erasure(self, record: ErasureRecord) -> None:
        with self._leads[0].lock:
            self._leads[0].put(layout.normalise(layout.erasure_item(record)))

    def _get(self, table: str, key: layout.Item) -> layout.Item | None:
        if table == "idempotency":
            with self._idempotency.lock:
                return self._idempotency.records.get(key["id"])
        for items in self._leads if table == "leads" else [self._outbox]:
            with items.lock:
                found = items.get(key)
            if found is not None:
                return found
        return None

    def _query(self, table: str, partition: str) -> list[layout.Item]:
        found: list[layout.Item] = []
        for items in self._leads if table == "leads" else [self._outbox]:
            with items.lock:
                found += [item for item in items.all() if item["pk"] == partition]
        return sorted(found, key=lambda item: item["sk"])


class InMemorySuppressionList:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.hashes: dict[str, str] = {}
        self.entries: dict[str, Suppression] = {}

    def suppress(self, email_hash: str, at: datetime, reason: SuppressionReason = "erased") -> None:
        with self._lock:
            kept = self.entries.get(email_hash)
            if (
                kept is not None
                and reason != "erased"
                and SUPPRESSION_STRENGTH[kept.reason] > SUPPRESSION_STRENGTH[reason]
            ):
                return
            self.hashes[email_hash] = layout.time_key(at)
            self.entries[email_hash] = Suppression(reason=reason, at=at)

    def is_suppressed(self, email_hash: str) -> bool:
        with self._lock:
            return email_hash in self.hashes

    def entry(self, email_hash: str) -> Suppression | None:
        with self._lock:
            return self.entries.get(email_hash)


class InMemoryAuditLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.entries: list[AuditEntry] = []

    def record(self, entry: AuditEntry) -> None:
        with self._lock:
            self.entries.append(entry)
