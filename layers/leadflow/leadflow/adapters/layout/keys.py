"""The keys of every record kind on the leads, config and outbox tables, and the accounts' and merges' items."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from leadflow.adapters.layout.values import (
    DUPLICATE_PREFIX,
    ENGAGEMENT_RECORD_DAYS,
    MERGE_PREFIX,
    PARKED_ACTIVITY_DAYS,
    PARKED_PREFIX,
    TTL_ATTRIBUTE,
    Item,
    expiry,
    from_dynamo,
    normalise,
    time_key,
    without_keys,
)
from leadflow.models.account import Account
from leadflow.models.lead import Activity
from leadflow.models.merge import MergeRecord


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


def track_counts_key(track_id: str) -> Item:
    """A nurture track's counts, on the config table."""
    return {"pk": f"TRACK#{track_id}", "sk": "COUNTS"}


def track_event_key(track_id: str, event_id: str) -> Item:
    """That an event was counted for a track (a redelivery counts nothing)."""
    return {"pk": f"TRACK#{track_id}", "sk": f"EVENT#{event_id}"}


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
