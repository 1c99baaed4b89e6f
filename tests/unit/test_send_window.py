"""When a nurture email may go: the lead's own time zone, quiet hours that span midnight, send days, and the days
the clocks change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from leadflow.domain.send_window import lead_timezone, next_send_moment
from leadflow.models.nurture import NurtureLimits

NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS_ONLY = ["mon", "tue", "wed", "thu", "fri"]
EVERY_DAY = [*WEEKDAYS_ONLY, "sat", "sun"]


def limits(**overrides: Any) -> NurtureLimits:
    settings: dict[str, Any] = {"quiet_hours": {"start": "20:00", "end": "08:00"}, "send_days": WEEKDAYS_ONLY}
    return NurtureLimits.model_validate({**settings, **overrides})


# --- the lead's time zone ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "state", "zone"),
    [
        ("US", "CA", "America/Los_Angeles"),
        ("us", "california", "America/Los_Angeles"),
        ("US", "TX", "America/Chicago"),
        ("US", None, "America/New_York"),
        ("CA", "BC", "America/Vancouver"),
        ("CA", None, "America/Toronto"),
        ("AU", "WA", "Australia/Perth"),
        ("AU", "New South Wales", "Australia/Sydney"),
        ("AU", None, "Australia/Sydney"),
        ("DE", None, "Europe/Berlin"),
        ("Germany", "Bavaria", "Europe/Berlin"),
        ("JP", None, "Asia/Tokyo"),
    ],
)
def test_a_leads_zone_comes_from_its_country_and_state(country: str, state: str | None, zone: str) -> None:
    assert lead_timezone(country, state, limits()) == ZoneInfo(zone)


def test_an_unknown_or_missing_country_takes_the_configured_default() -> None:
    configured = limits(default_timezone="Europe/London")

    assert lead_timezone(None, None, configured) == ZoneInfo("Europe/London")
    assert lead_timezone("Atlantis", "North", configured) == ZoneInfo("Europe/London")
    assert lead_timezone("ZZ", None, configured) == ZoneInfo("Europe/London")


def test_a_state_override_wins_over_a_country_override_which_wins_over_the_built_in_zone() -> None:
    configured = limits(timezones={"US-CA": "America/Phoenix", "US": "America/Denver", "DE": "Europe/Zurich"})

    assert lead_timezone("US", "CA", configured) == ZoneInfo("America/Phoenix")
    assert lead_timezone("US", "California", configured) == ZoneInfo("America/Phoenix")
    assert lead_timezone("US", "NY", configured) == ZoneInfo("America/Denver")
    assert lead_timezone("Germany", None, configured) == ZoneInfo("Europe/Zurich")


# --- the next moment it may send -------------------------------------------------------------------------------------


def test_a_moment_inside_the_window_is_kept_as_it_is() -> None:
    tuesday_morning = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 09:00 in New York

    assert next_send_moment(tuesday_morning, NEW_YORK, limits()) == tuesday_morning


def test_friday_evening_in_new_york_waits_for_monday_morning_there() -> None:
    friday_evening = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # Friday 4 December, 21:00 in New York

    moment = next_send_moment(friday_evening, NEW_YORK, limits())

    assert moment == datetime(2026, 12, 7, 8, 0, tzinfo=NEW_YORK)
    assert moment.tzinfo == UTC


def test_a_lead_in_sydney_at_two_in_the_morning_gets_mail_at_eight_their_time() -> None:
    # 16:00 UTC on Monday is 02:00 on Tuesday in Sydney (AEST, UTC+10): the UTC day and weekday are not the lead's.
    monday_afternoon_utc = datetime(2026, 6, 1, 16, 0, tzinfo=UTC)

    moment = next_send_moment(monday_afternoon_utc, SYDNEY, limits())

    assert moment == datetime(2026, 6, 2, 8, 0, tzinfo=SYDNEY)
    assert moment == datetime(2026, 6, 1, 22, 0, tzinfo=UTC)


def test_a_send_day_is_the_leads_weekday_not_utcs() -> None:
    # Friday 23:00 UTC is already Saturday 09:00 in Sydney: no send day there until Monday.
    friday_utc = datetime(2026, 6, 5, 23, 0, tzinfo=UTC)

    assert next_send_moment(friday_utc, SYDNEY, limits()) == datetime(2026, 6, 8, 8, 0, tzinfo=SYDNEY)


@pytest.mark.parametrize(
    ("local", "allowed"),
    [
        (datetime(2026, 12, 1, 7, 59), datetime(2026, 12, 1, 8, 0)),
        (datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 1, 8, 0)),
        (datetime(2026, 12, 1, 19, 59), datetime(2026, 12, 1, 19, 59)),
        (datetime(2026, 12, 1, 20, 0), datetime(2026, 12, 2, 8, 0)),
        (datetime(2026, 12, 1, 23, 30), datetime(2026, 12, 2, 8, 0)),
    ],
)
def test_quiet_hours_spanning_midnight_hold_from_their_start_up_to_their_end(
    local: datetime, allowed: datetime
) -> None:
    assert next_send_moment(local.replace(tzinfo=BERLIN), BERLIN, limits()) == allowed.replace(tzinfo=BERLIN)


def test_quiet_hours_within_a_day_hold_only_between_start_and_end() -> None:
    lunch = limits(quiet_hours={"start": "12:00", "end": "13:30"})

    assert next_send_moment(datetime(2026, 12, 1, 12, 15, tzinfo=BERLIN), BERLIN, lunch) == datetime(
        2026, 12, 1, 13, 30, tzinfo=BERLIN
    )
    assert next_send_moment(datetime(2026, 12, 1, 23, 0, tzinfo=BERLIN), BERLIN, lunch) == datetime(
        2026, 12, 1, 23, 0, tzinfo=BERLIN
    )


def test_a_single_send_day_waits_for_the_next_one() -> None:
    mondays = limits(send_days=["mon"])
    tuesday = datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)

    assert next_send_moment(tuesday, BERLIN, mondays) == datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN)


def test_without_quiet_hours_or_send_days_every_moment_is_allowed() -> None:
    anytime = NurtureLimits()
    sunday_night = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)

    assert next_send_moment(sunday_night, NEW_YORK, anytime) == sunday_night


def test_on_the_spring_forward_day_quiet_hours_end_at_eight_local_summer_time() -> None:
    # Sunday 8 March 2026, New York: 02:00 EST jumps to 03:00 EDT. 08:00 that morning is 12:00 UTC, not 13:00.
    every_day = limits(send_days=EVERY_DAY)

    moment = next_send_moment(datetime(2026, 3, 8, 6, 0, tzinfo=UTC), NEW_YORK, every_day)

    assert moment == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_quiet_hours_ending_in_the_skipped_hour_end_when_the_clocks_jump() -> None:
    # 02:30 does not exist on 8 March 2026 in New York: the first moment at or after it is 03:00 EDT (07:00 UTC).
    ends_in_the_gap = limits(quiet_hours={"start": "20:00", "end": "02:30"}, send_days=EVERY_DAY)

    moment = next_send_moment(datetime(2026, 3, 8, 1, 0, tzinfo=NEW_YORK), NEW_YORK, ends_in_the_gap)

    assert moment == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert moment.astimezone(NEW_YORK).hour == 3


def test_quiet_hours_ending_in_the_repeated_hour_end_at_its_first_pass() -> None:
    # 1 November 2026, New York: 01:00-02:00 happens twice (EDT, then EST). Quiet until 01:30 ends at the first one.
    ends_in_the_fold = limits(quiet_hours={"start": "20:00", "end": "01:30"}, send_days=EVERY_DAY)

    moment = next_send_moment(datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK), NEW_YORK, ends_in_the_fold)

    assert moment == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_on_the_autumn_day_in_berlin_the_evening_quiet_starts_at_twenty_local_winter_time() -> None:
    # Sunday 25 October 2026, Berlin back to CET (UTC+1): 20:00 local is 19:00 UTC; Monday 08:00 CET is 07:00 UTC.
    at = datetime(2026, 10, 25, 19, 0, tzinfo=UTC)

    assert next_send_moment(at, BERLIN, limits()) == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)


def test_a_moment_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        next_send_moment(datetime(2026, 12, 1, 9, 0), NEW_YORK, limits())
