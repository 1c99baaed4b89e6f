"""How leadflow's records are laid out as DynamoDB items: keys, sortable times, numbers and index attributes.

The DynamoDB adapters and their in-memory twins both build and read items here, so they cannot disagree on a key.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Clamped, Context, Decimal, DecimalException, Inexact, Overflow, Rounded, Underflow
from typing import Any

from pydantic import TypeAdapter

from leadflow.ids import idempotency_record_id
from leadflow.models.account import Account
from leadflow.models.lead import Activity, HistoryEntry, Lead, Outcome
from leadflow.models.merge import MergeRecord
from leadflow.models.submission import StoredSubmission, SubmissionStatus
from leadflow.ports import (
    AuditEntry,
    ConcurrentUpdate,
    Delivery,
    DuplicateLink,
    ErasureRecord,
    Footprint,
    IndexedRecord,
    Notification,
    OutboxEntry,
    OutcomeExample,
)

Item = dict[str, Any]

BY_STAGE = "by_stage"  # leads table: gsi1pk "STAGE#<stage>", gsi1sk "<updated_at>#<lead_id>"
BY_OWNER = "by_owner"  # leads table: gsi2pk "OWNER#<rep_id>", gsi2sk "<assigned_at>#<lead_id>"
OUTBOX_BY_CREATED = "by_created"  # outbox table: gsi1pk "OUTBOX", gsi1sk "<created_at>#<notification_id>"
OUTBOX_PARTITION = "OUTBOX"
HISTORY_PREFIX = "HIST#"
DUPLICATE_PREFIX = "DUP#"
MERGE_PREFIX = "MERGE#"
PARKED_PREFIX = "PARKED#"  # leads table: pk "PARKED#<email_canonical>", sk "<activity event_id>"
BY_DUE = "by_due"  # leads table, sparse, keys only: gsi3pk "DUE#<job>#<shard>", gsi3sk "<due_at>#<lead_id>"
DUE_SHARDS = 8  # due entries spread over this many partitions, so one busy hour never makes a hot partition
SWEEP_JOB = "sweep"  # the due index's job for submissions: gsi3pk "DUE#sweep#<shard>", gsi3sk "<due_at>#<sub id>"
# Training examples, one per lead with an outcome: pk "OUTCOMES", sk "<closed_at>#<lead_id>". One partition is
# enough: deals close at a few per minute at most, far below a partition's write limit, and a trainer reads them all.
OUTCOMES_PARTITION = "OUTCOMES"
OUTCOME_POINTER = "OUTCOME"  # under the lead (pk "LEAD#<id>"): the sort key of its current example
KEY_ATTRIBUTES = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"})

# DynamoDB's number type: 38 significant digits, magnitude 1E-130 .. 9.9E+125 (the context boto3 serialises with).
_DYNAMO_NUMBERS = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])
_JSON_DICT: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])


TTL_ATTRIBUTE = "expires_at"  # the leads table's TimeToLiveSpecification attribute: epoch seconds
ENGAGEMENT_RECORD_DAYS = 90
PARKED_ACTIVITY_DAYS = 365


def expiry(at: datetime, days: int) -> int:
    """Epoch seconds `days` after `at`, when DynamoDB may delete the item (naive datetimes are taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return int((at + timedelta(days=days)).timestamp())


def time_key(at: datetime) -> str:
    """A datetime as a fixed-width UTC string, so that keys sort in time order (naive datetimes are taken as UTC).

    pydantic's ISO output drops zero microseconds and keeps offsets, which does not sort; keys never use it.
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def to_dynamo(value: Any) -> Any:
    """JSON-like data with every number as a Decimal DynamoDB accepts; ValueError for numbers it cannot hold."""
    if isinstance(value, bool) or value is None or isinstance(value, str | Decimal):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"DynamoDB cannot store the number {value!r}")
    if isinstance(value, int | float):
        try:
            # repr() is the shortest text that reads back as the same float, so 0.1 is stored as 0.1.
            return _DYNAMO_NUMBERS.create_decimal(repr(value) if isinstance(value, float) else value)
        except DecimalException as exc:
            raise ValueError(f"the number {value!r} is outside what DynamoDB can store") from exc
    if isinstance(value, Mapping):
        return {key: to_dynamo(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_dynamo(item) for item in value]
    raise TypeError(f"cannot store a {type(value).__name__} in DynamoDB")


def from_dynamo(value: Any) -> Any:
    """DynamoDB data with Decimals back as int (integral values) or float.

    DynamoDB keeps one number type and normalises 2.0 to 2, so a whole-valued float reads back as an int; JSON,
    which every leadflow number arrives as, cannot tell them apart either.
    """
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {key: from_dynamo(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [from_dynamo(item) for item in value]
    return value


def normalise(value: Any) -> Any:
    """The value as it reads back from DynamoDB; the twins store this so they return exactly what DynamoDB would."""
    return from_dynamo(to_dynamo(value))


def without_keys(item: Mapping[str, Any]) -> Item:
    return {name: value for name, value in item.items() if name not in KEY_ATTRIBUTES}


# Keys --------------------------------------------------------------------------------------------------------------


def submission_key(submission_id: str) -> Item:
    return {"pk": f"SUBMISSION#{submission_id}", "sk": "SUBMISSION"}


def identity_key(kind: str, value: str) -> Item:
    return {"pk": f"IDENTITY#{kind}#{value}", "sk": "IDENTITY"}


def lead_key(lead_id: str) -> Item:
    return {"pk": f"LEAD#{lead_id}", "sk": "PROFILE"}


def block_key(key: str, lead_id: str) -> Item:
    return {"pk": f"BLOCK#{key}", "sk": f"LEAD#{lead_id}"}


def account_key(account_id: str) -> Item:
    return {"pk": f"ACCOUNT#{account_id}", "sk": "PROFILE"}


def account_member_key(account_id: str, lead_id: str) -> Item:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"LEAD#{lead_id}"}


def account_item(account: Account) -> Item:
    return {**account_key(account.account_id), **normalise(account.model_dump(mode="json"))}


def account_from_item(item: Mapping[str, Any]) -> Account:
    return Account.model_validate(from_dynamo(without_keys(item)))


def merge_record_key(record: MergeRecord) -> Item:
    return {"pk": f"LEAD#{record.survivor_id}", "sk": f"{MERGE_PREFIX}{time_key(record.at)}#{record.merge_id}"}


def merge_record_item(record: MergeRecord) -> Item:
    return {**merge_record_key(record), **normalise(record.model_dump(mode="json"))}


def merge_record_from_item(item: Mapping[str, Any]) -> MergeRecord:
    return MergeRecord.model_validate(from_dynamo(without_keys(item)))


def duplicate_key(lead_id: str, other_id: str) -> Item:
    return {"pk": f"LEAD#{lead_id}", "sk": f"{DUPLICATE_PREFIX}{other_id}"}


def config_active_key(kind: str) -> Item:
    return {"pk": f"CONFIG#{kind}", "sk": "ACTIVE"}


def config_version_key(kind: str, version: int) -> Item:
    return {"pk": f"CONFIG#{kind}", "sk": f"V#{version:06d}"}


def engagement_event_key(provider: str, event_id: str) -> Item:
    return {"pk": f"ENGAGEMENT#{provider}#{event_id}", "sk": "EVENT"}


def engagement_event_item(
    provider: str, event_id: str, *, status: str, lead_id: str | None, received_at: datetime
) -> Item:
    """The record that a webhook event was handled: its key alone makes a repeated delivery a duplicate."""
    item: Item = {
        **engagement_event_key(provider, event_id),
        "provider": provider,
        "event_id": event_id,
        "status": status,
        "received_at": time_key(received_at),
        # A provider re-sends within hours or days; after that the record has done its job (table TTL).
        TTL_ATTRIBUTE: expiry(received_at, ENGAGEMENT_RECORD_DAYS),
    }
    if lead_id is not None:
        item["lead_id"] = lead_id
    return item


def parked_activity_key(email_canonical: str, event_id: str) -> Item:
    return {"pk": f"{PARKED_PREFIX}{email_canonical}", "sk": event_id}


def parked_activity_item(email_canonical: str, activity: Activity) -> Item:
    return {
        **parked_activity_key(email_canonical, activity.event_id),
        "at_key": time_key(activity.occurred_at),
        # An email that never becomes a lead must not keep its events forever (table TTL); by then they have
        # decayed to nothing anyway.
        TTL_ATTRIBUTE: expiry(activity.occurred_at, PARKED_ACTIVITY_DAYS),
        **normalise(activity.model_dump(mode="json")),
    }


def sort_parked_activity(items: list[Item]) -> list[Activity]:
    """Parked items as activities, oldest first (the order a lead keeps its activity in)."""
    ordered = sorted(items, key=lambda item: (item["at_key"], item["sk"]))
    return [
        Activity.model_validate(
            from_dynamo({k: v for k, v in without_keys(item).items() if k not in ("at_key", TTL_ATTRIBUTE)})
        )
        for item in ordered
    ]


def sequence_key(name: str) -> Item:
    return {"pk": f"CURSOR#{name}", "sk": "CURSOR"}


def notification_key(rep_id: str, notification_id: str) -> Item:
    # The sort key is the notification id alone, not "<created_at>#<id>": a retried step may stamp a new created_at,
    # and only a key made of the deterministic id lets one conditional put refuse the second copy.
    return {"pk": f"NOTIFY#{rep_id}", "sk": notification_id}


def stage_partition(stage: str) -> str:
    return f"STAGE#{stage}"


def owner_partition(owner_id: str) -> str:
    return f"OWNER#{owner_id}"


# Items -------------------------------------------------------------------------------------------------------------


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
    return (
        {**duplicate_key(link.lead_id, link.other_id), "lead_id": link.lead_id, "other_id": link.other_id, **body},
        {**duplicate_key(link.other_id, link.lead_id), "lead_id": link.other_id, "other_id": link.lead_id, **body},
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


# Erasure ----------------------------------------------------------------------------------------------------------

ERASURE_PREFIX = "ERASURE#"  # leads table: pk "ERASURE#<lead_id>", sk "ERASURE": ids, status and counts only
SUPPRESSION_PREFIX = "SUPPRESSED#"  # leads table: pk "SUPPRESSED#<salted hash of the canonical email>"
AUDIT_PREFIX = "AUDIT#"  # leads table: pk "AUDIT#<yyyy-mm-dd>", sk "<time>#<request id>": one partition a day


def erasure_key(lead_id: str) -> Item:
    return {"pk": f"{ERASURE_PREFIX}{lead_id}", "sk": "ERASURE"}


def erasure_item(record: ErasureRecord) -> Item:
    item: Item = {
        **erasure_key(record.lead_id),
        "lead_id": record.lead_id,
        "person_id": record.person_id,
        "lead_ids": list(record.lead_ids),
        "status": record.status,
        "started_at": time_key(record.started_at),
    }
    if record.erased_at is not None:
        item["erased_at"] = time_key(record.erased_at)
    if record.counts is not None:
        item["counts"] = dict(record.counts)
    return item


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=UTC)


def erasure_from_item(item: Mapping[str, Any]) -> ErasureRecord:
    data = from_dynamo(item)
    return ErasureRecord(
        lead_id=str(data["lead_id"]),
        person_id=str(data["person_id"]),
        lead_ids=tuple(str(i) for i in data["lead_ids"]),
        status=data["status"],
        started_at=_time(data["started_at"]),
        erased_at=_time(data["erased_at"]) if data.get("erased_at") else None,
        counts={str(k): int(v) for k, v in data["counts"].items()} if data.get("counts") is not None else None,
    )


def suppression_key(email_hash: str) -> Item:
    return {"pk": f"{SUPPRESSION_PREFIX}{email_hash}", "sk": "SUPPRESSED"}


def audit_item(entry: AuditEntry) -> Item:
    at = time_key(entry.at)
    return {
        "pk": f"{AUDIT_PREFIX}{at[:10]}",
        "sk": f"{at}#{entry.request_id}",
        "at": at,
        "action": entry.action,
        "lead_id": entry.lead_id,
        "actor": entry.actor,
        "api_key_id": entry.api_key_id,
        "request_id": entry.request_id,
    }


def footprint_direct_keys(footprint: Footprint) -> list[tuple[str, Item, str]]:
    """(table, key, kind) of every item the footprint names by key, in deletion order; the partitions of the
    person's leads and parked activity are queried by the adapters."""
    keys: list[tuple[str, Item, str]] = []
    for idempotency_key in footprint.idempotency_keys:
        keys.append(("idempotency", {"id": idempotency_record_id(idempotency_key)}, "idempotency_record"))
    keys += [("outbox", notification_key(rep, nid), "notification") for rep, nid in footprint.notifications]
    keys += [("leads", engagement_event_key(p, e), "webhook_event") for p, e in footprint.engagement_events]
    keys += [("leads", identity_key("email", email), "identity") for email in footprint.emails]
    keys += [("leads", identity_key("phone", phone), "identity") for phone in footprint.phones]
    keys += [("leads", block_key(key, lead_id), "match_index") for lead_id, key in footprint.match_keys]
    keys += [("leads", account_member_key(a, lead_id), "account_membership") for a, lead_id in footprint.accounts]
    keys += [("leads", submission_key(sid), "submission") for sid in footprint.submission_ids]
    return keys


def belongs_to(item: Mapping[str, Any], lead_ids: tuple[str, ...]) -> bool:
    """Whether a found item is the person's: items that name a lead must name one of theirs (a phone's identity
    claim may be another lead's, a colleague on the same switchboard); a parked event's record names none."""
    owner = item.get("lead_id")
    return owner is None or owner in lead_ids


def personal_kind(sort_key: str) -> str:
    """What an item under a lead's partition is, by its sort key (for the erasure's counts)."""
    for prefix, kind in (
        (HISTORY_PREFIX, "history"),
        (MERGE_PREFIX, "merge_record"),
        (DUPLICATE_PREFIX, "possible_duplicate"),
        (OUTCOME_POINTER, "outcome"),
    ):
        if sort_key.startswith(prefix):
            return kind
    return "lead" if sort_key == "PROFILE" else "other"
