"""Step Functions as AWS runs it: each definition and JSONPath parsed once, one AWS client per service for every
Task state, Wait states and the context object's times on the runtime's clock, and an interpreter that does not log
every caught error."""

from __future__ import annotations

import datetime
import functools
import importlib
import logging
import threading
import time
import types
from typing import Any

from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from infra.local.clock import VirtualClock
from infra.local.moto_hooks.registry import HOOKED

# --- Step Functions: reuse the interpreter's AWS clients -----------------------------------------------------------

TASK_CLIENT_MODULES = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_events",
)


def reuse_state_machine_task_clients() -> None:
    """The interpreter builds a new boto3 client for every Task state it runs (~10% of the runtime's CPU under load);
    Step Functions' integrations keep theirs. Clients are thread-safe, so one per region and service serves all."""
    clients: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()
    for module_name in TASK_CLIENT_MODULES:
        module = importlib.import_module(module_name)
        original = module.boto_client_for

        def cached(region: str, service: str, state_credentials: Any = None, _original: Any = original) -> Any:
            with lock:
                if (region, service) not in clients:
                    clients[(region, service)] = _original(region, service, state_credentials)
                return clients[(region, service)]

        setattr(module, "boto_client_for", cached)  # noqa: B010 - the attribute is moto's, untyped


# --- Step Functions: parse a definition once -----------------------------------------------------------------------


def parse_each_definition_once() -> None:
    """Step Functions compiles a state machine's definition when it is created; moto's interpreter parses it again
    (an ANTLR parse, ~20 ms for the lead pipeline) at the start of every execution: a fifth of the runtime's CPU under
    load. The parsed program keeps no execution's state (each execution's data lives in its own environment), so
    executions of one definition share one parse."""
    programs: dict[str, EvalComponent] = {}
    parsing = threading.Lock()
    original = HOOKED["ExecutionWorker._get_evaluation_entrypoint"]

    def evaluation_entrypoint(self: ExecutionWorker) -> EvalComponent:
        definition = self._evaluation_details.state_machine_details.definition
        program = programs.get(definition)
        if program is None:
            with parsing:  # a burst of first executions waits for one parse
                program = programs.get(definition) or original(self)
                programs[definition] = program
        return program

    ExecutionWorker._get_evaluation_entrypoint = evaluation_entrypoint  # type: ignore[method-assign]


#: The interpreter's modules that parse a JSONPath (InputPath, OutputPath, parameters, ResultPath) with jsonpath_ng.
JSON_PATH_MODULES = (
    "moto.stepfunctions.parser.asl.utils.json_path",
    "moto.stepfunctions.parser.asl.component.common.path.result_path",
)


def parse_each_json_path_once() -> None:
    """jsonpath_ng's `parse` builds a new parser, LR tables included, for every path it parses, and the interpreter
    parses each path of a state every time the state runs (~5% of the runtime's CPU under load). A parsed path is an
    immutable expression, so one parse per distinct path serves every execution."""
    for module_name in JSON_PATH_MODULES:
        module = importlib.import_module(module_name)
        if not hasattr(module.parse, "cache_info"):
            setattr(module, "parse", functools.lru_cache(maxsize=4096)(module.parse))  # noqa: B010 - moto's attribute


# --- Step Functions: time follows the runtime's clock ---------------------------------------------------------------

STATE_MODULE = "moto.stepfunctions.parser.asl.component.state.state"
STOP_WAIT_SECONDS = 5.0  # at most, for a just-started execution's environment (see stop below)


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

        The clock wakes the waiter when it is advanced, and when an execution is stopped (StopExecution nudges the
        clock, see state_machines_follow_clock); the poll is a backstop, long so that a thousand parked executions
        (nurture enrolments) cost nothing while they wait.
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


def state_machines_follow_clock(clock: VirtualClock, poll_interval: float = 10.0) -> ClockWaits:
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

    original_stop = HOOKED["ExecutionWorker.stop"]

    def stop(self: ExecutionWorker, stop_date: datetime.datetime, error: str | None, cause: str | None) -> None:
        # moto builds an execution's environment on its own thread once started; a StopExecution that comes right
        # after StartExecution (a lead enrolled and removed at once) would find none and fail, where AWS stops it.
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while self.env is None and time.monotonic() < deadline:
            time.sleep(0.005)
        original_stop(self, stop_date, error, cause)
        clock.nudge()  # a Wait state parked on the clock sees the stop now, not at its next poll

    ExecutionWorker.stop = stop  # type: ignore[method-assign]
    return waits


# --- Step Functions: quiet the interpreter -------------------------------------------------------------------------


def quiet_state_machine_interpreter() -> None:
    """The interpreter logs every caught error (even IsPresent probes) with a stack dump; executions record them."""
    for name in ("moto.stepfunctions", "moto.stepfunctions.parser"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
