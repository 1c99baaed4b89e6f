"""DynamoDB adapters for erasure: the PersonalDataStore over the leads, outbox and idempotency tables, the
suppression list and the audit log (both items in the leads table; see layout for their keys)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from leadflow.adapters import layout
from leadflow.adapters.personal_items import key_of, person_items
from leadflow.ports import AuditEntry, ErasureRecord, Footprint, PersonalItem, Suppression, SuppressionReason
from leadflow.ports.erasure import SUPPRESSION_STRENGTH


class DynamoPersonalDataStore:
    """`leads`, `outbox` and `idempotency` are boto3 Table resources."""

    def __init__(self, leads: Any, outbox: Any, idempotency: Any) -> None:
        self._tables = {"leads": leads, "outbox": outbox, "idempotency": idempotency}

    def items_of_person(self, footprint: Footprint) -> list[PersonalItem]:
        return person_items(footprint, self._get, self._query)

    def delete(self, item: PersonalItem) -> None:
        self._tables[item.table].delete_item(Key=key_of(item))

    def erasure(self, lead_id: str) -> ErasureRecord | None:
        item = self._tables["leads"].get_item(Key=layout.erasure_key(lead_id), ConsistentRead=True).get("Item")
        return layout.erasure_from_item(item) if item else None

    def start_erasure(self, record: ErasureRecord) -> bool:
        try:
            self._tables["leads"].put_item(
                Item=layout.to_dynamo(layout.erasure_item(record)), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def put_erasure(self, record: ErasureRecord) -> None:
        self._tables["leads"].put_item(Item=layout.to_dynamo(layout.erasure_item(record)))

    def _get(self, table: str, key: layout.Item) -> layout.Item | None:
        item: layout.Item | None = self._tables[table].get_item(Key=key, ConsistentRead=True).get("Item")
        return item

    def _query(self, table: str, partition: str) -> list[layout.Item]:
        request: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(partition), "ConsistentRead": True}
        items: list[layout.Item] = []
        while True:
            response = self._tables[table].query(**request)
            items.extend(response["Items"])
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


class DynamoSuppressionList:
    def __init__(self, table: Any) -> None:
        self._table = table

    def suppress(self, email_hash: str, at: datetime, reason: SuppressionReason = "erased") -> None:
        item = {**layout.suppression_key(email_hash), "suppressed_at": layout.time_key(at), "reason": reason}
        if reason == "erased":  # the strongest: replaces any entry
            self._table.put_item(Item=item)
            return
        # An entry without a reason was written by erasure: `Attr("reason").is_in` is false for it, so it stays.
        kept = [r for r, strength in SUPPRESSION_STRENGTH.items() if strength <= SUPPRESSION_STRENGTH[reason]]
        condition = Attr("pk").not_exists() | Attr("reason").is_in(kept)
        try:
            self._table.put_item(Item=item, ConditionExpression=condition)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def is_suppressed(self, email_hash: str) -> bool:
        return "Item" in self._table.get_item(Key=layout.suppression_key(email_hash), ProjectionExpression="pk")

    def entry(self, email_hash: str) -> Suppression | None:
        item = self._table.get_item(Key=layout.suppression_key(email_hash), ConsistentRead=True).get("Item")
        if item is None:
            return None
        reason = cast(SuppressionReason, str(item.get("reason") or "erased"))
        return Suppression(reason=reason, at=datetime.fromisoformat(str(item["suppressed_at"])).replace(tzinfo=UTC))


class DynamoAuditLog:
    def __init__(self, table: Any) -> None:
        self._table = table

    def record(self, entry: AuditEntry) -> None:
        self._table.put_item(Item=layout.audit_item(entry))
