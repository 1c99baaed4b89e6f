"""EventBridge's schedule expressions (rate(), cron() in a time zone, at()) as the local runtime reads them: when a
schedule fires next on the runtime's clock, or why it cannot fire."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from infra.local.deployment import Schedule


class ScheduleError(ValueError):
    """A schedule expression the local runtime cannot fire (the message names the function and the expression)."""


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
