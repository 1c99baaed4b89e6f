"""The match index on the leads table: blocking-key items ("BLOCK#<key>", "LEAD#<id>") holding each lead's matching
fields, and possible-duplicate links under each lead. Finding candidates is one bounded Query per key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from boto3.dynamodb.conditions import Key

from leadflow.adapters import layout
from leadflow.ports import DuplicateLink, IndexedRecord


class DynamoMatchIndex:
    def __init__(self, table: Any) -> None:
        self._table = table

    def candidates(self, keys: Sequence[str], per_key: int) -> list[IndexedRecord]:
        found: dict[str, IndexedRecord] = {}
        for key in dict.fromkeys(keys):
            response = self._table.query(
                KeyConditionExpression=Key("pk").eq(layout.block_key(key, "")["pk"]),
                Limit=per_key,
            )
            for item in response["Items"]:
                record = layout.indexed_record_from_item(item)
                found.setdefault(record.lead_id, record)
        return list(found.values())

    def file(self, lead_id: str, keys: Sequence[str], record: dict[str, Any], previous_keys: Sequence[str]) -> None:
        stale = [key for key in dict.fromkeys(previous_keys) if key not in keys]
        with self._table.batch_writer() as batch:
            for key in dict.fromkeys(keys):
                batch.put_item(Item=layout.to_dynamo(layout.block_item(key, lead_id, record)))
            for key in stale:
                batch.delete_item(Key=layout.block_key(key, lead_id))

    def unfile(self, lead_id: str, keys: Sequence[str]) -> None:
        with self._table.batch_writer() as batch:
            for key in dict.fromkeys(keys):
                batch.delete_item(Key=layout.block_key(key, lead_id))

    def link_possible_duplicate(self, link: DuplicateLink) -> None:
        with self._table.batch_writer() as batch:
            for item in layout.duplicate_items(link):
                batch.put_item(Item=layout.to_dynamo(item))

    def possible_duplicates(self, lead_id: str) -> list[DuplicateLink]:
        condition = Key("pk").eq(layout.lead_key(lead_id)["pk"]) & Key("sk").begins_with(layout.DUPLICATE_PREFIX)
        response = self._table.query(KeyConditionExpression=condition, ConsistentRead=True)
        return [layout.duplicate_from_item(item) for item in response["Items"]]

    def remove_possible_duplicate(self, lead_id: str, other_id: str) -> None:
        with self._table.batch_writer() as batch:
            batch.delete_item(Key=layout.duplicate_key(lead_id, other_id))
            batch.delete_item(Key=layout.duplicate_key(other_id, lead_id))
