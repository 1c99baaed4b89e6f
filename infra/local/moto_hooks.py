"""The few places where the local runtime reaches into moto's private API to make it behave like AWS.

Each hook is named after what AWS does that moto does not (see shared notes on local AWS facts); moto is pinned
exactly in pyproject.toml and tests/infra/test_moto_hooks.py fails loudly if a hooked name or signature changes.
"""

from __future__ import annotations

import copy
import inspect
import json
import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.events.models import Rule
from moto.stepfunctions.parser.models import stepfunctions_parser_backends
from moto.utilities.arns import parse_arn

LambdaRunner = Callable[[str, Any], Any]
"""(function name, event) -> result; raises to signal a function error."""

HOOKED: dict[str, Callable[..., Any]] = {
    "LambdaFunction._invoke_lambda": LambdaFunction._invoke_lambda,
    "Rule.send_to_targets": Rule.send_to_targets,
    "DynamoDBBackend.put_item": DynamoDBBackend.put_item,
    "DynamoDBBackend.update_item": DynamoDBBackend.update_item,
    "DynamoDBBackend.delete_item": DynamoDBBackend.delete_item,
    "DynamoDBBackend.transact_write_items": DynamoDBBackend.transact_write_items,
    "DynamoHandler.call_action": DynamoHandler.call_action,
    "Table.query": Table.query,
}
EXPECTED_PARAMETERS: dict[str, list[str]] = {
    "LambdaFunction._invoke_lambda": ["self", "event"],
    "Rule.send_to_targets": ["self", "original_event", "transform_input"],
    "DynamoDBBackend.put_item": ["self", "table_name", "item_attrs"],
    "DynamoDBBackend.update_item": ["self", "table_name", "key"],
    "DynamoDBBackend.delete_item": ["self", "table_name", "key"],
    "DynamoDBBackend.transact_write_items": ["self", "transact_items"],
    "DynamoHandler.call_action": ["self"],
    "Table.query": ["self", "hash_key"],
}


def signature_drift() -> list[str]:
    """Hooked moto methods whose leading parameters are not what the hooks were written against."""
    drift = []
    for name, function in HOOKED.items():
        params = list(inspect.signature(function).parameters)[: len(EXPECTED_PARAMETERS[name])]
        if params != EXPECTED_PARAMETERS[name]:
            drift.append(f"{name}{params} (expected {EXPECTED_PARAMETERS[name]})")
    return drift


# --- Lambda: run handlers in this process instead of in Docker -------------------------------------------------


def run_lambdas_in_process(runner: LambdaRunner) -> None:
    """AWS runs the function's code; moto needs Docker for that. Run the handler here, report errors as Lambda does."""

    def invoke(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
        try:
            result = runner(self.function_name, payload)
        except Exception as exc:  # noqa: BLE001 - every handler error becomes a Lambda function error
            error = {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exception(exc)[-5:],
            }
            return json.dumps(error), True, ""
        return json.dumps(result), False, ""

    LambdaFunction._invoke_lambda = invoke  # type: ignore[method-assign]


# --- EventBridge: deliver to Step Functions and Lambda targets ---------------------------------------------------


def deliver_events_to_all_targets(invoke_async: Callable[[str, Any], None]) -> None:
    """moto's put_events raises on Step Functions and Lambda targets; start the execution or invoke the function."""
    original = HOOKED["Rule.send_to_targets"]

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        ours = [t for t in self.targets if parse_arn(t["Arn"]).service in ("states", "lambda")]
        rest = [t for t in self.targets if t not in ours]
        if rest:
            clone = copy.copy(self)
            clone.targets = rest
            original(clone, original_event, transform_input)
        for target in ours:
            event = _target_input(target, original_event)
            arn = parse_arn(target["Arn"])
            if arn.service == "states":
                backend = stepfunctions_parser_backends[arn.account][arn.region]
                backend.start_execution(target["Arn"], name=str(uuid.uuid4()), execution_input=json.dumps(event))
            else:
                invoke_async(arn.resource_id, event)

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


def _target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        node: Any = event
        for part in [p for p in target["InputPath"].lstrip("$").split(".") if p]:
            node = node[part]
        return node
    return event


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


# --- Step Functions: reuse the interpreter's AWS clients -----------------------------------------------------------

_TASK_CLIENT_MODULES = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
)


def reuse_state_machine_task_clients() -> None:
    """The interpreter builds a new boto3 client for every Task state it runs (~10% of the runtime's CPU under load);
    Step Functions' integrations keep theirs. Clients are thread-safe, so one per region and service serves all."""
    import importlib

    clients: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()
    for module_name in _TASK_CLIENT_MODULES:
        module = importlib.import_module(module_name)
        original = module.boto_client_for

        def cached(region: str, service: str, state_credentials: Any = None, _original: Any = original) -> Any:
            with lock:
                if (region, service) not in clients:
                    clients[(region, service)] = _original(region, service, state_credentials)
                return clients[(region, service)]

        setattr(module, "boto_client_for", cached)  # noqa: B010 - the attribute is moto's, untyped


# --- Step Functions: quiet the interpreter -------------------------------------------------------------------------


def quiet_state_machine_interpreter() -> None:
    """The interpreter logs every caught error (even IsPresent probes) with a stack dump; executions record them."""
    for name in ("moto.stepfunctions", "moto.stepfunctions.parser"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
