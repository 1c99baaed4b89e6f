"""The report projection on its own table (ReportsTable).

Items:
- a lead's contribution: pk `CONTRIB#<digest of the lead id>`, sk `CONTRIB`, the lead id, the lead version it was
  computed from and its cells as JSON (counts and dimension values, never personal data). Keyed by a digest so that
  an erased lead's tombstone (which keeps late events from counting it again) drops the id and names nobody;
- a cell: pk `CELL#<dimension>#<month>`, sk `<day>#<value>`, one number attribute `n:<counter>` per counter.
  Partitioned by month so that a year's report is at most 13 queries and one day's writes spread over a month's
  partition, not one for all time;
- a member (the drill-down from a number to its leads): pk `MEMBER#<dimension>#<value>`, sk `<day>#<lead id>`, the
  names of the counters the lead adds to that cell.

Leads' new contributions and their differences to the cells are written in transactions of up to 100 items, each
contribution conditional on the stored one being the one its difference was computed against; a cell several leads
of one transaction add to is written once, with their sum (a batch of leads captured the same day shares most of
its cells)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from leadflow.adapters.dynamodb.writes import lost_race
from leadflow.adapters.report_members import member_changes, read_cursor, write_cursor
from leadflow.domain.report_cells import add_counts
from leadflow.models.reports import Cell, Contribution, Counters
from leadflow.ports.reports import (
    ERASED_VERSION,
    CellRange,
    CellRead,
    ContributionChange,
    Member,
    MemberPage,
    StoredContribution,
)

_CONTRIB_SK = "CONTRIB"
_COUNTER = "n:"
#: DynamoDB's limit on the items of one transaction.
MAX_TRANSACTION_ITEMS = 100


def _contribution_key(lead_id: str) -> dict[str, str]:
    digest = hashlib.sha256(lead_id.encode()).hexdigest()[:40]
    return {"pk": f"CONTRIB#{digest}", "sk": _CONTRIB_SK}


def _cell_key(cell: Cell) -> dict[str, str]:
    return {"pk": f"CELL#{cell.dimension}#{cell.day[:7]}", "sk": f"{cell.day}#{cell.value}"}


def _encode(cells: Contribution) -> str:
    return json.dumps([[*cell, counters] for cell, counters in sorted(cells.items())], separators=(",", ":"))


def _decode(text: str) -> Contribution:
    return {Cell(dimension, day, value): dict(counters) for dimension, day, value, counters in json.loads(text)}


def _months(first_day: str, last_day: str) -> list[str]:
    first, last = date.fromisoformat(first_day), date.fromisoformat(last_day)
    first_index, last_index = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    return [f"{index // 12:04d}-{index % 12 + 1:02d}" for index in range(first_index, last_index + 1)]


class DynamoReportProjection:
    def __init__(self, table: Any) -> None:
        self._table = table

    def contribution(self, lead_id: str) -> StoredContribution | None:
        item = self._table.get_item(Key=_contribution_key(lead_id), ConsistentRead=True).get("Item")
        if item is None:
            return None
        return StoredContribution(
            revision=int(item["revision"]), lead_version=int(item["lead_version"]), cells=_decode(str(item["cells"]))
        )

    def replace_many(self, changes: Sequence[ContributionChange]) -> list[str]:
        lost: list[str] = []
        for group in _groups(changes):
            if not self._write_group(group):
                lost.extend(change.lead_id for change, _ in group)
        return lost

    def _write_group(self, group: list[_Planned]) -> bool:
        items: list[dict[str, Any]] = [{"Put": self._contribution_put(change)} for change, _ in group]
        for change, members in group:
            for cell, names in members:
                key = {"pk": f"MEMBER#{cell.dimension}#{cell.value}", "sk": f"{cell.day}#{change.lead_id}"}
                if names:
                    items.append({"Put": {"TableName": self._table.name, "Item": {**key, "counters": set(names)}}})
                else:
                    items.append({"Delete": {"TableName": self._table.name, "Key": key}})
        summed = _summed([change for change, _ in group])
        items.extend({"Update": self._add(cell, counts)} for cell, counts in sorted(summed.items()))
        try:
            self._table.meta.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            lost_race(exc)  # re-raises anything but a lost race
            return False
        return True

    def _contribution_put(self, change: ContributionChange) -> dict[str, Any]:
        after = change.after
        put: dict[str, Any] = {
            "TableName": self._table.name,
            "Item": {
                **_contribution_key(change.lead_id),
                **({} if after.lead_version >= ERASED_VERSION else {"lead_id": change.lead_id}),
                "revision": after.revision,
                "lead_version": after.lead_version,
                "cells": _encode(after.cells),
            },
        }
        if change.before is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "revision = :before"
            put["ExpressionAttributeValues"] = {":before": change.before.revision}
        return put

    def _add(self, cell: Cell, changes: Counters) -> dict[str, Any]:
        names = {f"#c{i}": f"{_COUNTER}{name}" for i, name in enumerate(sorted(changes))}
        values = {f":c{i}": changes[name] for i, name in enumerate(sorted(changes))}
        return {
            "TableName": self._table.name,
            "Key": _cell_key(cell),
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(names))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def cells(self, dimension: str, first_day: str, last_day: str) -> CellRead:
        found: list[tuple[Cell, Counters]] = []
        read = 0
        for month in _months(first_day, last_day):
            condition = Key("pk").eq(f"CELL#{dimension}#{month}") & Key("sk").between(
                f"{first_day}#", f"{last_day}#\uffff"
            )
            request: dict[str, Any] = {"KeyConditionExpression": condition}
            while True:
                page = self._table.query(**request)
                read += int(page.get("Count", 0))
                for item in page.get("Items", []):
                    day, _, value = str(item["sk"]).partition("#")
                    counters = _counters(item)
                    if counters:
                        found.append((Cell(dimension, day, value), counters))
                if "LastEvaluatedKey" not in page:
                    break
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return CellRead(cells=found, items_read=read)

    def members(self, cells: CellRange, counter: str, *, limit: int, cursor: str | None) -> MemberPage:
        start = read_cursor(cursor) if cursor else None
        pk = f"MEMBER#{cells.dimension}#{cells.value}"
        request: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(pk)
            & Key("sk").between(f"{cells.first_day}#", f"{cells.last_day}#~"),
            "FilterExpression": Attr("counters").contains(counter),
        }
        if start is not None:
            request["ExclusiveStartKey"] = {"pk": pk, "sk": start}
        found: list[Member] = []
        while len(found) < limit:
            page = self._table.query(**request, Limit=limit - len(found))
            for item in page.get("Items", []):
                day, _, lead_id = str(item["sk"]).partition("#")
                found.append(Member(day=day, lead_id=lead_id))
            if "LastEvaluatedKey" not in page:
                return MemberPage(items=found, cursor=None)
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return MemberPage(items=found, cursor=write_cursor(f"{found[-1].day}#{found[-1].lead_id}"))

    def all_cells(self) -> Iterator[tuple[Cell, Counters]]:
        for item in self._scan(None):
            pk = str(item["pk"])
            counters = _counters(item)
            if pk.startswith("CELL#") and counters:
                dimension = pk.removeprefix("CELL#").rsplit("#", 1)[0]
                day, _, value = str(item["sk"]).partition("#")
                yield Cell(dimension, day, value), counters

    def lead_ids(self) -> Iterator[str]:
        for item in self._scan("pk, lead_id"):
            if str(item["pk"]).startswith("CONTRIB#") and "lead_id" in item:
                yield str(item["lead_id"])

    def clear(self) -> None:
        with self._table.batch_writer() as batch:
            for item in self._scan("pk, sk"):
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})

    def _scan(self, projection: str | None) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {"ProjectionExpression": projection} if projection else {}
        while True:
            page = self._table.scan(**request)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _counters(item: dict[str, Any]) -> Counters:
    return {
        name.removeprefix(_COUNTER): int(value)
        for name, value in item.items()
        if name.startswith(_COUNTER) and isinstance(value, int | Decimal) and value
    }


#: A change with the member entries it writes, computed once: they size its transaction and are written in it.
_Planned = tuple[ContributionChange, list[tuple[Cell, frozenset[str]]]]


def _groups(changes: Sequence[ContributionChange]) -> Iterator[list[_Planned]]:
    """The changes in transactions of at most MAX_TRANSACTION_ITEMS items, in order; a cell two leads of one group
    add to is one item."""
    group: list[_Planned] = []
    own_items, cells = 0, set[Cell]()
    for change in changes:
        members = member_changes(change.before.cells if change.before else {}, change.after.cells)
        items = 1 + len(members)  # its contribution and its member entries
        touched = {cell for cell, counts in change.delta.items() if any(counts.values())}
        if items + len(touched) > MAX_TRANSACTION_ITEMS:
            raise ValueError(
                f"a lead's change touches {items + len(touched)} report items; at most 100 fit one transaction"
            )
        if group and own_items + items + len(cells | touched) > MAX_TRANSACTION_ITEMS:
            yield group
            group, own_items, cells = [], 0, set()
        group.append((change, members))
        own_items += items
        cells |= touched
    if group:
        yield group


def _summed(group: list[ContributionChange]) -> Contribution:
    """The group's deltas summed per cell, without the counters that cancel out (two leads moving between the same
    cells in opposite directions change nothing there)."""
    summed: Contribution = {}
    for change in group:
        for cell, counts in change.delta.items():
            add_counts(summed.setdefault(cell, {}), counts)
    return {cell: kept for cell, counts in summed.items() if (kept := {n: c for n, c in counts.items() if c})}
