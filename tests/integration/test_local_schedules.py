"""Schedules in the local runtime fire on its clock: `advance_clock` fires what came due (once per jump) and returns
when it has run; `fire_schedule` runs one now; the HTTP controls do the same for scripts and e2e tests.

The template's own scheduled functions are not exercised here (they belong to their own tests): a probe schedule
with a stub function is added to the runtime's scheduler instead."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from infra.local.banner import describe
from infra.local.deployment import Schedule
from infra.local.runtime import LocalRuntime
from infra.local.scheduler import aws_time
from tests.http_client import Client

PROBE = "LocalScheduleProbe"


class Probe:
    """A stand-in scheduled function: records its events, takes a moment like a real job, can be made to fail."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.finished = 0
        self.failure: Exception | None = None
        self.called = threading.Event()

    def __call__(self, function: str, event: dict[str, Any]) -> Any:
        self.events.append(event)
        time.sleep(0.2)
        self.finished += 1
        self.called.set()
        if self.failure is not None:
            raise self.failure
        return {"processed": len(self.events)}


@pytest.fixture
def probe(runtime: LocalRuntime) -> Iterator[Probe]:
    assert runtime.scheduler is not None
    stub = Probe()
    schedule = Schedule(
        function="leadflow-probe",
        expression="rate(1 hour)",
        logical_id=PROBE,
        event_id="Hourly",
        arn="arn:aws:events:us-east-1:123456789012:rule/leadflow-probe",
    )
    runtime.scheduler.add(schedule, stub)
    yield stub
    runtime.scheduler.remove(PROBE)


def _probe_schedule(runtime: LocalRuntime) -> dict[str, Any]:
    return next(s for s in runtime.schedules() if s["function"] == PROBE)


def test_every_schedule_of_the_template_is_listed_with_its_next_fire_time(runtime: LocalRuntime) -> None:
    assert runtime.deployment is not None
    listed = {(s["function"], s["event"]): s for s in runtime.schedules()}
    text = describe(runtime)

    for schedule in runtime.deployment.schedules:
        entry = listed[(schedule.logical_id, schedule.event_id)]
        assert entry["expression"] == schedule.expression
        assert schedule.logical_id in text
        if schedule.enabled:
            assert datetime.fromisoformat(entry["next_fire"]) > runtime.clock.now() - timedelta(minutes=1)


def test_advancing_a_day_fires_an_hourly_schedule_once_and_returns_after_it_ran(
    runtime: LocalRuntime, probe: Probe
) -> None:
    fired = runtime.advance_clock(days=1)

    assert probe.finished == 1  # ran, and finished, before advance_clock returned
    (event,) = probe.events
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/leadflow-probe"]
    (run,) = [f for f in fired if f.function == PROBE]
    assert event["time"] == aws_time(run.at) and run.error is None
    assert datetime.fromisoformat(_probe_schedule(runtime)["next_fire"]) > runtime.clock.now()


def test_moving_the_clock_directly_wakes_the_scheduler(runtime: LocalRuntime, probe: Probe) -> None:
    runtime.clock.advance(timedelta(hours=1, minutes=1))  # the runtime's clock, as the dashboard's buttons move it

    assert probe.called.wait(timeout=15)  # the other schedules that came due (decay, sweep) may run first


def test_fire_schedule_runs_it_now_and_leaves_its_timetable(runtime: LocalRuntime, probe: Probe) -> None:
    next_fire = _probe_schedule(runtime)["next_fire"]

    firing = runtime.fire_schedule(PROBE)

    assert firing.result == {"processed": 1} and probe.finished == 1
    assert _probe_schedule(runtime)["next_fire"] == next_fire
    with pytest.raises(KeyError, match="NoSuchFunction"):
        runtime.fire_schedule("NoSuchFunction")


def test_a_failing_scheduled_run_is_reported_and_the_schedule_keeps_firing(runtime: LocalRuntime, probe: Probe) -> None:
    probe.failure = RuntimeError("the model store is unavailable")

    fired = runtime.advance_clock(hours=1, minutes=1)
    probe.failure = None
    again = runtime.advance_clock(hours=1, minutes=1)

    assert [f.error for f in fired if f.function == PROBE] == ["RuntimeError: the model store is unavailable"]
    assert [f.error for f in again if f.function == PROBE] == [None]
    probe.failure = RuntimeError("unavailable")
    with pytest.raises(RuntimeError, match="unavailable"):
        runtime.fire_schedule(PROBE)


def test_the_http_control_advances_the_clock_and_reports_the_runs(
    runtime: LocalRuntime, client: Client, probe: Probe
) -> None:
    before = runtime.clock.now()

    reply = client.request("POST", "/_local/clock/advance", json.dumps({"hours": 2}).encode())

    assert reply.status == 200
    document = reply.json()
    assert datetime.fromisoformat(document["clock"]) >= before + timedelta(hours=2)
    assert next(r for r in document["fired"] if r["function"] == PROBE)["error"] is None
    assert probe.finished == 1
    assert PROBE in {s["function"] for s in client.request("GET", "/_local/state").json()["schedules"]}


@pytest.mark.parametrize("body", [b"", b"[]", b'{"fortnights": 1}', b'{"days": -1}', b'{"days": "one"}', b"{"])
def test_the_http_control_refuses_what_is_not_a_forward_move(client: Client, body: bytes) -> None:
    reply = client.request("POST", "/_local/clock/advance", body)

    assert reply.status == 400 and reply.json()["message"]


def test_the_http_control_runs_a_schedule_now(client: Client, probe: Probe) -> None:
    reply = client.request("POST", f"/_local/schedules/{PROBE}/fire")

    assert reply.status == 200 and reply.json()["function"] == PROBE and reply.json()["error"] is None
    assert probe.finished == 1
    assert client.request("POST", "/_local/schedules/NoSuchFunction/fire").status == 404
    probe.failure = RuntimeError("broken")
    failed = client.request("POST", f"/_local/schedules/{PROBE}/fire")
    assert failed.status == 502 and "broken" in failed.json()["message"]


def test_the_dashboard_lists_the_schedules_with_a_run_now_button(client: Client, probe: Probe) -> None:
    page = client.request("GET", "/").body.decode()

    assert "<h2>Schedules</h2>" in page and PROBE in page
    assert f'action="/_local/schedules/{PROBE}/fire?then=dashboard&amp;event=Hourly"' in page
