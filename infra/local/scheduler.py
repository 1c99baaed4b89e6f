"""Fires the template's Schedule/ScheduleV2 events on the local runtime's clock, as EventBridge would.

moto creates scheduled rules but never fires them (and a schedule-only rule even matches every put_events event),
so the runtime keeps its own schedule table instead: each schedule knows its next fire time on the virtual clock,
and whenever the clock passes it the target function is invoked in-process with a "Scheduled Event".

When the clock jumps (the dashboard's +1 day, `advance_clock(days=90)`), a schedule fires once for the jump, not
once per missed period: like a late EventBridge delivery, the job reads what is due at "now". The jobs here are
written that way (a sparse index of due items), so one run catches up everything the skipped runs would have done.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from infra.local.deployment import Schedule

LOG = logging.getLogger(__name__)

ScheduledInvoker = Callable[[str, dict[str, Any]], Any]
"""(function name, event) -> the function's result; raises when the function fails."""


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep_until(self, moment: datetime, timeout: float | None = None) -> bool: ...


class ScheduleError(ValueError):
    """A schedule expression the local runtime cannot fire (the message names the function and the expression)."""


# --- expressions -----------------------------------------------------------------------------------------------------


class Trigger(Protocol):
    def next_fire(self, after: datetime, previous: datetime | None) -> datetime | None:
        """The first fire time strictly after `after`; `previous` is the last due time (None before the first)."""
        ...


@dataclass(frozen=True)
class Rate:
    interval: timedelta

    def next_fire(self, after: datetime, previous: datetime | None) -> datetime | None:
        # EventBridge counts a rate from when the rule was created; after a run, the phase is kept and every
        # period skipped by a clock jump is folded into the one run that already happened.
        if previous is None:
            return after + self.interval
        missed = (after - previous) // self.interval
        return previous + self.interval * (max(missed, 0) + 1)


@dataclass(frozen=True)
class At:
    """EventBridge Scheduler's one-time schedule: fires once, if its moment is still ahead."""

    moment: datetime

    def next_fire(self, after: datetime, previous: datetime | None) -> datetime | None:
        return self.moment if previous is None and self.moment > after else None


_MONTHS = {
    m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)
}
_WEEKDAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}
_LAST_YEAR = 2199  # EventBridge's cron years run 1970-2199


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] = field(default_factory=dict)


_CRON_FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, _MONTHS),
    _Field("day-of-week", 1, 7, _WEEKDAYS),
    _Field("year", 1970, _LAST_YEAR),
)


def _field_value(token: str, spec: _Field) -> int:
    if token.upper() in spec.names:
        return spec.names[token.upper()]
    if not token.isdigit():
        raise ValueError(f"{token!r} is not supported locally (numbers, names, *, ?, lists, ranges and / steps are)")
    value = int(token)
    if not spec.low <= value <= spec.high:
        raise ValueError(f"{value} is outside {spec.low}-{spec.high}")
    return value


def _parse_cron_field(text: str, spec: _Field) -> frozenset[int] | None:
    """The values a field allows; None for `?` (no constraint: the other day field decides)."""
    if text == "?":
        if spec.name not in ("day-of-month", "day-of-week"):
            raise ValueError("? is only allowed in day-of-month and day-of-week")
        return None
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        if slash and not (step_text.isdigit() and int(step_text) > 0):
            raise ValueError(f"{part!r}: the step after / must be a positive number")
        step = int(step_text) if slash else 1
        if base == "*":
            start, end = spec.low, spec.high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _field_value(first, spec), _field_value(last, spec)
            if start > end:
                raise ValueError(f"{part!r}: a range must run from low to high")
        else:
            start = _field_value(base, spec)
            end = spec.high if slash else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # 1 = Sunday, as EventBridge counts
    years: frozenset[int]
    zone: ZoneInfo

    @classmethod
    def parse(cls, body: str, zone: ZoneInfo) -> Cron:
        parts = body.split()
        if len(parts) != len(_CRON_FIELDS):
            raise ValueError(
                f"EventBridge cron has 6 fields (minutes hours day-of-month month day-of-week year), got {len(parts)}"
            )
        values = []
        for text, spec in zip(parts, _CRON_FIELDS, strict=True):
            try:
                values.append(_parse_cron_field(text, spec))
            except ValueError as exc:
                raise ValueError(f"{spec.name} field {text!r}: {exc}") from None
        minutes, hours, dom, months, dow, years = values
        if (dom is None) == (dow is None):
            raise ValueError("exactly one of day-of-month and day-of-week must be ?")
        assert minutes is not None and hours is not None and months is not None and years is not None
        return cls(minutes, hours, dom, months, dow, years, zone)

    def _day_matches(self, day: date) -> bool:
        if self.days_of_month is not None:
            return day.day in self.days_of_month
        assert self.days_of_week is not None
        return (day.weekday() + 1) % 7 + 1 in self.days_of_week  # Monday is 0 in Python, 2 in EventBridge

    def next_fire(self, after: datetime, previous: datetime | None) -> datetime | None:
        # Walk the wall-clock calendar of the schedule's time zone day by day, skipping whole years and months
        # that cannot match; within a matching day take the first allowed minute after `after`.
        local = after.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0) + timedelta(minutes=1)
        day = local.date()
        while day.year <= _LAST_YEAR:
            if day.year not in self.years:
                later = [y for y in self.years if y > day.year]
                if not later:
                    return None
                day = date(min(later), 1, 1)
                continue
            if day.month not in self.months:
                day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
                continue
            if self._day_matches(day):
                earliest = local.hour * 60 + local.minute if day == local.date() else 0
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        if hour * 60 + minute < earliest:
                            continue
                        candidate = datetime.combine(day, day_time(hour, minute), tzinfo=self.zone).astimezone(UTC)
                        if candidate > after:  # a wall time in a daylight-saving gap can map to before `after`
                            return candidate
            day += timedelta(days=1)
        return None


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def parse_expression(expression: str, timezone: str = "UTC") -> Trigger:
    """A trigger for an EventBridge schedule expression: rate(), cron() (6 fields) or at(); ValueError otherwise."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone!r}") from None
    text = expression.strip()
    if text.startswith("rate("):
        match = _RATE.match(text)
        if match is None:
            raise ValueError("rate() takes a positive number and minute(s), hour(s) or day(s): rate(5 minutes)")
        count, unit = int(match.group(1)), match.group(2)
        if count <= 0:
            raise ValueError("rate() needs a positive value")
        if (count == 1) == unit.endswith("s"):
            raise ValueError("rate() takes a singular unit for 1 and a plural one otherwise, as EventBridge does")
        return Rate(timedelta(seconds=count * _UNIT_SECONDS[unit.rstrip("s")]))
    if text.startswith("cron(") and text.endswith(")"):
        return Cron.parse(text[5:-1], zone)
    if text.startswith("at(") and text.endswith(")"):
        try:
            moment = datetime.strptime(text[3:-1], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise ValueError("at() takes yyyy-mm-ddThh:mm:ss") from None
        return At(moment.replace(tzinfo=zone).astimezone(UTC))
    raise ValueError("a schedule expression is rate(...), cron(...) or at(...)")


def trigger_for(schedule: Schedule) -> Trigger:
    try:
        return parse_expression(schedule.expression, schedule.timezone)
    except ValueError as exc:
        name = schedule.logical_id or schedule.function
        raise ScheduleError(f"{name}: schedule {schedule.expression!r}: {exc}") from None


# --- events ----------------------------------------------------------------------------------------------------------


def aws_time(moment: datetime) -> str:
    """EventBridge's `time` field: UTC, whole seconds, Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def scheduled_event(schedule: Schedule, now: datetime, account_id: str, region: str) -> Any:
    """What the target receives: the event's `Input` when the template sets one, else EventBridge's Scheduled Event."""
    if schedule.input is not None:
        return json.loads(schedule.input)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": aws_time(now),
        "region": region,
        "resources": [schedule.arn],
        "detail": {},
    }


# --- the scheduler ---------------------------------------------------------------------------------------------------


@dataclass
class _Entry:
    schedule: Schedule
    trigger: Trigger
    invoke: ScheduledInvoker | None = None  # None: the scheduler's own invoker
    next_fire: datetime | None = None
    last_fired: datetime | None = None
    last_error: str | None = None
    runs: int = 0

    @property
    def key(self) -> str:
        return f"{self.schedule.logical_id}/{self.schedule.event_id}"


@dataclass(frozen=True)
class Firing:
    """One run of a schedule: when (virtual time), and what the function returned or how it failed."""

    function: str  # logical id
    event_id: str
    at: datetime
    result: Any = None
    error: str | None = None


class Scheduler:
    def __init__(
        self,
        clock: Clock,
        schedules: Iterable[Schedule],
        invoke: ScheduledInvoker,
        *,
        account_id: str,
        region: str,
        poll_interval: float = 0.2,
    ) -> None:
        self._clock = clock
        self._invoke = invoke
        self._account_id = account_id
        self._region = region
        self._poll = poll_interval
        # Parse everything now: a schedule the runtime cannot fire fails start-up, naming the function.
        self._entries = [_Entry(s, trigger_for(s)) for s in schedules]
        self._run_lock = threading.RLock()  # one firing pass at a time: the thread, advance_clock and fire()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------------------------

    def start(self, saved: dict[str, Any] | None = None) -> Scheduler:
        """Arm each schedule from the clock's now (or its saved timetable), then fire in the background."""
        now = self._clock.now()
        with self._run_lock:
            for entry in self._entries:
                self._arm(entry, now, (saved or {}).get(entry.key))
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="leadflow-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _arm(self, entry: _Entry, now: datetime, saved: dict[str, Any] | None) -> None:
        if not entry.schedule.enabled:
            entry.next_fire = None
            return
        if saved and saved.get("expression") == entry.schedule.expression:
            entry.last_fired = datetime.fromisoformat(saved["last_fired"]) if saved.get("last_fired") else None
            # A due time the runtime was stopped across is still due: it fires once on the first pass.
            entry.next_fire = datetime.fromisoformat(saved["next_fire"]) if saved.get("next_fire") else None
            return
        entry.next_fire = entry.trigger.next_fire(now, None)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_due()
            except Exception:  # the scheduler outlives any one bad pass
                LOG.exception("local scheduler: a firing pass failed")
            due = self.next_due()
            if due is None:
                self._stopping.wait(self._poll)
            else:
                self._clock.sleep_until(due, timeout=self._poll)

    # --- firing ----------------------------------------------------------------------------------------------------

    def next_due(self) -> datetime | None:
        times = [e.next_fire for e in self._entries if e.next_fire is not None]
        return min(times) if times else None

    def run_due(self) -> list[Firing]:
        """Fire every schedule whose time has come, once each however far the clock has moved past it."""
        with self._run_lock:
            now = self._clock.now()
            fired = []
            for entry in list(self._entries):
                if entry.next_fire is None or entry.next_fire > now:
                    continue
                # Re-arm before running: a long job at a fast clock must not find itself due again.
                due, entry.next_fire = entry.next_fire, entry.trigger.next_fire(now, entry.next_fire)
                LOG.debug("local scheduler: %s due at %s fires at %s", entry.key, due, now)
                fired.append(self._run(entry, now))
            return fired

    def paused(self) -> threading.RLock:
        """Hold to keep the background thread from firing (it finishes a pass in progress first)."""
        return self._run_lock

    def fire(self, logical_id: str, event_id: str | None = None, *, raise_errors: bool = False) -> Firing:
        """Run one schedule now, outside its timetable (its next fire time stays as it was)."""
        with self._run_lock:
            matching = [
                e
                for e in self._entries
                if e.schedule.logical_id == logical_id and event_id in (None, e.schedule.event_id)
            ]
            if not matching:
                raise KeyError(f"{logical_id}: no schedule" + (f" {event_id}" if event_id else ""))
            if len(matching) > 1:
                events = ", ".join(e.schedule.event_id for e in matching)
                raise KeyError(f"{logical_id} has several schedules ({events}): name the event id")
            return self._run(matching[0], self._clock.now(), raise_errors=raise_errors)

    def _run(self, entry: _Entry, now: datetime, *, raise_errors: bool = False) -> Firing:
        schedule = entry.schedule
        event = scheduled_event(schedule, now, self._account_id, self._region)
        invoke = entry.invoke or self._invoke
        entry.last_fired, entry.runs = now, entry.runs + 1
        try:
            result = invoke(schedule.function, event)
        except Exception as exc:  # a failing job is reported, the scheduler keeps going
            entry.last_error = f"{type(exc).__name__}: {exc}"
            LOG.error("local scheduler: %s (%s) failed: %s", schedule.logical_id, schedule.expression, entry.last_error)
            if raise_errors:
                raise
            return Firing(schedule.logical_id, schedule.event_id, now, error=entry.last_error)
        entry.last_error = None
        return Firing(schedule.logical_id, schedule.event_id, now, result=result)

    # --- schedules not in the template ------------------------------------------------------------------------------

    def add(self, schedule: Schedule, invoke: ScheduledInvoker | None = None) -> None:
        """Register a schedule the template does not declare (tests, experiments), armed from the clock's now."""
        entry = _Entry(schedule, trigger_for(schedule), invoke)
        with self._run_lock:
            self._arm(entry, self._clock.now(), None)
            self._entries.append(entry)

    def remove(self, logical_id: str) -> None:
        with self._run_lock:
            self._entries = [e for e in self._entries if e.schedule.logical_id != logical_id]

    # --- reporting -------------------------------------------------------------------------------------------------

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "function": e.schedule.logical_id,
                "event": e.schedule.event_id,
                "expression": e.schedule.expression,
                "enabled": e.schedule.enabled,
                "next_fire": e.next_fire.isoformat() if e.next_fire else None,
                "last_fired": e.last_fired.isoformat() if e.last_fired else None,
                "last_error": e.last_error,
                "runs": e.runs,
            }
            for e in self._entries
        ]

    def saved_state(self) -> dict[str, Any]:
        """What `start(saved=...)` needs to carry the timetable across a restart."""
        return {
            e.key: {
                "expression": e.schedule.expression,
                "next_fire": e.next_fire.isoformat() if e.next_fire else None,
                "last_fired": e.last_fired.isoformat() if e.last_fired else None,
            }
            for e in self._entries
        }
