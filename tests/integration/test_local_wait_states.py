"""Step Functions Wait states in the local runtime wait on its clock: an hour-long Wait ends when the clock is moved
an hour forward, not an hour later; a stopped execution leaves its Wait at once; and the context object's times
(`$$.State.EnteredTime`, `$$.Execution.StartTime`) read the same clock."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local.moto_hooks import context_timestamp
from infra.local.runtime import LocalRuntime

ROLE = "arn:aws:iam::123456789012:role/leadflow-local"
Start = Callable[..., str]
# How long a status expected now may take on a loaded machine, where the runtime is shared with other tests' runs;
# only a failing test waits it out. What must not happen yet is checked over shorter spans.
SETTLE = 30.0


def _wait_then_pass(wait: dict[str, Any]) -> dict[str, Any]:
    return {
        "StartAt": "Wait",
        "States": {
            "Wait": {"Type": "Wait", **wait, "Next": "Done"},
            "Done": {
                "Type": "Pass",
                "Parameters": {"entered.$": "$$.State.EnteredTime", "started.$": "$$.Execution.StartTime"},
                "End": True,
            },
        },
    }


@pytest.fixture
def sfn(runtime: LocalRuntime) -> Any:
    assert runtime.session is not None
    return runtime.session.client("stepfunctions")


@pytest.fixture
def start(sfn: Any) -> Iterator[Start]:
    """Start an execution of a throw-away state machine; whatever is still running at the end is stopped."""
    started: list[str] = []

    def run(definition: dict[str, Any], execution_input: dict[str, Any] | None = None) -> str:
        machine = sfn.create_state_machine(
            name=f"wait-{uuid.uuid4().hex[:12]}", definition=json.dumps(definition), roleArn=ROLE
        )["stateMachineArn"]
        arn: str = sfn.start_execution(
            stateMachineArn=machine, name=str(uuid.uuid4()), input=json.dumps(execution_input or {})
        )["executionArn"]
        started.append(arn)
        return arn

    yield run
    for arn in started:
        if sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            sfn.stop_execution(executionArn=arn)


def _status_within(sfn: Any, arn: str, seconds: float, until: str) -> str:
    deadline = time.monotonic() + seconds
    while True:
        status: str = sfn.describe_execution(executionArn=arn)["status"]
        if status == until or time.monotonic() > deadline:
            return status
        time.sleep(0.01)


def _parked(runtime: LocalRuntime, arn: str, seconds: float = SETTLE) -> bool:
    deadline = time.monotonic() + seconds
    while arn not in runtime.waiting_on_clock():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_an_hour_long_wait_ends_when_the_clock_moves_an_hour_and_not_before(
    runtime: LocalRuntime, sfn: Any, start: Start
) -> None:
    assert runtime.clock.speed == 1
    arn = start(_wait_then_pass({"Seconds": 3600}))
    assert _parked(runtime, arn)

    runtime.advance_clock(minutes=30)
    assert _status_within(sfn, arn, 0.5, until="SUCCEEDED") == "RUNNING"  # half way: still waiting

    moved = time.monotonic()
    runtime.advance_clock(minutes=30)

    assert _status_within(sfn, arn, SETTLE, until="SUCCEEDED") == "SUCCEEDED"
    # Woken by the clock's move, not by the Wait's next look at real time (a fixed second failed on a busy runtime,
    # whose advance also settles what the hour set off elsewhere).
    assert runtime.clock_waits is not None
    assert time.monotonic() - moved < runtime.clock_waits.poll_interval
    assert arn not in runtime.waiting_on_clock()


def test_without_the_clock_moving_a_wait_stays_running(runtime: LocalRuntime, sfn: Any, start: Start) -> None:
    arn = start(_wait_then_pass({"Seconds": 3600}))

    assert _parked(runtime, arn)
    time.sleep(0.5)
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"


def test_a_seconds_path_wait_counts_virtual_seconds(runtime: LocalRuntime, sfn: Any, start: Start) -> None:
    arn = start(_wait_then_pass({"SecondsPath": "$.delay"}), {"delay": 7200})
    assert _parked(runtime, arn)

    runtime.advance_clock(hours=2)

    assert _status_within(sfn, arn, SETTLE, until="SUCCEEDED") == "SUCCEEDED"


def test_a_timestamp_path_wait_ends_when_virtual_now_reaches_the_timestamp(
    runtime: LocalRuntime, sfn: Any, start: Start
) -> None:
    deadline = runtime.clock.now() + timedelta(hours=2)
    arn = start(_wait_then_pass({"TimestampPath": "$.deadline"}), {"deadline": context_timestamp(deadline)})
    assert _parked(runtime, arn)

    runtime.advance_clock(hours=1)
    assert _status_within(sfn, arn, 0.3, until="SUCCEEDED") == "RUNNING"

    runtime.advance_clock(hours=1)
    assert _status_within(sfn, arn, SETTLE, until="SUCCEEDED") == "SUCCEEDED"


def test_a_timestamp_already_past_on_the_virtual_clock_does_not_wait(
    runtime: LocalRuntime, sfn: Any, start: Start
) -> None:
    runtime.advance_clock(days=2)  # virtual now is well ahead of real now
    past = context_timestamp(runtime.clock.now() - timedelta(hours=1))
    assert datetime.fromisoformat(past) > datetime.now(UTC)  # still in the real future: moto alone would wait

    arn = start(_wait_then_pass({"Timestamp": past}))

    assert _status_within(sfn, arn, SETTLE, until="SUCCEEDED") == "SUCCEEDED"


def test_a_stopped_execution_leaves_its_wait_at_once(runtime: LocalRuntime, sfn: Any, start: Start) -> None:
    arn = start(_wait_then_pass({"Seconds": 86400}))
    assert _parked(runtime, arn)

    assert runtime.clock_waits is not None
    # Left at once, or only at the Wait's next look at the clock: half its poll interval tells them apart.
    prompt = runtime.clock_waits.poll_interval / 2
    stopped = time.monotonic()
    sfn.stop_execution(executionArn=arn, cause="the rep touched the lead")

    assert _status_within(sfn, arn, prompt, until="ABORTED") == "ABORTED"
    deadline = stopped + prompt
    while arn in runtime.waiting_on_clock() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert arn not in runtime.waiting_on_clock()  # the interpreter thread left the Wait
    assert time.monotonic() - stopped < prompt


def test_an_execution_parked_on_the_clock_counts_as_settled(runtime: LocalRuntime, sfn: Any, start: Start) -> None:
    """An SLA timer waiting for its deadline must not hold up every test's wait_for_executions."""
    assert runtime.deployment is not None
    arn = start(_wait_then_pass({"Seconds": 3600}))
    machine = sfn.describe_execution(executionArn=arn)["stateMachineArn"]
    runtime.deployment.state_machines["WaitProbe"] = machine
    try:
        assert _parked(runtime, arn)
        runtime.wait_for_executions()  # a TimeoutError if the parked execution counted as running

        runtime.advance_clock(hours=1)  # returns once the woken execution has finished
        assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
    finally:
        del runtime.deployment.state_machines["WaitProbe"]


def test_context_object_times_read_the_virtual_clock(runtime: LocalRuntime, sfn: Any, start: Start) -> None:
    runtime.advance_clock(days=3)
    virtual_now = runtime.clock.now()

    arn = start(_wait_then_pass({"Seconds": 0}))
    assert _status_within(sfn, arn, SETTLE, until="SUCCEEDED") == "SUCCEEDED"
    output = json.loads(sfn.describe_execution(executionArn=arn)["output"])

    for key in ("entered", "started"):
        assert output[key].endswith("Z") and len(output[key]) == len("2026-01-01T00:00:00.000Z")
        moment = datetime.fromisoformat(output[key])
        assert abs(moment - virtual_now) < timedelta(seconds=10), key
        assert moment - datetime.now(UTC) > timedelta(days=2), key  # not the real time


def test_an_execution_stopped_the_moment_it_started_stops_as_on_aws(sfn: Any, start: Start) -> None:
    # a lead enrolled and removed at once: StopExecution right after StartExecution, before moto's thread has begun
    arns = [start(_wait_then_pass({"Seconds": 86400})) for _ in range(10)]

    for arn in arns:
        sfn.stop_execution(executionArn=arn, cause="removed")

    assert {_status_within(sfn, arn, SETTLE, until="ABORTED") for arn in arns} == {"ABORTED"}
