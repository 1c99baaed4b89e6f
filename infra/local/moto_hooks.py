"""The few places where the local runtime reaches into moto's private API to make it behave like AWS.

Each hook is named after what AWS does that moto does not (see shared notes on local AWS facts); moto is pinned
exactly in pyproject.toml and tests/infra/test_moto_hooks.py fails loudly if a hooked name or signature changes.
"""

from __future__ import annotations

import copy
import datetime
import importlib
import inspect
import json
import logging
import threading
import traceback
import types
import uuid
from collections.abc import Callable
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionContext, ActionResult
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.events.models import Rule
from moto.sqs.models import Queue, SQSBackend
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.models import stepfunctions_parser_backends
from moto.utilities.arns import parse_arn

from infra.local.clock import VirtualClock

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
    "WaitFunction._eval_body": WaitFunction._eval_body,
    "ExecutionWorker._get_evaluation_environment": ExecutionWorker._get_evaluation_environment,
    "LimitedSizeDict.__setitem__": LimitedSizeDict.__setitem__,
    "ActionResult.execute_result": ActionResult.execute_result,
    "SQSBackend.send_message": SQSBackend.send_message,
    "SQSBackend.purge_queue": SQSBackend.purge_queue,
    "Queue.delete_message": Queue.delete_message,
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
    "WaitFunction._eval_body": ["self", "env"],
    "ExecutionWorker._get_evaluation_environment": ["self"],
    "LimitedSizeDict.__setitem__": ["self", "key", "value"],
    "ActionResult.execute_result": ["self", "context"],
    "SQSBackend.send_message": ["self", "queue_name", "message_body", "message_attributes"],
    "SQSBackend.purge_queue": ["self", "queue_name"],
    "Queue.delete_message": ["self", "receipt_handle"],
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
        except Exception as exc:  # every handler error becomes a Lambda function error (or a service error)
            service_error = getattr(exc, "service_error", None)
            if service_error:  # Lambda itself refused (a throttle): the Invoke call fails, no function error
                raise LambdaServiceError(service_error, str(exc), int(getattr(exc, "status", 500))) from exc
            error = {
                # A runtime's own errors (Sandbox.Timedout) are not Python class names: an exception may name one.
                "errorType": getattr(exc, "error_type", None) or type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exception(exc)[-5:],
            }
            return json.dumps(error), True, ""
        return json.dumps(result), False, ""

    LambdaFunction._invoke_lambda = invoke  # type: ignore[method-assign]


class LambdaServiceError(JsonRESTError):
    """An error of the Lambda service's Invoke call, as AWS answers it (TooManyRequestsException with 429); Step
    Functions names it `Lambda.<code>`."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(code, message)
        self.code = status


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


# --- SQS: a message journal ----------------------------------------------------------------------------------------

QueueSent = Callable[[str, str, str, dict[str, Any]], None]
"""(queue name, message id, body, message attributes)"""
QueueDeleted = Callable[[str, str], None]
"""(queue name, message id)"""


def journal_queue_messages(on_sent: QueueSent | None, on_deleted: QueueDeleted | None) -> None:
    """SQS keeps a message until it is deleted, across anything that happens to its reader; moto keeps it in memory.
    Report every message sent (a rule's target or dead letter, a Lambda destination, a client) and every message
    deleted or purged, so the runtime can keep its queues across a restart. None: report nothing (a runtime that
    persists nothing must not write to the folder of one that ran before it in this process)."""
    original_send = HOOKED["SQSBackend.send_message"]
    original_delete = HOOKED["Queue.delete_message"]
    original_purge = HOOKED["SQSBackend.purge_queue"]
    if on_sent is None or on_deleted is None:
        SQSBackend.send_message = original_send  # type: ignore[method-assign]
        Queue.delete_message = original_delete  # type: ignore[method-assign]
        SQSBackend.purge_queue = original_purge  # type: ignore[method-assign]
        return

    def send_message(self: SQSBackend, queue_name: str, message_body: str, *args: Any, **kwargs: Any) -> Any:
        message = original_send(self, queue_name, message_body, *args, **kwargs)
        on_sent(queue_name, message.id, message.body, dict(message.message_attributes or {}))
        return message

    def delete_message(self: Queue, receipt_handle: str) -> None:
        ids = [message.id for message in self._messages if message.had_receipt_handle(receipt_handle)]
        original_delete(self, receipt_handle)
        for message_id in ids:
            on_deleted(self.name, message_id)

    def purge_queue(self: SQSBackend, queue_name: str) -> None:
        ids = [message.id for message in self.get_queue(queue_name)._messages]
        original_purge(self, queue_name)
        for message_id in ids:
            on_deleted(queue_name, message_id)

    SQSBackend.send_message = send_message  # type: ignore[method-assign]
    Queue.delete_message = delete_message  # type: ignore[method-assign]
    SQSBackend.purge_queue = purge_queue  # type: ignore[method-assign]


# --- Step Functions: reuse the interpreter's AWS clients -----------------------------------------------------------

_TASK_CLIENT_MODULES = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
)


def reuse_state_machine_task_clients() -> None:
    """The interpreter builds a new boto3 client for every Task state it runs (~10% of the runtime's CPU under load);
    Step Functions' integrations keep theirs. Clients are thread-safe, so one per region and service serves all."""
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


# --- Step Functions: time follows the runtime's clock ---------------------------------------------------------------

STATE_MODULE = "moto.stepfunctions.parser.asl.component.state.state"


def context_timestamp(moment: datetime.datetime) -> str:
    """Step Functions' context-object times: UTC, milliseconds, Z (which a TimestampPath Wait also accepts)."""
    utc = moment.astimezone(datetime.UTC)
    return datetime.datetime.isoformat(utc, timespec="milliseconds").replace("+00:00", "Z")  # also for subclasses


class ClockWaits:
    """The Wait states currently parked on the virtual clock, so the runtime can tell an execution that waits for
    time to pass (settled: it only moves when the clock does) from one still working."""

    def __init__(self, clock: VirtualClock, poll_interval: float) -> None:
        self.clock = clock
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[str, datetime.datetime]] = {}

    def executions(self) -> set[str]:
        """ARNs of executions parked in a Wait whose moment the clock has not reached yet."""
        now = self.clock.now()
        with self._lock:
            return {arn for arn, until in self._waiting.values() if until > now}

    def wait(self, env: Environment, until: datetime.datetime) -> None:
        """Block until the clock reads `until` or the execution stops (StopExecution, a failed Parallel branch).

        The clock wakes the waiter when it is advanced; the poll only notices a stop, which moto signals with a
        one-shot event that a waiter blocked on the clock cannot see.
        """
        token = object()
        arn = str(env.states.context_object.context_object_data["Execution"]["Id"])
        with self._lock:
            self._waiting[id(token)] = (arn, until)
        try:
            while env.is_running() and not self.clock.sleep_until(until, timeout=self.poll_interval):
                pass
        finally:
            with self._lock:
                del self._waiting[id(token)]


def _wait_until(wait: WaitFunction, env: Environment, clock: VirtualClock) -> datetime.datetime:
    if isinstance(wait, Timestamp):  # Timestamp and TimestampPath: an absolute moment, compared with virtual now
        wait.string.eval(env=env)
        text = env.stack.pop()
        moment = wait._from_timestamp_string(text)
        if moment is None:
            raise FailureEventException(wait._create_failure_event(env, text))
        return moment.replace(tzinfo=datetime.UTC)
    # Seconds, SecondsPath, JSONata seconds: virtual seconds from when the state was entered (on the virtual clock).
    seconds = wait._get_wait_seconds(env)
    state: dict[str, Any] = dict(env.states.context_object.context_object_data.get("State") or {})
    try:
        entered = datetime.datetime.fromisoformat(str(state.get("EnteredTime")))
    except ValueError:
        entered = clock.now()
    return entered + datetime.timedelta(seconds=seconds)


def state_machines_follow_clock(clock: VirtualClock, poll_interval: float = 0.2) -> ClockWaits:
    """On AWS a Wait state waits for time to pass; locally time is the runtime's clock, which can run fast or jump.

    Wait states (Seconds, SecondsPath, Timestamp, TimestampPath) wait until the virtual clock reaches their moment,
    and `$$.State.EnteredTime` / `$$.Execution.StartTime` read the virtual clock in AWS's format (moto puts a
    datetime object in StartTime, which breaks any state that passes it on). Retry intervals and Task timeouts stay
    in real time.
    """
    waits = ClockWaits(clock, poll_interval)

    def eval_body(self: WaitFunction, env: Environment) -> None:
        waits.wait(env, _wait_until(self, env, clock))

    WaitFunction._eval_body = eval_body  # type: ignore[method-assign]

    class _ContextTime(datetime.datetime):
        def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
            return context_timestamp(self)

    def now(tz: datetime.tzinfo | None = None) -> datetime.datetime:
        return _ContextTime.fromtimestamp(clock.now().timestamp(), tz=tz or datetime.UTC)

    # moto's state module uses `datetime` for exactly one thing, EnteredTime: give it a module that reads our clock.
    shim = types.SimpleNamespace(datetime=types.SimpleNamespace(now=now), timezone=datetime.timezone)
    setattr(importlib.import_module(STATE_MODULE), "datetime", shim)  # noqa: B010 - moto's module attribute

    original_environment = HOOKED["ExecutionWorker._get_evaluation_environment"]

    def evaluation_environment(self: ExecutionWorker) -> Environment:
        env: Environment = original_environment(self)
        env.states.context_object.context_object_data["Execution"]["StartTime"] = context_timestamp(clock.now())
        return env

    ExecutionWorker._get_evaluation_environment = evaluation_environment  # type: ignore[method-assign]
    return waits


# --- Step Functions: quiet the interpreter -------------------------------------------------------------------------


def quiet_state_machine_interpreter() -> None:
    """The interpreter logs every caught error (even IsPresent probes) with a stack dump; executions record them."""
    for name in ("moto.stepfunctions", "moto.stepfunctions.parser"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
