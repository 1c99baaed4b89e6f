"""Runs the template's functions in this process: import the handler once (a cold start), then call it per event."""

from __future__ import annotations

import importlib
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.local import ledger_hooks
from infra.local.deployment import FunctionSpec
from infra.local.faults import Faults, InjectedFailure, InjectedThrottle, InjectedTimeout
from infra.local.template import REPO_ROOT


@dataclass
class LocalContext:
    """What a handler reads from the Lambda context object."""

    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    deadline: float = 0.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class FunctionRunner:
    def __init__(
        self, functions: dict[str, FunctionSpec], account_id: str, region: str, *, one_at_a_time: set[str]
    ) -> None:
        self._functions = functions
        # Lambda gives every concurrent invocation its own process; here they share one. Powertools' REST resolver
        # keeps the current request on class attributes, so two API invocations at once would see each other's
        # request: the API functions take turns (each takes milliseconds); pipeline steps run concurrently.
        self._one_at_a_time = one_at_a_time
        self._api_lock = threading.Lock()
        self._account_id = account_id
        self._region = region
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self._import_lock = threading.Lock()
        self.invocations: dict[str, int] = dict.fromkeys(functions, 0)
        self._faults: dict[str, Exception] = {}
        self.faults = Faults()  # faults at a rate (LEADFLOW_FAULTS, POST /_local/faults)

    def spec(self, name: str) -> FunctionSpec:
        if name not in self._functions:
            raise KeyError(f"no function {name} in the template")
        return self._functions[name]

    def by_logical_id(self, logical_id: str) -> str:
        for spec in self._functions.values():
            if spec.logical_id == logical_id:
                return spec.name
        raise KeyError(f"no function {logical_id} in the template")

    def _handler(self, name: str) -> Callable[[Any, Any], Any]:
        with self._import_lock:
            if name not in self._handlers:
                # Lambda puts the function's code on the path; here every function lives under the repository root.
                if str(REPO_ROOT) not in sys.path:
                    sys.path.insert(0, str(REPO_ROOT))
                spec = self.spec(name)
                self._handlers[name] = getattr(importlib.import_module(spec.module), spec.attribute)
            return self._handlers[name]

    def inject_fault(self, logical_id: str, error: Exception | None) -> None:
        """Make a function fail with `error` on every call until cleared with None: the local stand-in for an
        outage. `faults` injects failures, timeouts and throttles at a rate."""
        name = self.by_logical_id(logical_id)
        if error is None:
            self._faults.pop(name, None)
        else:
            self._faults[name] = error

    def logical_ids(self) -> list[str]:
        return sorted(spec.logical_id for spec in self._functions.values())

    def __call__(self, name: str, event: Any) -> Any:
        spec = self.spec(name)
        self.invocations[name] = self.invocations.get(name, 0) + 1
        if name in self._faults:
            raise self._faults[name]
        fault = self.faults.roll(spec.logical_id)
        if fault == "throttle":
            raise InjectedThrottle(f"Rate exceeded: {spec.logical_id} was throttled (injected)")
        if fault == "raise":
            raise InjectedFailure(f"{spec.logical_id} failed (injected)")
        result = self._run(name, spec, event)
        if fault == "timeout":  # after the handler: its writes happened, only the answer is lost
            raise InjectedTimeout(f"Task timed out after {spec.timeout:.2f} seconds (injected)")
        return result

    def _run(self, name: str, spec: FunctionSpec, event: Any) -> Any:
        context = LocalContext(
            function_name=name,
            invoked_function_arn=f"arn:aws:lambda:{self._region}:{self._account_id}:function:{name}",
            log_group_name=f"/aws/lambda/{name}",
            deadline=time.monotonic() + spec.timeout,
        )
        handler = self._handler(name)
        if name in self._one_at_a_time:
            with self._api_lock, ledger_hooks.invocation(name, event):
                return handler(event, context)
        with ledger_hooks.invocation(name, event):
            return handler(event, context)
