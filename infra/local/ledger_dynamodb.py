"""DynamoDB request units of one request, as on-demand capacity bills them.

- Writes: 1 unit per KB of the item, rounded up, of the larger of the item before and after (a failed conditional write
  too); TransactWriteItems twice that per item (a ConditionCheck as a write); BatchWriteItem per item; every global
  secondary index whose entry the write puts, moves or deletes adds its own writes.
- Reads: 1 unit per 4 KB rounded up, half for an eventually consistent read; GetItem and BatchGetItem per item,
  Query and Scan on the total size read (a ProjectionExpression does not make a read cheaper); TransactGetItems twice.

Approximations (said where the figures are printed): the item before a write is read from the local store just
before the request, so a concurrent writer to the same item can shift it; items a Query's FilterExpression drops are
counted at the average size of those it returned; a global secondary index's transactional writes are counted as
standard writes; a cancelled transaction is counted as if it wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.local.ledger_units import (
    INDEX_ENTRY_OVERHEAD,
    Item,
    TableShape,
    index_write_units,
    item_size,
    read_units,
    write_units,
)

StoredItem = Callable[[str, dict[str, Any]], Item | None]
"""(table name, key) -> the item as stored now, or None."""
ShapeOf = Callable[[str], TableShape]


@dataclass
class Units:
    read: float = 0.0
    write: float = 0.0
    mail_logged: int = 0  # emails the mail log recorded (what SES sends when a sender is configured)
    tables: dict[str, tuple[float, float]] = field(default_factory=dict)  # table -> (read, write)
    index_writes: dict[str, int] = field(default_factory=dict)  # table -> of its writes, those of its indexes

    def add(self, table: str, read: float = 0.0, write: float = 0.0) -> None:
        self.read += read
        self.write += write
        before = self.tables.get(table, (0.0, 0.0))
        self.tables[table] = (before[0] + read, before[1] + write)


WRITES = ("PutItem", "UpdateItem", "DeleteItem")
MAIL_LOG_PREFIX = "MAIL#"  # the mail log's partitions on the outbox table (leadflow.adapters.layout.mail)


class DynamoDbMeter:
    def __init__(self, shape_of: ShapeOf, stored: StoredItem) -> None:
        self._shape_of = shape_of
        self._stored = stored

    def _before(self, table: str, item_or_key: Item) -> Item | None:
        return self._stored(table, self._shape_of(table).key_of(item_or_key))

    def before(self, operation: str, request: dict[str, Any]) -> list[Item | None]:
        """The items a write is about to change, as stored before it."""
        if operation in WRITES:
            return [self._before(request["TableName"], request.get("Item") or request.get("Key") or {})]
        if operation == "TransactWriteItems":
            found = []
            for action in request.get("TransactItems", []):
                _kind, op = next(iter(action.items()))
                found.append(self._before(op["TableName"], op.get("Item") or op.get("Key") or {}))
            return found
        if operation == "BatchWriteItem":
            return [
                self._before(table, (entry.get("PutRequest") or {}).get("Item") or entry["DeleteRequest"]["Key"])
                for table, entries in request.get("RequestItems", {}).items()
                for entry in entries
            ]
        return []

    def units(
        self, operation: str, request: dict[str, Any], response: dict[str, Any], failed: bool, before: list[Item | None]
    ) -> Units:
        units = Units()
        if operation in WRITES:
            table = request["TableName"]
            self._write(units, table, operation, request, before[0], failed=failed, factor=1)
        elif operation == "TransactWriteItems":
            for action, old in zip(request.get("TransactItems", []), before, strict=False):
                kind, op = next(iter(action.items()))
                self._write(units, op["TableName"], _write_kind(kind), op, old, failed=False, factor=2)
        elif operation == "BatchWriteItem":
            entries = [(t, e) for t, es in request.get("RequestItems", {}).items() for e in es]
            for (table, entry), old in zip(entries, before, strict=False):
                kind = "PutItem" if "PutRequest" in entry else "DeleteItem"
                body = entry.get("PutRequest") or entry.get("DeleteRequest") or {}
                self._write(units, table, kind, body, old, failed=failed, factor=1)
        elif operation == "GetItem":
            table = request["TableName"]
            size = item_size(self._stored(table, request["Key"]))
            units.add(table, read=read_units(size, consistent=bool(request.get("ConsistentRead"))))
        elif operation in ("BatchGetItem", "TransactGetItems"):
            self._point_reads(units, operation, request)
        elif operation in ("Query", "Scan"):
            table = request["TableName"]
            units.add(table, read=read_units(self._read_size(request, response), consistent=_consistent(request)))
        return units

    def _write(
        self, units: Units, table: str, kind: str, op: dict[str, Any], old: Item | None, *, failed: bool, factor: int
    ) -> None:
        shape = self._shape_of(table)
        if kind == "ConditionCheck":
            units.add(table, write=factor * write_units(item_size(old)))
            return
        if kind == "PutItem":
            new: Item | None = op.get("Item")
        elif kind == "DeleteItem":
            new = None
        else:  # UpdateItem: the item as it stands after the write
            new = old if failed else self._stored(table, shape.key_of(op.get("Key") or {}))
        largest = max(item_size(old), item_size(new))
        units.add(table, write=factor * write_units(largest))
        if failed:
            return
        index_writes = index_write_units(shape, old, new)
        units.add(table, write=index_writes)
        units.index_writes[table] = units.index_writes.get(table, 0) + index_writes
        if kind == "PutItem" and old is None and str(_string(op.get("Item", {}).get("pk"))).startswith(MAIL_LOG_PREFIX):
            units.mail_logged += 1

    def _point_reads(self, units: Units, operation: str, request: dict[str, Any]) -> None:
        if operation == "TransactGetItems":
            for action in request.get("TransactItems", []):
                get = action["Get"]
                size = item_size(self._stored(get["TableName"], get["Key"]))
                units.add(get["TableName"], read=2 * read_units(size, consistent=True))
            return
        for table, spec in request.get("RequestItems", {}).items():
            consistent = bool(spec.get("ConsistentRead"))
            for key in spec.get("Keys", []):
                units.add(table, read=read_units(item_size(self._stored(table, key)), consistent=consistent))

    def _read_size(self, request: dict[str, Any], response: dict[str, Any]) -> int:
        """Bytes a Query or Scan read: whole items (a base-table read with a projection is charged for whole items),
        and the items a filter dropped at the average size of those returned."""
        table = request["TableName"]
        shape = self._shape_of(table)
        index = next((i for i in shape.indexes if i.name == request.get("IndexName")), None)
        whole_items = index is None or index.projection == "ALL"
        sizes = []
        for item in response.get("Items", []):
            key = shape.key_of(item)
            complete = len(key) == (2 if shape.range_key else 1)
            stored = self._stored(table, key) if whole_items and complete else None
            sizes.append(item_size(stored or item) + (INDEX_ENTRY_OVERHEAD if index is not None else 0))
        dropped = max(0, int(response.get("ScannedCount", len(sizes))) - len(sizes))
        average = sum(sizes) / len(sizes) if sizes else 0
        return int(sum(sizes) + dropped * average)


def _write_kind(transact_kind: str) -> str:
    return {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}.get(transact_kind, transact_kind)


def _consistent(request: dict[str, Any]) -> bool:
    return bool(request.get("ConsistentRead")) and not request.get("IndexName")  # a GSI reads eventually


def _string(value: Any) -> Any:
    return value.get("S") if isinstance(value, dict) else value
