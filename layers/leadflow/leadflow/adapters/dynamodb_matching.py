"""The match index on the leads table: blocking-key items ("BLOCK#<key>", "LEAD#<id>") holding each lead's matching
fields, and possible-duplicate links under each lead. Finding candidates is one bounded Query per key, the keys'
queries sent together (a submission's dedupe waits for one round trip, not one per key)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from boto3.dynamodb.conditions import Key

from leadflow.adapters import layout
from leadflow.adapters.batch_get import get_items
from leadflow.adapters.layout import duplicate_queue
from leadflow.adapters.side_by_side import side_by_side
from leadflow.ports import DuplicateLink, IndexedRecord
from leadflow.ports.matching import MAX_DUPLICATE_PAGE, DuplicatePage


class DynamoMatchIndex:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    def candidates(self, keys: Sequence[str], per_key: int) -> list[IndexedRecord]:
        # The keys' queries do not depend on each other: sent side by side they cost one round trip.
        blocks = side_by_side([partial(self._block, key, per_key) for key in dict.fromkeys(keys)])
        found: dict[str, IndexedRecord] = {}
        for items in blocks:  # in the keys' order, as one query after another would have found them
            for item in items:
                record = layout.indexed_record_from_item(item)
                found.setdefault(record.lead_id, record)
        return list(found.values())

    def _block(self, key: str, per_key: int) -> list[dict[str, Any]]:
        """The first `per_key` items filed under one blocking key.

        On the Table's client, which converts values to and from DynamoDB's types as the Table does; the expression
        is a string, as the client's builder of Key() conditions keeps state between calls."""
        response = self._client.query(
            TableName=self._table.name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": layout.block_key(key, "")["pk"]},
            Limit=per_key,
        )
        items: list[dict[str, Any]] = response["Items"]
        return items

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

    def pending_duplicates(self, limit: int, cursor: str | None) -> DuplicatePage:
        if not 1 <= limit <= MAX_DUPLICATE_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_DUPLICATE_PAGE}, got {limit}")
        arguments: dict[str, Any] = {
            "IndexName": layout.BY_STAGE,
            "KeyConditionExpression": Key("gsi1pk").eq(duplicate_queue.QUEUE_PARTITION),
            "Limit": limit,
        }
        if cursor is not None:
            arguments["ExclusiveStartKey"] = duplicate_queue.decode_cursor(cursor)[1]
        response = self._table.query(**arguments)
        # The index holds the entries' keys alone; the links are read whole by key, in the queue's order. A link
        # merged, dismissed or erased since the index answered is gone and left out.
        keys = [{"pk": entry["pk"], "sk": entry["sk"]} for entry in response["Items"]]
        links = [layout.duplicate_from_item(item) for item in get_items(self._table, keys, consistent=False)]
        last = response.get("LastEvaluatedKey")
        # DynamoDB may hand back a last key for a page that happened to end the partition; the next read is then empty.
        next_cursor = duplicate_queue.encode_cursor(str(last["gsi1sk"])) if last else None
        return DuplicatePage(links=links, cursor=next_cursor)
