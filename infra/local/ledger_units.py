"""How AWS meters one request, as its pricing pages and developer guides say: DynamoDB request units from item sizes,
EventBridge and SQS 64 KB chunks, Lambda and Step Functions Express GB-seconds. Pure arithmetic, no moto, no boto3.

Items are in DynamoDB's wire JSON ({"pk": {"S": "LEAD#1"}, "n": {"N": "3"}}), as requests carry them.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

KB = 1024
WRITE_UNIT_BYTES = KB  # one write request unit: an item of up to 1 KB
READ_UNIT_BYTES = 4 * KB  # one read request unit: a strongly consistent read of up to 4 KB
INDEX_ENTRY_OVERHEAD = 100  # bytes DynamoDB adds to every index entry
CHUNK_BYTES = 64 * KB  # EventBridge events and SQS requests are billed per 64 KB chunk of payload
EXPRESS_MEMORY_GB = 64 / 1024  # Express workflows: memory in 64 MB chunks; the pipeline's state is far below one
EXPRESS_BILLING_MS = 100  # Express workflows: duration rounded up to 100 ms

Item = Mapping[str, Any]


def _number_size(text: Any) -> int:
    """About one byte per two significant digits, plus one."""
    digits = str(text).lstrip("-").replace(".", "").strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def _binary_size(data: Any) -> int:
    return len(base64.b64decode(data)) if isinstance(data, str) else len(data)


def _text_size(text: Any) -> int:
    return len(str(text).encode("utf-8"))


_SCALAR_SIZES: dict[str, Callable[[Any], int]] = {
    "S": _text_size,
    "N": _number_size,
    "B": _binary_size,
    "BOOL": lambda _: 1,
    "NULL": lambda _: 1,
}
_SET_MEMBERS: dict[str, Callable[[Any], int]] = {"SS": _text_size, "NS": _number_size, "BS": _binary_size}


def value_size(value: Mapping[str, Any]) -> int:
    """The bytes DynamoDB counts for one attribute value (names excluded); a list or map costs 3 bytes, and one more
    per element."""
    kind, inner = next(iter(value.items()))
    if kind in _SCALAR_SIZES:
        return _SCALAR_SIZES[kind](inner)
    if kind in _SET_MEMBERS:
        return sum(_SET_MEMBERS[kind](member) for member in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + _text_size(k) + value_size(v) for k, v in inner.items())
    return _text_size(inner)


def item_size(item: Item | None) -> int:
    """An item's size as DynamoDB bills it: every attribute's name in UTF-8 plus its value."""
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    """Write request units for one item: 1 KB each, rounded up; a write of nothing still costs one."""
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def read_units(size: int, *, consistent: bool) -> float:
    """Read request units for one read of `size` bytes: 4 KB each, rounded up; half for an eventually consistent
    read; an item not found still costs the minimum."""
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


@dataclass(frozen=True)
class Index:
    name: str
    hash_key: str
    range_key: str | None
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    included: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableShape:
    hash_key: str
    range_key: str | None
    indexes: tuple[Index, ...] = ()

    def key_of(self, item: Item) -> dict[str, Any]:
        names = [self.hash_key] + ([self.range_key] if self.range_key else [])
        return {name: item[name] for name in names if name in item}


def _index_entry(shape: TableShape, index: Index, item: Item | None) -> tuple[Any, int] | None:
    """(the entry's key, its size) in the index, or None when the item has no entry there (a sparse index)."""
    if not item or index.hash_key not in item or (index.range_key and index.range_key not in item):
        return None
    keys = {shape.hash_key, shape.range_key, index.hash_key, index.range_key} - {None}
    if index.projection == "ALL":
        projected: Item = item
    else:
        wanted = keys | set(index.included)
        projected = {name: value for name, value in item.items() if name in wanted}
    key = tuple(repr(item.get(name)) for name in (index.hash_key, index.range_key) if name)
    return key, item_size(projected) + INDEX_ENTRY_OVERHEAD


def index_write_units(shape: TableShape, old: Item | None, new: Item | None) -> int:
    """Writes a change of one item costs in the table's global secondary indexes: an entry put, deleted, or both when
    its key moves. An entry whose key stays is rewritten only when a projected attribute changed (approximated as
    "the projected attributes differ")."""
    units = 0
    for index in shape.indexes:
        before, after = _index_entry(shape, index, old), _index_entry(shape, index, new)
        if before is None and after is None:
            continue
        if before is None or after is None:
            units += write_units((before or after)[1])  # type: ignore[index]
        elif before[0] != after[0]:
            units += write_units(before[1]) + write_units(after[1])
        elif _projected(shape, index, old) != _projected(shape, index, new):
            units += write_units(after[1])
    return units


def _projected(shape: TableShape, index: Index, item: Item | None) -> dict[str, Any]:
    if not item:
        return {}
    if index.projection == "ALL":
        return dict(item)
    wanted = {shape.hash_key, shape.range_key, index.hash_key, index.range_key, *index.included} - {None}
    return {name: value for name, value in item.items() if name in wanted}


def chunks(payload_bytes: int) -> int:
    """64 KB chunks of a payload (EventBridge event, SQS request): at least one."""
    return max(1, math.ceil(payload_bytes / CHUNK_BYTES))


def lambda_billed_ms(elapsed_seconds: float) -> int:
    """Lambda bills duration rounded up to the millisecond."""
    return max(1, math.ceil(elapsed_seconds * 1000))


def lambda_gb_seconds(billed_ms: int, memory_mb: int) -> float:
    return billed_ms / 1000 * memory_mb / 1024


def express_gb_seconds(elapsed_seconds: float) -> float:
    """An Express execution's duration rounded up to 100 ms, at one 64 MB chunk of memory."""
    billed_ms = max(EXPRESS_BILLING_MS, math.ceil(elapsed_seconds * 1000 / EXPRESS_BILLING_MS) * EXPRESS_BILLING_MS)
    return billed_ms / 1000 * EXPRESS_MEMORY_GB
