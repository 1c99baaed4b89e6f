"""Lead, submission, history, outcome, match-index, duplicate and notification items, to and from DynamoDB."""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from leadflow.adapters.layout.duplicate_queue import listed_side, queue_entry
from leadflow.adapters.layout.keys import (
    block_key,
    duplicate_key,
    lead_key,
    notification_key,
    owner_partition,
    stage_partition,
    submission_key,
)
from leadflow.adapters.layout.values import (
    _JSON_DICT,
    DUE_SHARDS,
    HISTORY_PREFIX,
    OUTBOX_PARTITION,
    OUTCOME_POINTER,
    OUTCOMES_PARTITION,
    SWEEP_JOB,
    Item,
    from_dynamo,
    normalise,
    time_key,
    without_keys,
)
from leadflow.models.lead import HistoryEntry, Lead, Outcome
from leadflow.models.submission import StoredSubmission, SubmissionStatus
from leadflow.ports import (
    ConcurrentUpdate,
    Delivery,
    DuplicateLink,
    IndexedRecord,
    Notification,
    OutboxEntry,
    OutcomeExample,
)


def submission_item(submission: StoredSubmission) -> Item:
    """The submission with its sweep entry in the due index while it is `received` (sparse: a processed, failed or
    spam submission has none)."""
    item: Item = {**submission_key(submission.submission_id), **normalise(submission.model_dump(mode="json"))}
    if submission.due_at is not None and submission.status is SubmissionStatus.RECEIVED:
        item.update(submission_due_keys(submission.submission_id, submission.due_at))
    return item


def submission_due_keys(submission_id: str, due_at: datetime) -> Item:
    return {
        "gsi3pk": due_partition(SWEEP_JOB, due_shard(submission_id)),
        "gsi3sk": f"{time_key(due_at)}#{submission_id}",
    }


SUBMISSION_DUE_ATTRIBUTES = ("gsi3pk", "gsi3sk", "due_at")  # what leaves a submission when it is no longer received


def submission_from_item(item: Mapping[str, Any]) -> StoredSubmission:
    return StoredSubmission.model_validate(from_dynamo(without_keys(item)))


def lead_item(lead: Lead, version: int) -> Item:
    """The profile item with the index keys: by_stage always, by_owner only once the lead has an owner, by_due only
    while a scheduled job has something to do with it (both sparse)."""
    item: Item = {**lead_key(lead.lead_id), **normalise(lead.model_dump(mode="json")), "version": version}
    item["gsi1pk"] = stage_partition(lead.stage.value)
    item["gsi1sk"] = f"{time_key(lead.updated_at)}#{lead.lead_id}"
    if lead.owner_id is not None:
        assigned_at = lead.assignment.assigned_at if lead.assignment is not None else lead.updated_at
        item["gsi2pk"] = owner_partition(lead.owner_id)
        item["gsi2sk"] = f"{time_key(assigned_at)}#{lead.lead_id}"
    if lead.due_at is not None and lead.due_job is not None:
        item["gsi3pk"] = due_partition(lead.due_job, due_shard(lead.lead_id))
        item["gsi3sk"] = f"{time_key(lead.due_at)}#{lead.lead_id}"
    return item


def due_shard(lead_id: str) -> int:
    """A stable shard for the lead (zlib's crc32, not hash(), which changes between processes)."""
    return zlib.crc32(lead_id.encode("utf-8")) % DUE_SHARDS


def due_partition(job: str, shard: int) -> str:
    return f"DUE#{job}#{shard}"


def due_sort_key_until(until: datetime) -> str:
    """The largest sort key of an entry due at or before `until` ("~" sorts after every lead id character)."""
    return f"{time_key(until)}#~"


def lead_save_conflict(lead_id: str, expected_version: int | None) -> ConcurrentUpdate:
    if expected_version is None:
        return ConcurrentUpdate(f"lead {lead_id} already exists; read it and apply the change to the stored version")
    return ConcurrentUpdate(f"lead {lead_id} is no longer at version {expected_version}; read it again and re-apply")


def lead_from_item(item: Mapping[str, Any]) -> Lead:
    return Lead.model_validate(from_dynamo(without_keys(item)))


def history_item(lead_id: str, entry: HistoryEntry) -> Item:
    """The entry under "HIST#<kind>#<ref>": the key has no time, so one conditional put refuses a retried step's
    second copy (which carries a new `at`). Readers sort a lead's history by `at`; a lead's history is small, and a
    single-item write keeps the hot path off TransactWriteItems (twice the write units of a plain put)."""
    key = {"pk": lead_key(lead_id)["pk"], "sk": f"{HISTORY_PREFIX}{entry.kind}#{entry.ref}"}
    return {**key, "at_key": time_key(entry.at), **normalise(entry.model_dump(mode="json"))}


def sort_history(items: list[Item]) -> list[HistoryEntry]:
    return [history_from_item(item) for item in sorted(items, key=lambda item: (item["at_key"], item["sk"]))]


def outcome_key(lead_id: str, outcome: Outcome) -> Item:
    return {"pk": OUTCOMES_PARTITION, "sk": f"{time_key(outcome.closed_at)}#{lead_id}"}


def outcome_item(lead_id: str, outcome: Outcome) -> Item:
    return {**outcome_key(lead_id, outcome), "lead_id": lead_id, "outcome": normalise(outcome.model_dump(mode="json"))}


def outcome_from_item(item: Mapping[str, Any]) -> OutcomeExample:
    return OutcomeExample(lead_id=str(item["lead_id"]), outcome=Outcome.model_validate(from_dynamo(item["outcome"])))


def outcome_pointer_key(lead_id: str) -> Item:
    """Where the lead notes which example is its current one: a new outcome may close at another time, so its
    example has another key, and the old one must go (one example per lead)."""
    return {"pk": lead_key(lead_id)["pk"], "sk": OUTCOME_POINTER}


def encode_outcome_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_outcome_cursor(cursor: str) -> Item:
    """The exclusive start key a cursor names; ValueError("invalid cursor") for anything not handed out here."""
    try:
        sort_key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        at, separator, lead_id = sort_key.partition("#")
        datetime.fromisoformat(at.removesuffix("Z"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("invalid cursor") from exc
    if not separator or not lead_id:
        raise ValueError("invalid cursor")
    return {"pk": OUTCOMES_PARTITION, "sk": sort_key}


def history_from_item(item: Mapping[str, Any]) -> HistoryEntry:
    return HistoryEntry.model_validate(from_dynamo({k: v for k, v in without_keys(item).items() if k != "at_key"}))


def block_item(key: str, lead_id: str, record: Mapping[str, Any]) -> Item:
    return {**block_key(key, lead_id), "lead_id": lead_id, "record": normalise(dict(record))}


def indexed_record_from_item(item: Mapping[str, Any]) -> IndexedRecord:
    return IndexedRecord(lead_id=str(item["lead_id"]), record=from_dynamo(item["record"]))


def duplicate_items(link: DuplicateLink) -> tuple[Item, Item]:
    """The link as seen from each of its two leads."""
    body = {
        "probability": normalise(link.probability),
        "evidence": normalise(link.evidence),
        "found_at": time_key(link.found_at),
    }
    # One of the two also lists the pair in the queue of possible duplicates waiting for a person.
    listed = listed_side(link)
    return (
        {
            **duplicate_key(link.lead_id, link.other_id),
            "lead_id": link.lead_id,
            "other_id": link.other_id,
            **body,
            **(queue_entry(link) if listed == (link.lead_id, link.other_id) else {}),
        },
        {
            **duplicate_key(link.other_id, link.lead_id),
            "lead_id": link.other_id,
            "other_id": link.lead_id,
            **body,
            **(queue_entry(link) if listed == (link.other_id, link.lead_id) else {}),
        },
    )


def duplicate_from_item(item: Mapping[str, Any]) -> DuplicateLink:
    return DuplicateLink(
        lead_id=str(item["lead_id"]),
        other_id=str(item["other_id"]),
        probability=float(item["probability"]),
        evidence=from_dynamo(item["evidence"]),
        found_at=datetime.fromisoformat(str(item["found_at"]).replace("Z", "+00:00")),
    )


def notification_item(notification: Notification) -> Item:
    created = time_key(notification.created_at)
    return {
        **notification_key(notification.rep_id, notification.notification_id),
        "gsi1pk": OUTBOX_PARTITION,
        "gsi1sk": f"{created}#{notification.notification_id}",
        "notification_id": notification.notification_id,
        "rep_id": notification.rep_id,
        "lead_id": notification.lead_id,
        "channel": notification.channel,
        "subject": notification.subject,
        "body": notification.body,
        "created_at": created,
        "payload": normalise(_JSON_DICT.dump_python(notification.payload, mode="json")),
    }


def notification_from_item(item: Mapping[str, Any]) -> Notification:
    return Notification(
        notification_id=item["notification_id"],
        rep_id=item["rep_id"],
        lead_id=item["lead_id"],
        channel=item["channel"],
        subject=item["subject"],
        body=item["body"],
        created_at=datetime.fromisoformat(item["created_at"]),
        payload=from_dynamo(item["payload"]),
    )


# Delivery attributes on a notification item, written by the deliver function after the notify step queued it.
DELIVERY_STATUS = "delivery_status"
DELIVERED_VIA = "delivered_via"  # a string set in DynamoDB (ADD is idempotent), a sorted list in the twin
DELIVERY_ATTEMPTS = "delivery_attempts"
DELIVERED_AT = "delivered_at"
LAST_ERROR = "last_error"
CLAIMED_BY = "claim_token"  # the sender holding the notification (status "sending"), and since when
CLAIMED_AT = "claimed_at"
MAX_ERROR_CHARS = 500  # an error is kept for a person to read, not a response body to store


def outbox_entry_from_item(item: Mapping[str, Any]) -> OutboxEntry:
    delivered_at = item.get(DELIVERED_AT)
    delivery = Delivery(
        status=item.get(DELIVERY_STATUS),
        sent=frozenset(item.get(DELIVERED_VIA) or ()),
        attempts=int(item.get(DELIVERY_ATTEMPTS, 0)),
        delivered_at=datetime.fromisoformat(delivered_at) if delivered_at else None,
        last_error=item.get(LAST_ERROR),
        claimed_at=datetime.fromisoformat(item[CLAIMED_AT]) if item.get(CLAIMED_AT) else None,
    )
    return OutboxEntry(notification_from_item(item), delivery)
