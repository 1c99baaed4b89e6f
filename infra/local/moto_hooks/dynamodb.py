"""DynamoDB as AWS runs it: conditional writes applied atomically (with a journal of every write), a Query that
reads one partition rather than the table, item sizes counted once, and items answered as JSON."""

from __future__ import annotations

import copy
import inspect
import json
import threading
from collections.abc import Callable
from typing import Any

import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.responses as dynamodb_responses
from moto.core.responses import ActionContext, ActionResult
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing import validators
from moto.dynamodb.parsing.ast_nodes import Node, UpdateExpression  # type: ignore[attr-defined]
from moto.dynamodb.parsing.validators import ActionCountValidator, OverlappingPathsValidator
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from infra.local.moto_hooks.registry import HOOKED

# --- DynamoDB: atomic conditional writes and a write journal ------------------------------------------------------

WriteListener = Callable[[str, dict[str, Any] | None, dict[str, Any]], None]
"""(table name, item as DynamoDB JSON or None when deleted, key as DynamoDB JSON)."""

_write_lock = threading.RLock()


Key = dict[str, Any]
Arguments = dict[str, Any]


def _key_of(backend: DynamoDBBackend, table_name: str, attrs: dict[str, Any]) -> Key:
    table = backend.get_table(table_name)
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: attrs[name] for name in names if name in attrs}


def _put_keys(backend: DynamoDBBackend, args: Arguments) -> list[tuple[str, Key]]:
    return [(args["table_name"], _key_of(backend, args["table_name"], args["item_attrs"]))]


def _keyed_keys(backend: DynamoDBBackend, args: Arguments) -> list[tuple[str, Key]]:
    return [(args["table_name"], args["key"])]


def _transact_keys(backend: DynamoDBBackend, args: Arguments) -> list[tuple[str, Key]]:
    affected = []
    for entry in args["transact_items"]:
        op_type, op = next(iter(entry.items()))
        if op_type == "Put":
            affected.append((op["TableName"], _key_of(backend, op["TableName"], op["Item"])))
        elif op_type in ("Update", "Delete"):
            affected.append((op["TableName"], op["Key"]))
    return affected


_AFFECTED_KEYS: dict[str, Callable[[DynamoDBBackend, Arguments], list[tuple[str, Key]]]] = {
    "put_item": _put_keys,
    "update_item": _keyed_keys,
    "delete_item": _keyed_keys,
    "transact_write_items": _transact_keys,
}


def serialise_dynamodb_writes(on_write: WriteListener | None = None) -> None:
    """DynamoDB applies a conditional write atomically; moto checks and writes without a lock, so threads can race.

    Every DynamoDB request runs under one lock here: a write's ReturnValues are read after the write, and even a read
    can add an entry to moto's item dict (which a transaction's table copy then trips over). `on_write` sees each
    item's state after a write, for persistence.
    """
    original_call = HOOKED["DynamoHandler.call_action"]

    def call_action(self: DynamoHandler) -> Any:
        with _write_lock:
            return original_call(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]

    def report(backend: DynamoDBBackend, table_name: str, key: Key) -> None:
        table = backend.get_table(table_name)
        hash_value, range_value = backend.get_keys_value(table, key)
        item = table.get_item(hash_value, range_value)
        if on_write is not None:
            on_write(table_name, item.to_json()["Attributes"] if item else None, key)

    for name, affected_keys in _AFFECTED_KEYS.items():
        original = HOOKED[f"DynamoDBBackend.{name}"]
        signature = inspect.signature(original)

        def locked(
            self: DynamoDBBackend,
            *args: Any,
            _original: Callable[..., Any] = original,
            _signature: inspect.Signature = signature,
            _affected: Callable[[DynamoDBBackend, Arguments], list[tuple[str, Key]]] = affected_keys,
            **kwargs: Any,
        ) -> Any:
            with _write_lock:
                result = _original(self, *args, **kwargs)
                if on_write is not None:
                    arguments = _signature.bind(self, *args, **kwargs).arguments
                    for table_name, key in _affected(self, arguments):
                        report(self, table_name, key)
                return result

        setattr(DynamoDBBackend, name, locked)


def query_partitions_not_tables() -> None:
    """A DynamoDB Query reads one partition; moto's sorts the whole table first, so every Query costs O(table).

    For base-table queries (the pipeline's hot path: match-index blocks, a lead's history) the hooked query sees only
    the partition asked for; index queries keep moto's full path. Runs under the DynamoDB request lock, so the
    temporary instance attribute cannot leak into another request.
    """
    original = HOOKED["Table.query"]
    signature = inspect.signature(original)

    def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = signature.bind(self, hash_key, *args, **kwargs).arguments.get("index_name")
        if index_name or hash_key is None or not self.range_key_attr:
            return original(self, hash_key, *args, **kwargs)
        partition = list(self.items[hash_key].values()) if hash_key in self.items else []
        self.all_items = lambda: sorted(partition, key=lambda item: item.range_key)  # type: ignore[method-assign]
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]


ITEM_SIZE_LIMIT = 405_000  # moto's own figure: DynamoDB refuses items between 409 and 410 KB


def _attribute_size(key: str, value: Any) -> int:
    return len(key.encode("utf-8")) + (value.size() if type(value) is DynamoType else len(str(value).encode("utf-8")))


def size_items_once() -> None:
    """DynamoDB checks an item's size once per write; moto re-measures the whole item for every attribute it sets,
    walking every nested map and list each time. For a lead with its score lines and activity that made one PutItem
    cost ~40 ms under the DynamoDB request lock, and a burst of writes to one lead queue behind it.

    The hooked dict keeps a running size, measuring each attribute once as it is set; the 400 KB limit is enforced as
    before, with an exact re-measure when an item nears it (updates that change a nested value in place are then
    counted too)."""

    def set_attribute(self: LimitedSizeDict, key: str, value: Any) -> None:
        size = self.__dict__.get("_size")
        if size is None:
            size = sum(_attribute_size(name, item) for name, item in self.items())
        new_size = size + _attribute_size(key, value) - (_attribute_size(key, self[key]) if key in self else 0)
        if new_size > ITEM_SIZE_LIMIT // 2:  # near the limit: measure exactly, as moto would
            new_size = _attribute_size(key, value) + sum(
                _attribute_size(name, item) for name, item in self.items() if name != key
            )
        if new_size > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        dict.__setitem__(self, key, value)
        self.__dict__["_size"] = new_size

    LimitedSizeDict.__setitem__ = set_attribute  # type: ignore[method-assign]


#: DynamoDB operations whose answers are items: already in DynamoDB's wire JSON once moto has converted them.
ITEM_OPERATIONS = frozenset(
    {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
)


def answer_items_as_json() -> None:
    """DynamoDB answers item operations with the items as JSON. moto builds the same JSON through its generic,
    shape-driven serializer, which looks up every one of the ten AttributeValue members for every nested value: ~60 ms
    for one lead with its activity, spent under the DynamoDB request lock, so concurrent pipeline runs queued behind
    it. For those operations the hooked result is dumped as it is (the same document; a canary test compares them)."""
    original = HOOKED["ActionResult.execute_result"]

    def execute_result(self: ActionResult, context: ActionContext) -> Any:
        if not isinstance(self, DynamoResult) or context.operation_model.name not in ITEM_OPERATIONS:
            return original(self, context)
        result = self.result
        if not isinstance(result, dict):
            return original(self, context)
        try:
            body = json.dumps({key: value for key, value in result.items() if value is not None})
        except (TypeError, ValueError):
            return original(self, context)
        status, headers, _ = original(ActionResult({}), context)  # the protocol's status and headers
        return status, headers, body

    ActionResult.execute_result = execute_result  # type: ignore[method-assign]


# --- DynamoDB: an update expression's tree copied as a tree --------------------------------------------------------

_IMMUTABLE = frozenset({str, int, float, bool, type(None)})
_NODE_TYPES: set[type] = set()


def _copy_expression(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """A deep copy of a parsed expression: its nodes, their lists and parent links copied, plain values shared;
    anything else copied by copy.deepcopy as before."""
    memo = {} if memo is None else memo
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if kind is list:
        return [_copy_expression(item, memo) for item in value]
    if kind in _NODE_TYPES or issubclass(kind, Node):
        _NODE_TYPES.add(kind)
        found = memo.get(id(value))
        if found is None:
            found = memo[id(value)] = object.__new__(kind)
            found.__dict__.update({name: _copy_expression(item, memo) for name, item in value.__dict__.items()})
        return found
    return copy.deepcopy(value, memo)


def copy_update_expressions_as_trees() -> None:
    """moto validates an update expression on a deep copy of its parsed tree (the tree is parsed afresh for each
    request; the copy keeps it intact for the second validation of an item that does not exist yet). copy.deepcopy
    spends ~1 ms on the tree of a report cell's 30-counter ADD, under the DynamoDB request lock; copying the nodes
    directly gives the same tree in a fraction of that."""
    setattr(validators, "deepcopy", _copy_expression)  # noqa: B010 - moto's module attribute


# --- DynamoDB: a transaction's rollback copy, of the items it writes ----------------------------------------------

_transaction = threading.local()
_update = threading.local()


class _FewerCopies:
    """Stands in for the `copy` module inside moto's DynamoDB models: a transaction's copy of a table is the table
    itself (back_up_only_what_a_transaction_writes keeps the items the transaction writes instead), and an updated
    item's copy is the item itself when its table has no stream (copy_updated_items_only_for_streams)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if getattr(_transaction, "active", False) and isinstance(value, Table):
            return value
        if getattr(_update, "without_stream", False) and isinstance(value, Item):
            return value
        return copy.deepcopy(value, memo)


class _ItemsAnsweredAsJson:
    """Stands in for the `copy` module inside moto's DynamoDB responses, whose one deep copy is of the item an
    UpdateItem is about to change, read only through Item.to_json (which builds a new document) straight after."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Item) else copy.deepcopy(value, memo)


def _restore(backend: DynamoDBBackend, table_name: str, key: Key, attrs: dict[str, Any] | None) -> None:
    if attrs is not None:
        backend.put_item(table_name, attrs)
    elif backend.get_item(table_name, key) is not None:
        backend.delete_item(table_name, key)


def back_up_only_what_a_transaction_writes() -> None:
    """DynamoDB's transactions cost the same whatever the table's size. moto backs up a table before a transaction by
    deep-copying all of it, once per item of the transaction that names it, and puts the copy back if the transaction
    is cancelled: a report projection's write (a lead's contribution, its cells and members, 20-40 items) copied the
    whole reports table 20-40 times, so writes grew slower as the table filled (90 ms at first, 230 ms after only
    300 leads) under the lock every DynamoDB request takes. Here the backup is the items the transaction writes, read
    before it, and a cancelled transaction puts exactly those back. Install after serialise_dynamodb_writes, whose
    lock makes reading the items and writing them one atomic step."""
    dynamodb_models.copy = _FewerCopies()  # type: ignore[attr-defined,assignment]
    current = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        with _write_lock:
            try:
                touched = _transact_keys(self, {"transact_items": transact_items})
                before = [(name, key, self.get_item(name, key)) for name, key in touched]
            except Exception:  # noqa: BLE001 - an unknown table or a key missing: moto answers it as DynamoDB does
                current(self, transact_items)
                return
            backup = [(name, key, item.to_json()["Attributes"] if item else None) for name, key, item in before]
            _transaction.active = True
            try:
                current(self, transact_items)
            except Exception:
                _transaction.active = False
                for name, key, attrs in reversed(backup):
                    _restore(self, name, key, attrs)
                raise
            finally:
                _transaction.active = False

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def copy_updated_items_only_for_streams() -> None:
    """moto's UpdateItem deep-copies the item before changing it, for the old image of the table's stream record, on
    every table: for a lead with its score lines and history, and for each of a report projection's 20-40 cells, ~4%
    of the runtime's CPU under load, under the DynamoDB request lock. On a table without a stream the copy is never
    read, so it is the item itself there. The UpdateItem request copies it once more to answer ALL_OLD / UPDATED_*
    values, but turns the copy into JSON (a new document) at once, before the update: the JSON of the item itself is
    the same document. Install after serialise_dynamodb_writes."""
    dynamodb_models.copy = _FewerCopies()  # type: ignore[attr-defined,assignment]
    setattr(dynamodb_responses, "copy", _ItemsAnsweredAsJson())  # noqa: B010 - the module-level name moto reads
    current = DynamoDBBackend.update_item

    def update_item(self: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Any:
        table = self.tables.get(table_name)
        _update.without_stream = table is not None and table.stream_shard is None
        try:
            return current(self, table_name, *args, **kwargs)
        finally:
            _update.without_stream = False

    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]


# --- DynamoDB: an update expression's whole-expression checks, once ------------------------------------------------


def check_update_expressions_once() -> None:
    """moto checks an update expression's clause counts and overlapping paths at every sub-expression of the parsed
    tree, each check walking the whole sub-tree below it: quadratic in the number of actions, about 10 ms for the
    30-counter `ADD` of a report cell. Both checks look at every action below the node they run on, so running them
    on the root alone finds exactly what the repeated runs find (the same errors), in one walk."""
    for validator in (ActionCountValidator, OverlappingPathsValidator):
        original = HOOKED[f"{validator.__name__}.traverse"]

        def traverse(self: Any, node: Any, _original: Callable[[Any, Any], Any] = original) -> Any:
            if isinstance(node, UpdateExpression):
                for node_type, check in self._processing_map().items():
                    if isinstance(node, node_type):
                        return check(node)
            return _original(self, node)

        validator.traverse = traverse
