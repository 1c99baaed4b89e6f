"""When people work, as configured: a rep's `working_hours` in the roster (routing skips a rep outside them) and the
SLA rule set's `business_hours` (a business-time response target counts only them) are one model, validated alike.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKDAYS: tuple[Weekday, ...] = WEEKDAYS[:5]


class WorkingHours(BaseModel):
    """`days` from `start` to `end`, wall times in `timezone` (an IANA name). `end` is exclusive; a shift past midnight
    is not supported."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: list[Weekday] = Field(default_factory=lambda: list(WORKDAYS), min_length=1)
    start: time = time(9, 0)
    end: time = time(17, 0)
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/Berlin, America/New_York)") from None
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if self.start >= self.end:
            raise ValueError(f"start ({self.start:%H:%M}) must be before end ({self.end:%H:%M})")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.zone)

    def contains(self, at: datetime) -> bool:
        local = self.local(at)
        return WEEKDAYS[local.weekday()] in self.days and self.start <= local.time() < self.end

    def local_date(self, at: datetime) -> date:
        return self.local(at).date()

    def describe(self) -> str:
        return f"{','.join(self.days)} {self.start:%H:%M}-{self.end:%H:%M} {self.timezone}"
