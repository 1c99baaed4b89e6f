"""Lambda and EventBridge as AWS runs them: handlers run in this process instead of in Docker, and a rule delivers
to Step Functions, Lambda and Firehose targets, which moto's put_events cannot."""

from __future__ import annotations

import copy
import json
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.core.exceptions import JsonRESTError
from moto.events.models import Rule
from moto.sqs.models import sqs_backends
from moto.stepfunctions.parser.models import stepfunctions_parser_backends
from moto.utilities.arns import parse_arn

from infra.local.moto_hooks.registry import HOOKED

LambdaRunner = Callable[[str, Any], Any]
"""(function name, event) -> result; raises to signal a function error."""
StreamWriter = Callable[[str, dict[str, Any]], None]
"""(delivery stream name, event) -> None: what a Firehose stream does with a record a rule puts on it."""


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


def deliver_events_to_all_targets(
    invoke_async: Callable[[str, Any], None], put_record: StreamWriter | None = None
) -> None:
    """moto's put_events raises on Step Functions, Lambda and Firehose targets; start the execution, invoke the
    function or hand the event to the stream (the local archive; without one, a Firehose target drops it). An SQS
    target gets the whole event, as AWS sends it."""
    original = HOOKED["Rule.send_to_targets"]

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        ours = [t for t in self.targets if parse_arn(t["Arn"]).service in ("states", "lambda", "firehose", "sqs")]
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
            elif arn.service == "firehose":
                if put_record is not None:
                    put_record(arn.resource_id, event)
            elif arn.service == "sqs":
                body = json.dumps(_as_delivered(event) if event is original_event else event)
                sqs_backends[arn.account][arn.region].send_message(queue_name=arn.resource_id, message_body=body)
            else:
                invoke_async(arn.resource_id, event)

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


def _as_delivered(event: dict[str, Any]) -> dict[str, Any]:
    """The event as EventBridge hands it to a queue: every field of the envelope, its time in ISO 8601 (moto's own
    SQS delivery drops `account` and parses a JSONPath per field of every event)."""
    delivered = {name: value for name, value in event.items() if name != "ingestion-time"}
    if isinstance(delivered.get("time"), int | float):
        delivered["time"] = datetime.fromtimestamp(delivered["time"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return delivered


def _target_input(target: dict[str, Any], event: dict[str, Any]) -> Any:
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        node: Any = event
        for part in [p for p in target["InputPath"].lstrip("$").split(".") if p]:
            node = node[part]
        return node
    return event
