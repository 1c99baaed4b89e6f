"""Nurture track counters on the config table: one item of counts per track, and a marker per counted event (kept
for a week by the table's TTL, longer than EventBridge retries a delivery) so a redelivered event counts once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from leadflow.adapters import layout
from leadflow.adapters.dynamodb.writes import MAX_ATTEMPTS, lost_race
from leadflow.ports import ConcurrentUpdate

MARKER_LIFETIME = timedelta(days=7)


class DynamoTrackCounters:
    def __init__(self, table: Any) -> None:
        self._table = table

    def count(self, track_id: str, event_id: str, names: Sequence[str], at: datetime) -> bool:
        if not names:
            return False
        marker = {**layout.track_event_key(track_id, event_id), "expires_at": int((at + MARKER_LIFETIME).timestamp())}
        placeholders = {f"#c{i}": name for i, name in enumerate(sorted(set(names)))}
        add_one = {
            "TableName": self._table.name,
            "Key": layout.track_counts_key(track_id),
            "UpdateExpression": "ADD " + ", ".join(f"{placeholder} :one" for placeholder in placeholders),
            "ExpressionAttributeNames": placeholders,
            "ExpressionAttributeValues": {":one": 1},
        }
        once = {"TableName": self._table.name, "Item": marker, "ConditionExpression": "attribute_not_exists(pk)"}
        for _ in range(MAX_ATTEMPTS):
            try:
                self._table.meta.client.transact_write_items(TransactItems=[{"Put": once}, {"Update": add_one}])
            except ClientError as exc:
                if "ConditionalCheckFailed" in lost_race(exc):  # lost_race re-raises anything but a lost race
                    return False  # the marker exists: counted before
                continue  # another event's count held the item (TransactionConflict): try again
            return True
        raise ConcurrentUpdate(f"the counts of track {track_id} kept changing; the event will be delivered again")

    def counts(self, track_id: str) -> dict[str, int]:
        item = self._table.get_item(Key=layout.track_counts_key(track_id), ConsistentRead=True).get("Item") or {}
        return {
            name: int(value)
            for name, value in item.items()
            if name not in {"pk", "sk"} and isinstance(value, int | Decimal)
        }
