"""Every moto method the local runtime hooks, kept as moto defined it, with the parameters each hook was written
against: the hooks call the originals from here, and a test fails naming the method when moto changes it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.core.responses import ActionResult
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing.validators import ActionCountValidator, OverlappingPathsValidator
from moto.dynamodb.responses import DynamoHandler
from moto.events.models import Rule
from moto.sqs.models import Queue, SQSBackend
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

HOOKED: dict[str, Callable[..., Any]] = {
    "LambdaFunction._invoke_lambda": LambdaFunction._invoke_lambda,
    "Rule.send_to_targets": Rule.send_to_targets,
    "DynamoDBBackend.put_item": DynamoDBBackend.put_item,
    "DynamoDBBackend.update_item": DynamoDBBackend.update_item,
    "DynamoDBBackend.delete_item": DynamoDBBackend.delete_item,
    "DynamoDBBackend.transact_write_items": DynamoDBBackend.transact_write_items,
    "DynamoHandler.call_action": DynamoHandler.call_action,
    "Table.query": Table.query,
    "ActionCountValidator.traverse": ActionCountValidator.traverse,
    "OverlappingPathsValidator.traverse": OverlappingPathsValidator.traverse,
    "WaitFunction._eval_body": WaitFunction._eval_body,
    "ExecutionWorker._get_evaluation_environment": ExecutionWorker._get_evaluation_environment,
    "ExecutionWorker._get_evaluation_entrypoint": ExecutionWorker._get_evaluation_entrypoint,
    "ExecutionWorker.stop": ExecutionWorker.stop,
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
    "ActionCountValidator.traverse": ["self", "node"],
    "OverlappingPathsValidator.traverse": ["self", "node"],
    "WaitFunction._eval_body": ["self", "env"],
    "ExecutionWorker._get_evaluation_environment": ["self"],
    "ExecutionWorker._get_evaluation_entrypoint": ["self"],
    "ExecutionWorker.stop": ["self", "stop_date", "error", "cause"],
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
