"""The in-memory twin of the leads table's LeadStore."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from leadflow.adapters import layout
from leadflow.adapters.memory.items import Items
from leadflow.adapters.paging import IndexRange, StartKey, list_page
from leadflow.models.account import Account
from leadflow.models.lead import Activity, HistoryEntry, Lead, Outcome, Stage
from leadflow.models.merge import MergeRecord
from leadflow.models.submission import StoredSubmission, SubmissionStatus
from leadflow.ports import (
    OutcomePage,
    Page,
)


class InMemoryLeadStore:
    def __init__(self) -> None:
        self._table = Items()

    def put_submission(self, submission: StoredSubmission) -> bool:
        item = layout.submission_item(submission)
        with self._table.lock:
            if self._table.exists(item):
                return False
            self._table.put(item)
        return True

    def get_submission(self, submission_id: str) -> StoredSubmission | None:
        with self._table.lock:
            item = self._table.get(layout.submission_key(submission_id))
        return layout.submission_from_item(item) if item else None

    def mark_submission(
        self,
        submission_id: str,
        status: SubmissionStatus,
        *,
        lead_id: str | None = None,
        error: str | None = None,
        sweep_at: datetime | None = None,
    ) -> None:
        with self._table.lock:
            item = self._table.get(layout.submission_key(submission_id))
            if item is None:
                raise LookupError(f"no submission {submission_id!r} to mark {status.value}")
            item["status"] = status.value
            if lead_id is not None:
                item["lead_id"] = lead_id
            if error is not None:
                item["error"] = error
            if status is not SubmissionStatus.RECEIVED:
                for name in layout.SUBMISSION_DUE_ATTRIBUTES:
                    item.pop(name, None)
            elif sweep_at is not None:
                due = {**layout.submission_due_keys(submission_id, sweep_at), "due_at": sweep_at.isoformat()}
                for name, value in due.items():
                    item.setdefault(name, value)
            self._table.put(item)

    def due_submissions(self, until: datetime, limit: int = 100) -> list[str]:
        return self._due(layout.SWEEP_JOB, until, limit)

    def reschedule_submission(self, submission_id: str, *, sweeps: int, due_at: datetime) -> bool:
        with self._table.lock:
            item = self._table.get(layout.submission_key(submission_id))
            if item is None or item["status"] != SubmissionStatus.RECEIVED.value:
                return False
            if item.get("sweeps", 0) != sweeps - 1:
                return False
            item.update(
                {"sweeps": sweeps, "due_at": due_at.isoformat(), **layout.submission_due_keys(submission_id, due_at)}
            )
            self._table.put(item)
        return True

    def claim_identity(self, kind: str, value: str, lead_id: str) -> str:
        key = layout.identity_key(kind, value)
        with self._table.lock:
            existing = self._table.get(key)
            if existing is not None:
                return str(existing["lead_id"])
            self._table.put({**key, "kind": kind, "value": value, "lead_id": lead_id})
        return lead_id

    def move_identity(self, kind: str, value: str, from_lead: str, to_lead: str) -> bool:
        key = layout.identity_key(kind, value)
        with self._table.lock:
            existing = self._table.get(key)
            if existing is None or existing["lead_id"] != from_lead:
                return False
            self._table.put({**existing, "lead_id": to_lead})
        return True

    def lead_for_identity(self, kind: str, value: str) -> str | None:
        with self._table.lock:
            item = self._table.get(layout.identity_key(kind, value))
        return str(item["lead_id"]) if item else None

    def get_lead(self, lead_id: str) -> Lead | None:
        with self._table.lock:
            item = self._table.get(layout.lead_key(lead_id))
        return layout.lead_from_item(item) if item else None

    def get_leads(self, lead_ids: Sequence[str]) -> list[Lead]:
        found = (self.get_lead(lead_id) for lead_id in dict.fromkeys(lead_ids))
        return [lead for lead in found if lead is not None]

    def save_lead(self, lead: Lead, *, expected_version: int | None) -> Lead:
        item = layout.lead_item(lead, (expected_version or 0) + 1)
        with self._table.lock:
            stored = self._table.get(item)
            current = None if stored is None else stored["version"]
            if current != expected_version:
                raise layout.lead_save_conflict(lead.lead_id, expected_version)
            self._table.put(item)
        return layout.lead_from_item(item)

    def link_account(self, account: Account, lead_id: str) -> bool:
        with self._table.lock:
            created = not self._table.exists(layout.account_key(account.account_id))
            if created:
                self._table.put(layout.account_item(account))
            self._table.put({**layout.account_member_key(account.account_id, lead_id), "lead_id": lead_id})
        return created

    def get_account(self, account_id: str) -> Account | None:
        with self._table.lock:
            item = self._table.get(layout.account_key(account_id))
        return layout.account_from_item(item) if item else None

    def account_lead_ids(self, account_id: str, *, first: int | None = None) -> list[str]:
        pk = layout.account_key(account_id)["pk"]
        with self._table.lock:
            items = [i for i in self._table.all() if i["pk"] == pk and i["sk"].startswith("LEAD#")]
        return [str(item["lead_id"]) for item in sorted(items, key=lambda i: i["sk"])][:first]

    def put_merge_record(self, record: MergeRecord) -> None:
        with self._table.lock:
            self._table.put(layout.merge_record_item(record))

    def merge_records(self, lead_id: str) -> list[MergeRecord]:
        pk = layout.lead_key(lead_id)["pk"]
        with self._table.lock:
            items = [i for i in self._table.all() if i["pk"] == pk and i["sk"].startswith(layout.MERGE_PREFIX)]
        return [layout.merge_record_from_item(item) for item in sorted(items, key=lambda i: i["sk"])]

    def delete_merge_record(self, record: MergeRecord) -> None:
        with self._table.lock:
            self._table.delete(layout.merge_record_key(record))

    def add_history(self, lead_id: str, entry: HistoryEntry) -> bool:
        item = layout.history_item(lead_id, entry)
        with self._table.lock:
            if self._table.exists(item):
                return False
            self._table.put(item)
        return True

    def history(self, lead_id: str) -> list[HistoryEntry]:
        pk = layout.lead_key(lead_id)["pk"]
        with self._table.lock:
            items = [i for i in self._table.all() if i["pk"] == pk and i["sk"].startswith(layout.HISTORY_PREFIX)]
        return layout.sort_history(items)

    def engagement_event_recorded(self, provider: str, event_id: str) -> bool:
        with self._table.lock:
            return self._table.exists(layout.engagement_event_key(provider, event_id))

    def record_engagement_event(
        self, provider: str, event_id: str, *, status: str, lead_id: str | None, received_at: datetime
    ) -> bool:
        item = layout.engagement_event_item(provider, event_id, status=status, lead_id=lead_id, received_at=received_at)
        with self._table.lock:
            if self._table.exists(item):
                return False
            self._table.put(item)
        return True

    def park_activity(self, email_canonical: str, activity: Activity) -> None:
        with self._table.lock:
            self._table.put(layout.parked_activity_item(email_canonical, activity))

    def parked_activity(self, email_canonical: str) -> list[Activity]:
        pk = layout.parked_activity_key(email_canonical, "")["pk"]
        with self._table.lock:
            items = [item for item in self._table.all() if item["pk"] == pk]
        return layout.sort_parked_activity(items)

    def clear_parked_activity(self, email_canonical: str, event_ids: Sequence[str]) -> None:
        with self._table.lock:
            for event_id in event_ids:
                self._table.delete(layout.parked_activity_key(email_canonical, event_id))

    def list_leads(
        self, *, stage: Stage | None = None, owner_id: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> Page:
        items, next_cursor = list_page(self._query_index, stage=stage, owner_id=owner_id, limit=limit, cursor=cursor)
        return Page(items=[layout.lead_from_item(item) for item in items], cursor=next_cursor)

    def due_leads(self, job: str, until: datetime, limit: int = 100) -> list[str]:
        return self._due(job, until, limit)

    def _due(self, job: str, until: datetime, limit: int) -> list[str]:
        last = layout.due_sort_key_until(until)
        found: list[str] = []
        with self._table.lock:
            items = list(self._table.all())
        for shard in range(layout.DUE_SHARDS):
            partition = layout.due_partition(job, shard)
            due = sorted(item["gsi3sk"] for item in items if item.get("gsi3pk") == partition and item["gsi3sk"] <= last)
            found += [key.rsplit("#", 1)[1] for key in due[: limit - len(found)]]
            if len(found) >= limit:
                break
        return found

    def put_outcome(self, lead_id: str, outcome: Outcome) -> None:
        example = layout.outcome_item(lead_id, outcome)
        pointer_key = layout.outcome_pointer_key(lead_id)
        with self._table.lock:
            pointer = self._table.get(pointer_key)
            if pointer is not None and pointer["example_sk"] != example["sk"]:
                self._table.delete({"pk": layout.OUTCOMES_PARTITION, "sk": pointer["example_sk"]})
            self._table.put(example)
            self._table.put({**pointer_key, "example_sk": example["sk"]})

    def outcomes(self, *, limit: int = 100, cursor: str | None = None) -> OutcomePage:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        start = layout.decode_outcome_cursor(cursor)["sk"] if cursor else None
        with self._table.lock:
            items = sorted(
                (item for item in self._table.all() if item["pk"] == layout.OUTCOMES_PARTITION), key=lambda i: i["sk"]
            )
        if start is not None:
            items = [item for item in items if item["sk"] > start]
        page = items[:limit]
        next_cursor = layout.encode_outcome_cursor(str(page[-1]["sk"])) if len(items) > limit else None
        return OutcomePage(items=[layout.outcome_from_item(item) for item in page], cursor=next_cursor)

    def _query_index(
        self, where: IndexRange, limit: int, start: StartKey | None, stage_filter: Stage | None
    ) -> tuple[list[layout.Item], StartKey | None]:
        """A descending index Query: `limit` counts items read before the filter, as DynamoDB counts them."""
        with self._table.lock:
            candidates = [item for item in self._table.all() if item.get(where.partition_attribute) == where.partition]
        candidates.sort(key=lambda item: item[where.sort_attribute], reverse=True)
        if start is not None:
            candidates = [item for item in candidates if item[where.sort_attribute] < start[where.sort_attribute]]
        read = candidates[:limit]
        matches = [item for item in read if stage_filter is None or item["stage"] == stage_filter.value]
        if len(candidates) <= limit:
            return matches, None
        last = read[-1]
        return matches, {name: last[name] for name in where.start_key_attributes}
