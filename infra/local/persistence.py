"""The local runtime's data folder as moto's state: every DynamoDB write and queued message journaled, replayed at
start, compacted at stop, and an erased person dropped from the files as soon as their erasure is done."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.sqs.models import sqs_backends

from infra.local.deployment import ACCOUNT_ID, REGION
from infra.local.journal import Journal, QueueJournal

LOCAL_SUPPRESSION_SALT = "local-suppression-salt"  # on AWS a SecureString parameter (SUPPRESSION_SALT_PARAMETER)


def dynamodb_backend() -> Any:
    return dynamodb_backends[ACCOUNT_ID][REGION]


class DataFolder:
    def __init__(self, folder: Path, leads_table: str) -> None:
        self._journal = Journal(folder)
        self._folder = folder
        self._leads_table = leads_table
        self.queue_journal: QueueJournal | None = None

    def restore_items(self) -> None:
        backend = dynamodb_backend()
        for table, item in self._journal.recorded_items():
            if table in backend.tables:
                backend.put_item(table, item)
        self._journal.compact(_all_items())

    def restore_queues(self) -> QueueJournal:
        """Send every message the queue journal kept to its queue again (dead letters above all), then compact."""
        self.queue_journal = QueueJournal(self._folder)
        backend = sqs_backends[ACCOUNT_ID][REGION]
        for queue, body, attributes in self.queue_journal.recorded_messages():
            if queue in backend.queues:
                backend.send_message(queue, body, message_attributes=attributes)
        self.queue_journal.compact(_all_messages())
        return self.queue_journal

    def record_write(self, table: str, item: dict[str, Any] | None, key: dict[str, Any]) -> None:
        """Journal a write; when an erasure is done, compact at once, so that no file keeps an erased person's old
        items (the journal holds every version written since the last compaction). Runs under the DynamoDB lock,
        so the snapshot is taken between two requests."""
        self._journal.record(table, item, key)
        if item is not None and _erasure_done(item):
            self._journal.compact(_all_items())
            self._forget_queued_messages_of(item)

    def close(self) -> None:
        if self.queue_journal is not None:
            self.queue_journal.compact(_all_messages())
            self.queue_journal.close()
        self._journal.compact(_all_items())
        self._journal.close()

    def _forget_queued_messages_of(self, erasure: dict[str, Any]) -> None:
        """Drop the queued messages about an erased person (a failed run in the dead-letter queue holds the whole
        submission) and compact the queue journal, so that no file keeps them. A message is theirs when it names one
        of their lead ids or carries an email whose salted hash is on the suppression list."""
        if self.queue_journal is None:
            return
        lead_ids = [str(value["S"]) for value in erasure.get("lead_ids", {}).get("L", [])]
        suppressed = self._suppressed_hashes()
        backend = sqs_backends[ACCOUNT_ID][REGION]
        dropped = 0
        for queue in backend.queues.values():
            for message in list(queue._messages):
                if _names_person(message.body, lead_ids, suppressed):
                    queue._messages.remove(message)
                    dropped += 1
        if dropped:
            self.queue_journal.compact(_all_messages())

    def _suppressed_hashes(self) -> set[str]:
        from leadflow.adapters.layout import SUPPRESSION_PREFIX

        table = dynamodb_backend().get_table(self._leads_table)
        found = set()
        for item in table.all_items():
            pk = str(item.to_json()["Attributes"]["pk"].get("S", ""))
            if pk.startswith(SUPPRESSION_PREFIX):
                found.add(pk.removeprefix(SUPPRESSION_PREFIX))
        return found


def _all_messages() -> list[tuple[str, str, str, dict[str, Any]]]:
    backend = sqs_backends[ACCOUNT_ID][REGION]
    return [
        (name, message.id, message.body, dict(message.message_attributes or {}))
        for name, queue in backend.queues.items()
        for message in list(queue._messages)
    ]


def _all_items() -> dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]:
    backend = dynamodb_backend()
    tables: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for name, table in backend.tables.items():
        key_names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        items = []
        for item in table.all_items():
            attrs = item.to_json()["Attributes"]
            items.append(({k: attrs[k] for k in key_names}, attrs))
        tables[name] = items
    return tables


def _names_person(body: str, lead_ids: list[str], suppressed: set[str]) -> bool:
    from leadflow.services.erasure import email_hash

    if any(lead_id in body for lead_id in lead_ids):
        return True
    salt = os.environ.get("LEADFLOW_SUPPRESSION_SALT", LOCAL_SUPPRESSION_SALT)
    try:
        document = json.loads(body)
    except ValueError:
        return False
    for email in _emails_in(document):
        try:
            if email_hash(email, salt) in suppressed:
                return True
        except ValueError:  # not an address: nobody's
            continue
    return False


def _emails_in(document: Any) -> list[str]:
    """Every string under an `email` key, at any depth (a submission, an engagement event, a lead)."""
    if isinstance(document, dict):
        found = [value for key, value in document.items() if key == "email" and isinstance(value, str)]
        return found + [email for value in document.values() for email in _emails_in(value)]
    if isinstance(document, list):
        return [email for value in document for email in _emails_in(value)]
    return []


def _erasure_done(item: dict[str, Any]) -> bool:
    from leadflow.adapters.layout import ERASURE_PREFIX

    pk, status = item.get("pk", {}).get("S", ""), item.get("status", {}).get("S")
    return isinstance(pk, str) and pk.startswith(ERASURE_PREFIX) and status == "done"
