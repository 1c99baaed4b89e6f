"""Erasure's items: erasure records, the suppression list, the audit log, and where a person's items are."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from leadflow.adapters.layout.keys import (
    account_member_key,
    block_key,
    engagement_event_key,
    identity_key,
    notification_key,
    submission_key,
)
from leadflow.adapters.layout.values import (
    DUPLICATE_PREFIX,
    HISTORY_PREFIX,
    MERGE_PREFIX,
    OUTCOME_POINTER,
    Item,
    from_dynamo,
    time_key,
)
from leadflow.ids import idempotency_record_id
from leadflow.ports import (
    AuditEntry,
    ErasureRecord,
    Footprint,
)

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
