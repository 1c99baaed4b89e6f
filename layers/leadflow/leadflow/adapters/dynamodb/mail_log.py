"""The mail log on the outbox table: each message kept once by its id, a lead's messages by partition, the newest
of all by the `by_created` index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from leadflow.adapters import layout
from leadflow.adapters.dynamodb.writes import put_if_absent
from leadflow.ports import EmailMessage


class DynamoMailLog:
    def __init__(self, table: Any) -> None:
        self._table = table

    def record(self, message: EmailMessage) -> bool:
        return put_if_absent(self._table, layout.mail_item(message))

    def sent_to(self, lead_id: str, since: datetime) -> list[EmailMessage]:
        request: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(layout.mail_partition(lead_id)),
            "FilterExpression": Attr("created_at").gte(layout.time_key(since)),
            # Consistent: the weekly cap counts the message a run sent a moment ago.
            "ConsistentRead": True,
        }
        found: list[EmailMessage] = []
        while True:
            response = self._table.query(**request)
            found.extend(layout.message_from_item(layout.from_dynamo(item)) for item in response["Items"])
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return sorted(found, key=lambda m: (m.created_at, m.message_id), reverse=True)

    def recent(self, limit: int = 50) -> list[EmailMessage]:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        response = self._table.query(
            IndexName=layout.OUTBOX_BY_CREATED,
            KeyConditionExpression=Key("gsi1pk").eq(layout.MAIL_INDEX_PARTITION),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [layout.message_from_item(layout.from_dynamo(item)) for item in response["Items"]]
