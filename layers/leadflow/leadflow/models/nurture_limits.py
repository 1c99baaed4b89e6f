"""The global limits of nurture email (part of the `nurture` rule set, leadflow.models.nurture): how many marketing
emails a lead may get per rolling week across every track, and the quiet hours and send days in the lead's own time
zone, which leadflow.domain.send_window applies."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from leadflow.models.config_entry import first_repeated
from leadflow.models.working_hours import WEEKDAYS, Weekday

#: A `timezones` key: a country (ISO 3166 alpha-2, `US`) or a country and its state or province (`US-CA`).
REGION_KEY_PATTERN = r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"


def _zone_exists(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/Berlin, America/New_York)") from None
    return value


class QuietHours(BaseModel):
    """No marketing email from `start` up to `end`, in the lead's local time; `end` before `start` spans midnight."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError(f"start and end are both {self.start:%H:%M}: leave quiet_hours out for none")
        return self

    def contains(self, at: time) -> bool:
        if self.start < self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end


class NurtureLimits(BaseModel):
    """Limits across every track: a cap on marketing emails per lead per rolling 7 days, and when they may go (in the
    lead's time zone: `timezones` overrides by `US-CA` or `US`, else the country's, else `default_timezone`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_marketing_emails_per_7_days: int = Field(default=3, ge=1, le=50)
    quiet_hours: QuietHours | None = None
    send_days: Annotated[list[Weekday], Field(min_length=1)] = Field(default_factory=lambda: list(WEEKDAYS))
    default_timezone: str = "UTC"
    timezones: dict[Annotated[str, Field(pattern=REGION_KEY_PATTERN)], str] = Field(default_factory=dict)

    _zone = field_validator("default_timezone")(_zone_exists)

    @field_validator("timezones")
    @classmethod
    def _zones_exist(cls, value: dict[str, str]) -> dict[str, str]:
        for region, zone in value.items():
            try:
                _zone_exists(zone)
            except ValueError as exc:
                raise ValueError(f"{region}: {exc}") from None
        return value

    @field_validator("send_days")
    @classmethod
    def _distinct_days(cls, value: list[Weekday]) -> list[Weekday]:
        if (day := first_repeated(value)) is not None:
            raise ValueError(f"{day!r} is listed more than once")
        return value
