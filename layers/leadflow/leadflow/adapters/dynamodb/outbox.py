"""Outbox on the outbox table: queued notifications and their delivery, claimed and recorded with conditional
writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from leadflow.adapters import layout
from leadflow.adapters.dynamodb.writes import (
    CONDITION_FAILED,
    error_code,
    put_if_absent,
)
from leadflow.ports import SETTLED, DeliveryStatus, Notification, OutboxEntry


class DynamoOutbox:
    """Outbox on the outbox table. recent() reads the `by_created` index (gsi1pk "OUTBOX", gsi1sk "<created>#<id>")."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def queue(self, notification: Notification) -> bool:
        return put_if_absent(self._table, layout.notification_item(notification))

    def recent(self, limit: int = 50) -> list[Notification]:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        request: dict[str, Any] = {
            "IndexName": layout.OUTBOX_BY_CREATED,
            "KeyConditionExpression": Key("gsi1pk").eq(layout.OUTBOX_PARTITION),
            "ScanIndexForward": False,
        }
        found: list[Notification] = []
        while len(found) < limit:
            response = self._table.query(**request, Limit=limit - len(found))
            found.extend(layout.notification_from_item(item) for item in response["Items"])
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found

    def get(self, rep_id: str, notification_id: str) -> OutboxEntry | None:
        # Consistent: the deliver function reads right after the notify step wrote, and must see what it sent.
        response = self._table.get_item(Key=layout.notification_key(rep_id, notification_id), ConsistentRead=True)
        item = response.get("Item")
        return layout.outbox_entry_from_item(layout.from_dynamo(item)) if item else None

    def claim(self, rep_id: str, notification_id: str, *, token: str, at: datetime, stale_before: datetime) -> bool:
        try:
            self._table.update_item(
                Key=layout.notification_key(rep_id, notification_id),
                UpdateExpression="SET #status = :sending, #token = :token, #at = :at",
                ConditionExpression=(
                    "attribute_exists(pk) AND (attribute_not_exists(#status) OR #status = :retrying"
                    " OR (#status = :sending AND #at < :stale))"
                ),
                ExpressionAttributeNames={
                    "#status": layout.DELIVERY_STATUS,
                    "#token": layout.CLAIMED_BY,
                    "#at": layout.CLAIMED_AT,
                },
                ExpressionAttributeValues={
                    ":sending": "sending",
                    ":retrying": "retrying",
                    ":token": token,
                    ":at": layout.time_key(at),
                    ":stale": layout.time_key(stale_before),
                },
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                return False
            raise
        return True

    def record_sent(self, rep_id: str, notification_id: str, channel: str) -> None:
        self._update(
            rep_id,
            notification_id,
            f"ADD {layout.DELIVERED_VIA} :channel",
            {":channel": {channel}},
        )

    def record_attempt(
        self, rep_id: str, notification_id: str, *, status: DeliveryStatus, at: datetime, error: str | None
    ) -> None:
        values: dict[str, Any] = {":one": 1, ":status": status}
        sets = [f"{layout.DELIVERY_STATUS} = :status"]
        removes = [layout.CLAIMED_BY, layout.CLAIMED_AT]
        if error is None:
            removes.append(layout.LAST_ERROR)
        else:
            sets.append(f"{layout.LAST_ERROR} = :error")
            values[":error"] = error[: layout.MAX_ERROR_CHARS]
        if status in SETTLED:
            sets.append(f"{layout.DELIVERED_AT} = :at")
            values[":at"] = layout.time_key(at)
        expression = f"SET {', '.join(sets)} ADD {layout.DELIVERY_ATTEMPTS} :one REMOVE {', '.join(removes)}"
        self._update(rep_id, notification_id, expression, values)

    def _update(self, rep_id: str, notification_id: str, expression: str, values: dict[str, Any]) -> None:
        try:
            self._table.update_item(
                Key=layout.notification_key(rep_id, notification_id),
                UpdateExpression=expression,
                ExpressionAttributeValues=values,
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise LookupError(f"notification {notification_id} of {rep_id} was never queued") from exc
            raise
