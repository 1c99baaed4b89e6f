"""Workflows on Step Functions: one state machine's executions, started and stopped by name."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError


class StepFunctionsWorkflows:
    """Executions of the state machine `state_machine_arn`. An execution's ARN follows from its name, so stopping
    needs no lookup."""

    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn
        self._execution_prefix = state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":"

    def start(self, name: str, payload: Mapping[str, Any]) -> None:
        # Step Functions answers a second start of a running execution with the same input as the first, and
        # refuses one after it ended (ExecutionAlreadyExists): either way, nothing new starts.
        try:
            self._client.start_execution(stateMachineArn=self._arn, name=name, input=json.dumps(payload))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise

    def stop(self, name: str, cause: str) -> None:
        try:
            self._client.stop_execution(executionArn=self._execution_prefix + name, cause=cause[:32768])
        except ClientError as exc:
            # Ended already (or never started): there is nothing to stop, which is what the caller wants.
            if exc.response.get("Error", {}).get("Code") not in {"ExecutionDoesNotExist", "ValidationException"}:
                raise
