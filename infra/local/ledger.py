"""The AWS request ledger: every billable request the system makes while the runtime runs, by service, in the units
AWS bills (API Gateway requests, Lambda invocations and GB-seconds at each function's MemorySize, DynamoDB read and
write units, EventBridge events, Step Functions Express executions and GB-seconds and STANDARD state transitions, SES
sends, SQS requests, EventBridge Scheduler invocations), and each request as a call with its parent, so the
sequential round trips on a lead's path can be counted (infra/local/ledger_paths.py).

What is counted: requests made inside a metered scope, which is an API request, a Lambda invocation, a state machine
execution, or a request made inside one of those. The runtime's own requests (deploying the template, loading the
config at start-up, the dashboard, waiting for executions to settle) have no such scope: they are tallied apart as
`unmetered` and priced at nothing. The ledger counts nothing until `reset()` (DELETE /_local/ledger) switches it on.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from infra.local.ledger_dynamodb import DynamoDbMeter
from infra.local.ledger_units import chunks, express_gb_seconds, lambda_billed_ms, lambda_gb_seconds

HTTP_OK, HTTP_REDIRECT = 200, 300
MAX_CALLS = 200_000  # calls kept for the round-trip analysis; the counters keep counting beyond
FREE = "free"  # a request AWS does not bill (control-plane reads, a STANDARD StartExecution: its transitions are)


@dataclass
class Call:
    id: int
    parent: int | None
    service: str  # apigateway, lambda, states, dynamodb, events, sqs, sesv2, ...
    operation: str  # a route, a function's or state machine's logical id, an API operation
    started: float
    ended: float = 0.0  # 0 while it runs (an SLA timer waiting for its deadline)
    thread: int = 0  # calls on the thread of their parent are nested in it; others were started by it and run on


@dataclass(frozen=True)
class FunctionBilling:
    logical_id: str
    memory_mb: int


@dataclass(frozen=True)
class MachineBilling:
    logical_id: str
    kind: str  # EXPRESS or STANDARD


class Ledger:
    def __init__(
        self, functions: dict[str, FunctionBilling], machines: dict[str, MachineBilling], dynamodb: DynamoDbMeter
    ) -> None:
        self._functions = functions  # by physical name
        self._machines = machines  # by ARN
        self._dynamodb = dynamodb
        self._lock = threading.Lock()
        self._local = threading.local()
        self._threads = itertools.count(1)
        self._running: dict[int, tuple[Any, str]] = {}  # STANDARD executions not finished: (worker, its workflow)
        self._standard = {m.logical_id for m in machines.values() if m.kind == "STANDARD"}
        self.active = False
        self._clear()

    def _clear(self) -> None:
        self.started_at = time.time()
        self.units: Counter[str] = Counter()
        self.requests: dict[str, Counter[str]] = defaultdict(Counter)  # service -> operation -> count
        self.by_caller: dict[str, Counter[str]] = defaultdict(Counter)  # function/machine -> "service operation"
        self.caller_units: dict[str, Counter[str]] = defaultdict(Counter)  # function/machine -> units it spent
        self.tables: dict[str, Counter[str]] = defaultdict(Counter)  # table -> read/write units
        self.workflows: dict[str, Counter[str]] = defaultdict(Counter)  # "<machine>#<call id>" -> units it caused
        self.unmetered: Counter[str] = Counter()
        self.calls: list[Call] = []
        self.first_id = getattr(self, "_next_id", 0)  # calls after it were made in this window
        self._next_id = self.first_id

    def reset(self) -> None:
        """Forget everything counted and count from now on."""
        with self._lock:
            self._clear()
            for worker_id in list(self._running):
                worker, _billing = self._running[worker_id]
                worker._ledger_counted = _transitions(worker)  # already run before the reset: not this window's
            self.active = True

    # --- scopes --------------------------------------------------------------------------------------------------

    def _stack(self) -> list[Call]:
        stack: list[Call] | None = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def stack(self) -> list[Call]:
        """A copy of this thread's open scopes, for a thread it starts (`adopt`)."""
        return list(self._stack())

    def adopt(self, stack: list[Call]) -> None:
        self._local.stack = list(stack)

    def _thread(self) -> int:
        """This thread's number, never given to another (an ident is reused once its thread has ended: two threads
        a function started one after the other must not look like one)."""
        number: int | None = getattr(self._local, "thread", None)
        if number is None:
            number = self._local.thread = next(self._threads)
        return number

    def current(self) -> int | None:
        stack = self._stack()
        return stack[-1].id if stack else None

    def _caller(self) -> str:
        for call in reversed(self._stack()):
            if call.service in ("lambda", "states", "apigateway"):
                return call.operation
        return "?"

    def _open(self, service: str, operation: str, parent: int | None) -> Call:
        with self._lock:
            self._next_id += 1
            call = Call(self._next_id, parent, service, operation, time.perf_counter(), thread=self._thread())
            if len(self.calls) < MAX_CALLS:
                self.calls.append(call)
        return call

    @contextmanager
    def scope(self, service: str, operation: str) -> Iterator[Call]:
        stack = self._stack()
        call = self._open(service, operation, self.current())
        stack.append(call)
        try:
            yield call
        finally:
            call.ended = time.perf_counter()
            stack.pop()

    # --- what is counted --------------------------------------------------------------------------------------------

    @contextmanager
    def api_request(self, method: str, path: str) -> Iterator[None]:
        with self.scope("apigateway", f"{method} {path}"):
            yield
        self._count("apigateway", f"{method} {path}", {"apigateway.requests": 1})

    @contextmanager
    def invocation(self, function_name: str, event: Any) -> Iterator[None]:
        billing = self._functions.get(function_name, FunctionBilling(function_name, 128))
        with self.scope("lambda", billing.logical_id) as call:
            yield
        billed = lambda_billed_ms(call.ended - call.started)
        units = {
            "lambda.invocations": 1,
            "lambda.billed_ms": billed,
            "lambda.gb_seconds": lambda_gb_seconds(billed, billing.memory_mb),
        }
        source = event.get("source") if isinstance(event, dict) else None
        if source == "aws.scheduler":  # a ScheduleV2 event: EventBridge Scheduler invoked the function
            units["scheduler.invocations"] = 1
        elif source == "aws.events" and isinstance(event, dict) and event.get("detail-type") == "Scheduled Event":
            units["events.scheduled_rule_events"] = (
                1  # a Schedule event: a scheduled rule, which EventBridge does not bill
            )
        self._count("lambda", billing.logical_id, units)

    @contextmanager
    def execution(self, machine_arn: str, worker: Any) -> Iterator[None]:
        billing = self._machines.get(machine_arn, MachineBilling(machine_arn.rsplit(":", 1)[-1], "STANDARD"))
        try:
            with self.scope("states", billing.logical_id) as call:
                workflow = self._workflow()  # its own, or the one that started it
                if billing.kind == "STANDARD":
                    with self._lock:
                        self._running[id(worker)] = (worker, workflow)
                yield
        finally:
            with self._lock:
                self._running.pop(id(worker), None)
        if billing.kind == "EXPRESS":
            seconds = call.ended - call.started
            units = {"states.express_executions": 1, "states.express_gb_seconds": express_gb_seconds(seconds)}
        else:
            transitions = _transitions(worker) - getattr(worker, "_ledger_counted", 0)
            units = {"states.standard_executions": 1, "states.standard_transitions": transitions}
        self._count("states", billing.logical_id, units, workflow=workflow)

    def aws_request(self, service: str, operation: str, body: Any, send: Callable[[], Any]) -> Any:
        """Count one request a boto3 client sends (`send` sends it and returns botocore's (http, parsed))."""
        if not self._stack():
            self.unmetered[f"{service} {operation}"] += 1
            return send()
        request = _json(body) if service in ("dynamodb", "events", "sqs") else {}
        before = self._dynamodb.before(operation, request) if service == "dynamodb" else []
        with self.scope(service, operation):
            http, parsed = send()
        failed = getattr(http, "status_code", HTTP_OK) >= HTTP_REDIRECT
        units: dict[str, float] = {}
        if service == "dynamodb":
            metered = self._dynamodb.units(operation, request, parsed or {}, failed, before)
            units = {"dynamodb.read_units": metered.read, "dynamodb.write_units": metered.write}
            units["ses.mail_logged"] = metered.mail_logged
            with self._lock:
                for table, (read, write) in metered.tables.items():
                    self.tables[table]["read_units"] += read  # type: ignore[assignment]
                    self.tables[table]["write_units"] += write  # type: ignore[assignment]
                    self.tables[table]["index_write_units"] += metered.index_writes.get(table, 0)
        elif service == "events" and operation == "PutEvents":
            units["events.events"] = sum(chunks(len(json.dumps(e))) for e in request.get("Entries", []))
        elif service == "sqs":
            units["sqs.requests"] = chunks(len(body or b""))
        elif service in ("sesv2", "ses") and operation in ("SendEmail", "SendRawEmail") and not failed:
            units["ses.sends"] = 1
        self._count(service, operation, units)
        return http, parsed

    def count(self, service: str, operation: str, units: dict[str, float]) -> None:
        """Count requests AWS makes on the stack's behalf that no boto3 client sends here (an event source mapping's
        receives and deletes, a rule's sends to a queue)."""
        self._count(service, operation, units)

    def _workflow(self) -> str:
        """The STANDARD execution (an SLA timer, a nurture enrolment) a request belongs to, if any, as
        "<machine>#<call id>": the outermost one, so the timers a reassignment starts count with the first."""
        for call in self._stack():
            if call.service == "states" and call.operation in self._standard:
                return f"{call.operation}#{call.id}"
        return ""

    def _count(self, service: str, operation: str, units: dict[str, float], workflow: str | None = None) -> None:
        caller = self._caller() if service not in ("apigateway",) else operation
        workflow = self._workflow() if workflow is None else workflow
        with self._lock:
            self.requests[service][operation] += 1
            self.by_caller[caller][f"{service} {operation}"] += 1
            for name, value in units.items():
                if value:
                    self.units[name] += value  # type: ignore[assignment]
                    self.caller_units[caller][name] += value  # type: ignore[assignment]
                    if workflow:
                        self.workflows[workflow][name] += value  # type: ignore[assignment]

    # --- reading ------------------------------------------------------------------------------------------------

    def snapshot(self, *, with_calls: bool = False) -> dict[str, Any]:
        """What was counted since the last reset, as JSON-ready values (GET /_local/ledger)."""
        with self._lock:
            units = Counter(self.units)
            runs = {name: Counter(counted) for name, counted in self.workflows.items()}
            for worker, workflow in self._running.values():  # STANDARD executions still waiting: transitions so far
                so_far = _transitions(worker) - getattr(worker, "_ledger_counted", 0)
                units["states.standard_transitions"] += so_far
                runs.setdefault(workflow, Counter())["states.standard_transitions"] += so_far
            workflows: dict[str, Counter[str]] = defaultdict(Counter)
            started: dict[str, Counter[str]] = defaultdict(Counter)  # by timers and enrolments begun in the window
            for run, counted in runs.items():
                machine, call_id = run.split("#")
                workflows[machine].update(counted)
                if int(call_id) > self.first_id:
                    started[machine].update(counted)
            document: dict[str, Any] = {
                "active": self.active,
                "seconds": round(time.time() - self.started_at, 3),
                "units": _rounded(units),
                "requests": {service: dict(ops) for service, ops in sorted(self.requests.items())},
                "by_caller": {caller: dict(ops) for caller, ops in sorted(self.by_caller.items())},
                "caller_units": {caller: _rounded(units) for caller, units in sorted(self.caller_units.items())},
                "tables": {table: dict(units) for table, units in sorted(self.tables.items())},
                "workflows": {name: _rounded(counted) for name, counted in sorted(workflows.items())},
                "workflows_started": {name: _rounded(counted) for name, counted in sorted(started.items())},
                "workflow_runs": {run: _rounded(counted) for run, counted in sorted(runs.items())},
                "unmetered": dict(self.unmetered),
            }
            if with_calls:
                document["calls"] = [asdict(call) for call in self.calls]
        return document


def _rounded(units: Counter[str]) -> dict[str, float]:
    return {name: round(value, 6) for name, value in sorted(units.items())}


def _transitions(worker: Any) -> int:
    """State transitions a STANDARD execution has made: every state entered, and every retry of a task."""
    env = getattr(worker, "env", None)
    if env is None:
        return 0
    kinds = [str(getattr(e.get("type"), "value", e.get("type"))) for e in list(env.event_manager._history_event_list)]
    entered = sum(kind.endswith("StateEntered") for kind in kinds)
    tasks = sum(kind == "TaskStateEntered" for kind in kinds)
    scheduled = sum(kind in ("LambdaFunctionScheduled", "TaskScheduled") for kind in kinds)
    return entered + max(0, scheduled - tasks)


def _json(body: Any) -> dict[str, Any]:
    if not body:
        return {}
    try:
        document = json.loads(body)
    except (TypeError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def ledger_page(ledger: Ledger | None, method: str, *, with_calls: bool = False) -> tuple[int, str, bytes]:
    """GET /_local/ledger: what was counted since the last reset; DELETE: reset and count from now on."""
    if ledger is None:
        return 503, "application/json", b'{"message": "the runtime has not started"}'
    if method == "DELETE":
        ledger.reset()
        return 200, "application/json", json.dumps({"reset": True}).encode()
    if method in ("GET", "HEAD"):
        return 200, "application/json", json.dumps(ledger.snapshot(with_calls=with_calls)).encode()
    return 405, "application/json", json.dumps({"message": f"{method} /_local/ledger: use GET or DELETE"}).encode()
