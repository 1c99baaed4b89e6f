"""ConfigStore on the config table: versioned rule sets with an active pointer, and atomic named counters."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from leadflow.adapters import layout
from leadflow.adapters.dynamodb.config_cache import RuleSetCache, Stored
from leadflow.adapters.dynamodb.writes import (
    CONDITION_FAILED,
    MAX_ATTEMPTS,
    error_code,
    lost_race,
)
from leadflow.ports import ConcurrentUpdate


class DynamoConfigStore:
    """ConfigStore on the config table: versioned documents, the active pointer, and atomic counters.

    `max_age`: seconds a warm function keeps the active version of a rule set before reading it again (0: read on
    every use); a publish through this store is seen by its next read. Published versions are kept without expiry.
    Counters are never kept: each is read or changed in the table."""

    def __init__(self, table: Any, *, max_age: float = 0.0, now: Callable[[], float] = time.monotonic) -> None:
        self._table = table
        self._cache = RuleSetCache(max_age, now=now)

    def active(self, kind: str) -> tuple[int, dict[str, Any]] | None:
        stored = self._cache.active(kind, lambda: self._read_active(kind))
        return None if stored is None else (stored[0], json.loads(stored[1]))

    def version(self, kind: str, version: int) -> dict[str, Any] | None:
        text = self._cache.version(kind, version, lambda: self._read_version(kind, version))
        return None if text is None else dict(json.loads(text))

    def _read_active(self, kind: str) -> Stored:
        item = self._table.get_item(Key=layout.config_active_key(kind), ConsistentRead=True).get("Item")
        return (int(item["version"]), str(item["body"])) if item else None

    def _read_version(self, kind: str, version: int) -> str | None:
        item = self._table.get_item(Key=layout.config_version_key(kind, version)).get("Item")
        return str(item["body"]) if item else None

    def publish(self, kind: str, body: dict[str, Any]) -> int:
        # The body is stored as JSON text, as written: no Decimal round trip, and the doc reads back exactly.
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        for _ in range(MAX_ATTEMPTS):
            current = self._active_version(kind)
            version = current + 1
            try:
                self._table.meta.client.transact_write_items(
                    TransactItems=[
                        self._put(layout.config_version_key(kind, version), version, text, None),
                        self._put(layout.config_active_key(kind), version, text, current),
                    ]
                )
            except ClientError as exc:
                lost_race(exc)
                continue  # another publish won this version number; read the new active one and go again
            self._cache.forget(kind)
            return version
        raise ConcurrentUpdate(f"config {kind!r} kept changing while publishing; try again")

    def next_in_sequence(self, name: str) -> int:
        response = self._table.update_item(
            Key=layout.sequence_key(name),
            UpdateExpression="ADD #n :one",
            ExpressionAttributeNames={"#n": "n"},
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["n"])

    def increment_if_below(self, name: str, limit: int, *, expires_at: int | None = None) -> bool:
        update, names, values = "ADD #n :one", {"#n": "n"}, {":one": 1, ":limit": limit}
        if expires_at is not None:
            update += " SET #expires = :expires"
            names["#expires"] = layout.TTL_ATTRIBUTE
            values[":expires"] = expires_at
        try:
            self._table.update_item(
                Key=layout.sequence_key(name),
                UpdateExpression=update,
                ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                return False
            raise
        return True

    def decrement(self, name: str) -> None:
        try:
            self._table.update_item(
                Key=layout.sequence_key(name),
                UpdateExpression="ADD #n :minus",
                ConditionExpression="#n > :zero",
                ExpressionAttributeNames={"#n": "n"},
                ExpressionAttributeValues={":minus": -1, ":zero": 0},
            )
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:  # already 0 (or never used): nothing to take
                raise

    def counter(self, name: str) -> int:
        item = self._table.get_item(Key=layout.sequence_key(name), ConsistentRead=True).get("Item")
        return int(item.get("n", 0)) if item else 0

    def _active_version(self, kind: str) -> int:
        item = self._table.get_item(
            Key=layout.config_active_key(kind),
            ConsistentRead=True,
            ProjectionExpression="#version",
            ExpressionAttributeNames={"#version": "version"},
        ).get("Item")
        return int(item["version"]) if item else 0

    def _put(self, key: layout.Item, version: int, text: str, read_version: int | None) -> dict[str, Any]:
        """A transaction Put: only while the item is still at read_version, or, with 0 or None, does not exist."""
        put: dict[str, Any] = {
            "TableName": self._table.name,
            "Item": {**key, "version": version, "body": text},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        if read_version:
            put["ConditionExpression"] = "#version = :read"
            put["ExpressionAttributeNames"] = {"#version": "version"}
            put["ExpressionAttributeValues"] = {":read": read_version}
        return {"Put": put}
