"""DynamoDB as AWS runs it: a Query on a secondary index reads one partition of the index.

moto keeps no index: every index Query walks and sorts every item of the table to find the few in the partition asked
for. On the local runtime that is the due index the sweep (every 5 minutes, one Query per shard) and the decay job
read: with 200,000 leads stored, each sweep held the DynamoDB lock for seconds, and every lead in flight waited.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

from infra.local.moto_hooks.registry import HOOKED

_PARTITIONS = "_leadflow_index_partitions"  # on a moto Table: its indexes' partitions, by index name

ItemKey = tuple[str, Any, str | None, Any]  # the item's hash and range key: (type, value, type, value)
PartitionKey = tuple[str, Any]  # the index hash key's (type, value)


class IndexPartitions:
    """The items of one table filed by the hash key of one of its indexes, kept up to date by every write."""

    def __init__(self, table: Table, hash_attribute: str) -> None:
        self.hash_attribute = hash_attribute
        self.generation = _Filing.generation
        self._partitions: dict[PartitionKey, dict[ItemKey, Item]] = {}
        self._filed_in: dict[ItemKey, PartitionKey] = {}
        for item in table.all_items():
            self.refile(_item_key(item.hash_key, item.range_key), item)

    def items(self, hash_value: DynamoType) -> list[Item]:
        return list(self._partitions.get((hash_value.type, hash_value.value), {}).values())

    def refile(self, key: ItemKey, item: Item | None) -> None:
        """File the item under its index hash key as it is now (None: deleted), taking it out of where it was."""
        previous = self._filed_in.pop(key, None)
        if previous is not None:
            partition = self._partitions[previous]
            partition.pop(key, None)
            if not partition:
                del self._partitions[previous]
        value = item.attrs.get(self.hash_attribute) if item is not None else None
        if item is None or value is None:
            return
        where = (value.type, value.value)
        self._partitions.setdefault(where, {})[key] = item
        self._filed_in[key] = where


def _item_key(hash_key: DynamoType, range_key: DynamoType | None) -> ItemKey:
    return (
        hash_key.type,
        hash_key.value,
        range_key.type if range_key else None,
        range_key.value if range_key else None,
    )


def _partitions_of(table: Table) -> dict[str, IndexPartitions]:
    found: dict[str, IndexPartitions] | None = table.__dict__.get(_PARTITIONS)
    if found is None:
        found = {}
        setattr(table, _PARTITIONS, found)
    return found


def _index_partitions(table: Table, index_name: str) -> IndexPartitions | None:
    """The index's partitions, filed on first use (one walk of the table); None for an index moto does not know."""
    partitions = _partitions_of(table)
    if index_name in partitions and partitions[index_name].generation != _Filing.generation:
        del partitions[index_name]  # filed while writes went unseen
    if index_name not in partitions:
        index = {i.name: i for i in table.all_indexes()}.get(index_name)
        hashes = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"] if index else []
        if len(hashes) != 1:
            return None
        partitions[index_name] = IndexPartitions(table, hashes[0])
    return partitions[index_name]


def forget_index_partitions(table: Table) -> None:
    """Drop a table's filed partitions (they are filed again on the next index Query): for code that writes moto's
    items without a request, as the scale benchmarks do."""
    table.__dict__.pop(_PARTITIONS, None)


def _refile_after(backend: DynamoDBBackend, table_name: str, key: dict[str, Any]) -> None:
    table = backend.get_table(table_name)
    partitions = table.__dict__.get(_PARTITIONS)
    if not partitions:
        return
    hash_value, range_value = backend.get_keys_value(table, key)
    item = table.get_item(hash_value, range_value)
    for filed in partitions.values():
        filed.refile(_item_key(hash_value, range_value), item)


def query_index_partitions() -> None:
    """An index Query sees only the items whose index hash key is the one asked for; moto then sorts, pages, filters
    and projects them as before. Every item write (PutItem, UpdateItem, DeleteItem, and the transactions and batches
    made of them) files the item again. Install after serialise_dynamodb_writes, which replaces the write methods:
    should it be installed again later, index queries read the whole table as moto's do, until this is installed
    again (and files every index afresh). Installing twice changes nothing."""
    if not _writes_filed():
        for name in WRITES:
            setattr(DynamoDBBackend, name, _filing(name, getattr(DynamoDBBackend, name)))
        _Filing.generation += 1
    if getattr(Table.query, "_reads_index_partitions", False):
        return
    current_query = Table.query
    query_signature = inspect.signature(HOOKED["Table.query"])

    def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = query_signature.bind(self, hash_key, *args, **kwargs).arguments
        index_name = arguments.get("index_name")
        conditions = arguments.get("hash_key_conditions") or []
        filed = None
        if index_name and len(conditions) == 1 and _writes_filed():
            filed = _index_partitions(self, index_name)
        if filed is None or conditions[0][0] != filed.hash_attribute:
            return current_query(self, hash_key, *args, **kwargs)
        partition = filed.items(conditions[0][1])
        self.all_items = lambda: partition  # type: ignore[method-assign]
        try:
            return current_query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    query._reads_index_partitions = True  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]


WRITES = ("put_item", "update_item", "delete_item")


class _Filing:
    generation = 0  # bumped each time the write hooks are put (back) in place: partitions filed before are stale


def _writes_filed() -> bool:
    return all(getattr(getattr(DynamoDBBackend, name), "_files_index_partitions", False) for name in WRITES)


def _filing(name: str, current: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(HOOKED[f"DynamoDBBackend.{name}"])

    def write(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        try:
            result = current(self, *args, **kwargs)
        except Exception:
            with contextlib.suppress(Exception):  # the write failed; if it changed anything, file that
                _refile_after(self, arguments["table_name"], _key(self, arguments))
            raise
        _refile_after(self, arguments["table_name"], _key(self, arguments))
        return result

    write._files_index_partitions = True  # type: ignore[attr-defined]
    return write


def _key(backend: DynamoDBBackend, arguments: dict[str, Any]) -> dict[str, Any]:
    """The key of the item a write names: its `key`, or a PutItem's item's key attributes."""
    if "key" in arguments:
        key: dict[str, Any] = arguments["key"]
        return key
    table = backend.get_table(arguments["table_name"])
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: arguments["item_attrs"][name] for name in names}
