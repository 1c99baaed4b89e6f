"""Where the ledger (infra/local/ledger.py) sees requests: every boto3 client's request (botocore's
BaseClient._make_request: handlers' adapters and the state machine interpreter's task clients alike), each state
machine execution (moto's ExecutionWorker), and the two scopes the runtime opens itself, a Lambda invocation
(FunctionRunner) and an API request (the HTTP server), through `invocation` and `api_request` below.
A thread started inside a scope inherits it, so an execution hangs under the PutEvents request whose rule started
it, and a Lambda target under the PutEvents that reached it.

One ledger per process is current: the runtime that started last. Until it is reset nothing is measured, and each hook
costs one attribute check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from botocore.client import BaseClient
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from infra.local.deployment import Deployment
from infra.local.ledger import FunctionBilling, Ledger, MachineBilling
from infra.local.ledger_dynamodb import DynamoDbMeter
from infra.local.ledger_units import Index, Item, TableShape
from infra.local.persistence import dynamodb_backend

# botocore's and moto's private methods, as they were before the hooks (botocore's stubs do not declare the first).
_ORIGINAL_MAKE_REQUEST: Callable[..., Any] = getattr(BaseClient, "_make_request")  # noqa: B009
_ORIGINAL_THREAD_START = threading.Thread.start
_ORIGINAL_LOGIC: Callable[[ExecutionWorker], None] = ExecutionWorker._execution_logic
DEFAULT_MEMORY_MB = 128  # Lambda's, when neither the function nor Globals set MemorySize


class _Current:
    ledger: Ledger | None = None


def current() -> Ledger | None:
    return _Current.ledger


def _measuring() -> Ledger | None:
    ledger = _Current.ledger
    return ledger if ledger is not None and ledger.active else None


def invocation(function_name: str, event: Any) -> Any:
    """The scope of one Lambda invocation (a context manager; nothing when the ledger is off)."""
    ledger = _measuring()
    return ledger.invocation(function_name, event) if ledger is not None else nullcontext()


def api_request(method: str, path: str) -> Any:
    """The scope of one API Gateway request (a context manager; nothing when the ledger is off)."""
    ledger = _measuring()
    return ledger.api_request(method, path) if ledger is not None else nullcontext()


def ledger_for(template: dict[str, Any], deployment: Deployment) -> Ledger:
    """A ledger that bills each function at its MemorySize and each state machine by its Type, as template.yaml
    declares them."""
    resources: dict[str, Any] = template["Resources"]
    default_memory = int(template.get("Globals", {}).get("Function", {}).get("MemorySize", DEFAULT_MEMORY_MB))
    functions = {
        spec.name: FunctionBilling(
            spec.logical_id, int(resources[spec.logical_id]["Properties"].get("MemorySize", default_memory))
        )
        for spec in deployment.functions.values()
    }
    machines = {
        arn: MachineBilling(logical_id, str(resources[logical_id]["Properties"].get("Type", "STANDARD")).upper())
        for logical_id, arn in deployment.state_machines.items()
    }
    return Ledger(functions, machines, DynamoDbMeter(_table_shape, _stored_item))


def install(ledger: Ledger) -> Ledger:
    """Make `ledger` the process's current one and hook the places it counts (once per process)."""
    _Current.ledger = ledger
    if getattr(BaseClient, "_make_request") is not _make_request:  # noqa: B009
        setattr(BaseClient, "_make_request", _make_request)  # noqa: B010
        threading.Thread.start = _thread_start  # type: ignore[method-assign]
        ExecutionWorker._execution_logic = _execution_logic  # type: ignore[method-assign]
    return ledger


def uninstall(ledger: Ledger | None) -> None:
    if ledger is not None and _Current.ledger is ledger:
        _Current.ledger = None


# --- the hooks ------------------------------------------------------------------------------------------------------


def _make_request(self: BaseClient, operation_model: Any, request_dict: dict[str, Any], request_context: Any) -> Any:
    ledger = _measuring()
    service = self.meta.service_model.service_name
    if ledger is None or service == "lambda":  # an invocation is counted where it runs (FunctionRunner)
        return _ORIGINAL_MAKE_REQUEST(self, operation_model, request_dict, request_context)
    return ledger.aws_request(
        service,
        operation_model.name,
        request_dict.get("body"),
        lambda: _ORIGINAL_MAKE_REQUEST(self, operation_model, request_dict, request_context),
    )


def _thread_start(self: threading.Thread) -> None:
    """A thread started inside a scope belongs to it: the state machine interpreter runs an execution, and each of its
    tasks, on threads of their own, and a rule's targets run on new threads started inside the PutEvents request."""
    ledger = _measuring()
    stack = ledger.stack() if ledger is not None else []
    if ledger is not None and stack:
        run = self.run

        def run_in_scope() -> None:
            ledger.adopt(stack)
            run()

        self.run = run_in_scope  # type: ignore[method-assign]
    _ORIGINAL_THREAD_START(self)


def _execution_logic(self: ExecutionWorker) -> None:
    ledger = _measuring()
    if ledger is None:
        _ORIGINAL_LOGIC(self)
        return
    arn = self._evaluation_details.state_machine_details.arn
    with ledger.execution(arn, self):
        _ORIGINAL_LOGIC(self)


# --- the local store, as the DynamoDB meter reads it ----------------------------------------------------------------

_shapes: dict[str, TableShape] = {}


def _table_shape(table_name: str) -> TableShape:
    if table_name not in _shapes:
        table = dynamodb_backend().get_table(table_name)
        indexes = tuple(_index(index) for index in table.global_indexes)
        _shapes[table_name] = TableShape(table.hash_key_attr, table.range_key_attr, indexes)
    return _shapes[table_name]


def _index(index: Any) -> Index:
    keys = {k["KeyType"]: k["AttributeName"] for k in index.schema}
    projection = index.projection or {}
    return Index(
        index.name,
        keys["HASH"],
        keys.get("RANGE"),
        projection.get("ProjectionType", "ALL"),
        tuple(projection.get("NonKeyAttributes", [])),
    )


def _stored_item(table_name: str, key: dict[str, Any]) -> Item | None:
    try:
        item = dynamodb_backend().get_item(table_name, key)
    except Exception:  # noqa: BLE001 - an incomplete key or an unknown table: DynamoDB answers the request itself
        return None
    return item.to_json()["Attributes"] if item is not None else None
