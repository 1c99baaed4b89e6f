"""The local runtime's scheduler: EventBridge schedule expressions, their fire times on the runtime's clock, the
Scheduled Event a function receives, and how a clock jump or a failing job is handled."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.local.clock import VirtualClock
from infra.local.deployment import Schedule
from infra.local.schedule_expressions import ScheduleError, parse_expression, trigger_for
from infra.local.scheduler import Scheduler, aws_time

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)  # a Thursday
DECAY = Schedule(
    function="leadflow-DecayFunction",
    expression="rate(1 hour)",
    logical_id="DecayFunction",
    event_id="Hourly",
    arn="arn:aws:events:us-east-1:123456789012:rule/leadflow-DecayFunctionHourly",
)
RECYCLE = replace(DECAY, function="leadflow-RecycleFunction", logical_id="RecycleFunction", expression="rate(1 day)")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def next_fire(expression: str, after: datetime, timezone: str = "UTC") -> datetime | None:
    return parse_expression(expression, timezone).next_fire(after, None)


class Recorder:
    """A stand-in for the function runner: records (function, event), optionally failing some functions."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.failing = failing
        self.called = threading.Event()

    def __call__(self, function: str, event: dict[str, Any]) -> Any:
        self.calls.append((function, event))
        self.called.set()
        if function in self.failing:
            raise RuntimeError(f"{function} is broken")
        return {"ok": True}

    def functions(self) -> list[str]:
        return [function for function, _ in self.calls]


def scheduler(clock: VirtualClock, recorder: Recorder, *schedules: Schedule) -> Scheduler:
    return Scheduler(clock, schedules or (DECAY,), recorder, account_id="123456789012", region="us-east-1")


# --- expressions -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "interval"),
    [("rate(1 minute)", timedelta(minutes=1)), ("rate(5 minutes)", timedelta(minutes=5)),
     ("rate(1 hour)", timedelta(hours=1)), ("rate(7 days)", timedelta(days=7))],
)  # fmt: skip
def test_a_rate_first_fires_one_interval_after_the_schedule_is_armed(expression: str, interval: timedelta) -> None:
    assert next_fire(expression, START) == START + interval


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 12 * * ? *)", utc(2026, 1, 1, 13, 0), utc(2026, 1, 2, 12, 0)),
        ("cron(0/15 * * * ? *)", utc(2026, 1, 1, 10, 7), utc(2026, 1, 1, 10, 15)),
        ("cron(*/20 * * * ? *)", utc(2026, 1, 1, 10, 40), utc(2026, 1, 1, 11, 0)),
        ("cron(10-30/10 8 * * ? *)", utc(2026, 1, 1, 8, 21), utc(2026, 1, 1, 8, 30)),
        ("cron(30 8 1,15 * ? *)", utc(2026, 1, 2, 0, 0), utc(2026, 1, 15, 8, 30)),
        ("cron(0 9 ? * MON-FRI *)", utc(2026, 1, 2, 10, 0), utc(2026, 1, 5, 9, 0)),  # Friday after 9 -> Monday
        ("cron(0 0 ? * 1 *)", utc(2026, 1, 1, 0, 0), utc(2026, 1, 4, 0, 0)),  # 1 is Sunday
        ("cron(0 6 ? * sat *)", utc(2026, 1, 1, 0, 0), utc(2026, 1, 3, 6, 0)),
        ("cron(0 0 1 JAN,JUL ? *)", utc(2026, 1, 1, 0, 0), utc(2026, 7, 1, 0, 0)),
        ("cron(0 0 29 2 ? *)", utc(2026, 1, 1, 0, 0), utc(2028, 2, 29, 0, 0)),  # the next leap day
        ("cron(15 10 * * ? 2027-2028)", utc(2026, 6, 1, 0, 0), utc(2027, 1, 1, 10, 15)),
        ("cron(0 0 1 1 ? 2026)", utc(2026, 1, 1, 0, 0), None),  # its only moment has passed
    ],
)
def test_cron_fires_at_the_first_matching_minute_after_now(
    expression: str, after: datetime, expected: datetime | None
) -> None:
    assert next_fire(expression, after) == expected


def test_a_cron_in_a_time_zone_fires_at_that_zones_wall_clock_time() -> None:
    assert next_fire("cron(0 9 * * ? *)", utc(2026, 1, 1, 0, 0), "Europe/Paris") == utc(2026, 1, 1, 8, 0)
    assert next_fire("cron(0 9 * * ? *)", utc(2026, 7, 1, 0, 0), "Europe/Paris") == utc(2026, 7, 1, 7, 0)


def test_at_fires_once_if_its_moment_is_ahead() -> None:
    trigger = parse_expression("at(2026-01-02T10:00:00)")

    assert trigger.next_fire(START, None) == utc(2026, 1, 2, 10, 0)
    assert trigger.next_fire(utc(2026, 1, 2, 10, 0), utc(2026, 1, 2, 10, 0)) is None
    assert trigger.next_fire(utc(2026, 2, 1), None) is None


@pytest.mark.parametrize(
    ("expression", "complaint"),
    [
        ("rate(1 hours)", "singular"),
        ("rate(5 minute)", "singular"),
        ("rate(0 minutes)", "positive"),
        ("rate(2 weeks)", "minute"),
        ("cron(0 12 * * *)", "6 fields"),
        ("cron(0 12 * * * *)", "day-of-month and day-of-week"),
        ("cron(0 12 ? * ? *)", "day-of-month and day-of-week"),
        ("cron(61 * * * ? *)", "minutes field '61'"),
        ("cron(0 12 L * ? *)", "'L' is not supported locally"),
        ("cron(0 12 15W * ? *)", "not supported locally"),
        ("cron(0 12 ? * 2#1 *)", "not supported locally"),
        ("cron(0 12 ? * FRI-MON *)", "low to high"),
        ("cron(0/0 * * * ? *)", "positive number"),
        ("every hour", "rate(...), cron(...) or at(...)"),
    ],
)
def test_an_expression_the_runtime_cannot_fire_fails_naming_the_function(expression: str, complaint: str) -> None:
    with pytest.raises(ScheduleError, match="DecayFunction") as raised:
        trigger_for(replace(DECAY, expression=expression))

    assert complaint in str(raised.value) and expression in str(raised.value)


def test_the_scheduler_refuses_to_start_with_a_schedule_it_cannot_fire() -> None:
    broken = replace(RECYCLE, expression="cron(0 3 L * ? *)")

    with pytest.raises(ScheduleError, match=r"RecycleFunction: schedule 'cron\(0 3 L \* \? \*\)'"):
        scheduler(VirtualClock(START), Recorder(), DECAY, broken)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ScheduleError, match="Mars/Olympus"):
        trigger_for(replace(DECAY, expression="cron(0 9 * * ? *)", timezone="Mars/Olympus"))


# --- firing ----------------------------------------------------------------------------------------------------------


def test_nothing_fires_before_its_time_and_a_due_schedule_fires_once() -> None:
    clock, recorder = VirtualClock(START), Recorder()
    jobs = scheduler(clock, recorder)
    jobs.start()
    try:
        jobs.stop()  # drive it by hand from here on
        assert jobs.run_due() == []

        clock.advance(timedelta(hours=1))
        fired = jobs.run_due()

        assert [f.function for f in fired] == ["DecayFunction"] and fired[0].error is None
        assert recorder.functions() == ["leadflow-DecayFunction"]
        assert jobs.run_due() == []
    finally:
        jobs.stop()


def test_a_clock_jump_fires_each_schedule_once_and_keeps_its_phase() -> None:
    clock, recorder = VirtualClock(START), Recorder()
    jobs = scheduler(clock, recorder, DECAY, RECYCLE)
    jobs.start().stop()
    first_decay = datetime.fromisoformat(jobs.describe()[0]["next_fire"])

    clock.advance(timedelta(days=90))
    jobs.run_due()

    assert sorted(recorder.functions()) == ["leadflow-DecayFunction", "leadflow-RecycleFunction"]
    decay = next(s for s in jobs.describe() if s["function"] == "DecayFunction")
    next_decay = datetime.fromisoformat(decay["next_fire"])
    assert clock.now() < next_decay <= clock.now() + timedelta(hours=1)
    assert (next_decay - first_decay) % timedelta(hours=1) == timedelta(0)  # still on the minute it was armed at


def test_a_function_receives_an_eventbridge_scheduled_event_stamped_with_the_virtual_time() -> None:
    clock, recorder = VirtualClock(START), Recorder()
    jobs = scheduler(clock, recorder)
    jobs.start().stop()
    clock.advance(timedelta(hours=5))

    fired = jobs.run_due()

    (_, event), = recorder.calls  # fmt: skip
    assert set(event) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["account"] == "123456789012" and event["region"] == "us-east-1" and event["detail"] == {}
    assert event["resources"] == [DECAY.arn]
    assert event["time"] == aws_time(fired[0].at) and event["time"].endswith("Z")
    assert datetime.fromisoformat(event["time"]) >= START + timedelta(hours=5) - timedelta(seconds=1)


def test_a_schedule_with_an_input_sends_that_input_instead() -> None:
    clock, recorder = VirtualClock(START), Recorder()
    jobs = scheduler(clock, recorder, replace(DECAY, input=json.dumps({"batch": 25})))
    jobs.start().stop()
    clock.advance(timedelta(hours=1))

    jobs.run_due()

    assert recorder.calls == [("leadflow-DecayFunction", {"batch": 25})]


def test_a_disabled_schedule_never_comes_due_but_can_be_run_by_hand() -> None:
    clock, recorder = VirtualClock(START), Recorder()
    jobs = scheduler(clock, recorder, replace(DECAY, enabled=False))
    jobs.start().stop()
    clock.advance(timedelta(days=2))

    assert jobs.run_due() == []
    assert jobs.fire("DecayFunction").error is None
    assert recorder.functions() == ["leadflow-DecayFunction"]


def test_fire_runs_a_schedule_now_without_moving_its_timetable() -> None:
    clock, recorder = VirtualClock(START), Recorder(failing=frozenset({"leadflow-RecycleFunction"}))
    jobs = scheduler(clock, recorder, DECAY, RECYCLE)
    jobs.start().stop()
    before = {s["function"]: s["next_fire"] for s in jobs.describe()}

    assert jobs.fire("DecayFunction").result == {"ok": True}
    assert jobs.fire("RecycleFunction").error == "RuntimeError: leadflow-RecycleFunction is broken"
    with pytest.raises(RuntimeError, match="broken"):
        jobs.fire("RecycleFunction", raise_errors=True)
    with pytest.raises(KeyError, match="TrainModelFunction"):
        jobs.fire("TrainModelFunction")

    assert {s["function"]: s["next_fire"] for s in jobs.describe()} == before


def test_a_failing_job_is_logged_and_the_background_scheduler_keeps_firing(caplog: pytest.LogCaptureFixture) -> None:
    clock, recorder = VirtualClock(START), Recorder(failing=frozenset({"leadflow-DecayFunction"}))
    jobs = scheduler(clock, recorder, DECAY, RECYCLE)
    jobs.start()
    try:
        with caplog.at_level(logging.ERROR, logger="infra.local.scheduler"):
            clock.advance(timedelta(days=1))  # no run_due: the background thread must notice on its own
            _wait_for(lambda: len(recorder.calls) == 2)
            clock.advance(timedelta(days=1))
            _wait_for(lambda: len(recorder.calls) == 4)

        assert sorted(recorder.functions()) == ["leadflow-DecayFunction"] * 2 + ["leadflow-RecycleFunction"] * 2
        assert "DecayFunction (rate(1 hour)) failed: RuntimeError: leadflow-DecayFunction is broken" in caplog.text
        decay = next(s for s in jobs.describe() if s["function"] == "DecayFunction")
        assert decay["runs"] == 2 and decay["last_error"].startswith("RuntimeError")
    finally:
        jobs.stop()


def test_the_background_scheduler_wakes_when_the_clock_is_advanced_not_at_its_next_poll() -> None:
    clock, recorder = VirtualClock(START), Recorder()
    jobs = Scheduler(clock, [DECAY], recorder, account_id="1", region="r", poll_interval=10)
    jobs.start()
    try:
        time.sleep(0.05)
        advanced = time.monotonic()
        clock.advance(timedelta(hours=1))

        # Its next poll is 10 s after it started: half that, however loaded the machine, tells the two apart.
        assert recorder.called.wait(timeout=5)
        assert time.monotonic() - advanced < 5
    finally:
        jobs.stop(timeout=0)  # the daemon thread ends at its next poll; no need to wait for it


def test_the_timetable_survives_a_restart() -> None:
    clock, recorder = VirtualClock(START), Recorder()
    first = scheduler(clock, recorder, DECAY, RECYCLE)
    first.start().stop()
    clock.advance(timedelta(hours=23))
    first.run_due()
    saved = json.loads(json.dumps(first.saved_state()))

    second = scheduler(clock, recorder, DECAY, replace(RECYCLE, expression="rate(2 days)"))
    second.start(saved).stop()

    by_function = {s["function"]: s for s in second.describe()}
    assert by_function["DecayFunction"]["next_fire"] == first.describe()[0]["next_fire"]
    assert by_function["DecayFunction"]["last_fired"] is not None
    # A changed expression starts a fresh timetable from now.
    assert datetime.fromisoformat(by_function["RecycleFunction"]["next_fire"]) > clock.now() + timedelta(days=1)


def test_a_schedule_added_at_run_time_uses_its_own_invoker() -> None:
    clock, recorder, probe = VirtualClock(START), Recorder(), Recorder()
    jobs = scheduler(clock, recorder)
    jobs.start().stop()
    jobs.add(replace(DECAY, function="probe", logical_id="Probe", expression="rate(5 minutes)"), probe)
    clock.advance(timedelta(hours=1))

    jobs.run_due()
    jobs.remove("Probe")

    assert probe.functions() == ["probe"] and recorder.functions() == ["leadflow-DecayFunction"]
    assert [s["function"] for s in jobs.describe()] == ["DecayFunction"]


def _wait_for(condition: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)
