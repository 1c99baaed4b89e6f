"""When a marketing email may go to a lead: the lead's time zone (from its country and state, or the configured
overrides and default) and the next moment outside quiet hours on a send day, in that zone's wall-clock time.

Pure: the country -> zone table is the tz database's own (zone.tab, shipped by the tzdata package in the layer),
read once; no clock is read here, the caller gives the moment."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from leadflow.models.nurture import NurtureLimits
from leadflow.models.working_hours import WEEKDAYS

# The first zone zone.tab lists for a country is not always where most of its people live (Lord Howe Island for
# Australia, Newfoundland for Canada); for those countries, without a known state, this zone is used instead.
_COUNTRY_DEFAULTS = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",
}

# States and provinces of the countries that span several zones, as "CODE Name" by zone: a lead's state may be
# given as its code (`CA`) or its name (`California`). A state split between zones takes the zone most of it keeps.
_REGIONS: dict[str, dict[str, str]] = {
    "US": {
        "America/New_York": "CT Connecticut, DE Delaware, DC District of Columbia, FL Florida, GA Georgia, "
        "KY Kentucky, ME Maine, MD Maryland, MA Massachusetts, NH New Hampshire, NJ New Jersey, NY New York, "
        "NC North Carolina, OH Ohio, PA Pennsylvania, RI Rhode Island, SC South Carolina, VT Vermont, VA Virginia, "
        "WV West Virginia",
        "America/Detroit": "MI Michigan",
        "America/Indiana/Indianapolis": "IN Indiana",
        "America/Chicago": "AL Alabama, AR Arkansas, IL Illinois, IA Iowa, KS Kansas, LA Louisiana, MN Minnesota, "
        "MS Mississippi, MO Missouri, NE Nebraska, ND North Dakota, OK Oklahoma, SD South Dakota, TN Tennessee, "
        "TX Texas, WI Wisconsin",
        "America/Denver": "CO Colorado, MT Montana, NM New Mexico, UT Utah, WY Wyoming",
        "America/Boise": "ID Idaho",
        "America/Phoenix": "AZ Arizona",
        "America/Los_Angeles": "CA California, NV Nevada, OR Oregon, WA Washington",
        "America/Anchorage": "AK Alaska",
        "Pacific/Honolulu": "HI Hawaii",
    },
    "CA": {
        "America/St_Johns": "NL Newfoundland and Labrador",
        "America/Halifax": "NS Nova Scotia, PE Prince Edward Island",
        "America/Moncton": "NB New Brunswick",
        "America/Toronto": "ON Ontario, QC Quebec",
        "America/Iqaluit": "NU Nunavut",
        "America/Winnipeg": "MB Manitoba",
        "America/Regina": "SK Saskatchewan",
        "America/Edmonton": "AB Alberta, NT Northwest Territories",
        "America/Vancouver": "BC British Columbia",
        "America/Whitehorse": "YT Yukon",
    },
    "AU": {
        "Australia/Sydney": "NSW New South Wales, ACT Australian Capital Territory",
        "Australia/Melbourne": "VIC Victoria",
        "Australia/Brisbane": "QLD Queensland",
        "Australia/Adelaide": "SA South Australia",
        "Australia/Darwin": "NT Northern Territory",
        "Australia/Perth": "WA Western Australia",
        "Australia/Hobart": "TAS Tasmania",
    },
}
ISO_CODE_LENGTH = 2  # a country given as ISO 3166 alpha-2 (`DE`); anything longer is looked up as a name
# More wall-clock jumps than any week of allowed days and quiet hours needs (two per day at most).
_MAX_JUMPS = 32


def lead_timezone(country: str | None, state: str | None, limits: NurtureLimits) -> ZoneInfo:
    """The lead's zone: `limits.timezones` for `US-CA`, then for `US`; then the state's zone, then the country's;
    else `limits.default_timezone`. Country and state may be codes or names, in any case."""
    code = _country_code(country)
    region = _region_code(code, state)
    for key in (f"{code}-{region}" if code and region else None, code):
        if key is not None and key in limits.timezones:
            return ZoneInfo(limits.timezones[key])
    zone = _region_zones().get((code, region)) if code and region else None
    zone = zone or _country_zones().get(code or "")
    return ZoneInfo(zone or limits.default_timezone)


def next_send_moment(at: datetime, zone: ZoneInfo, limits: NurtureLimits) -> datetime:
    """The first moment from `at` on that is on a send day and outside quiet hours in `zone`'s wall-clock time: `at`
    itself when allowed, else the moment in UTC (a local time in the repeated autumn hour equals no moment of
    another zone). Clock changes are taken as they come: quiet hours ending at a wall time the spring-forward skips
    end when the clocks jump."""
    if at.tzinfo is None:
        raise ValueError("at must carry its time zone")
    moment = at
    for _ in range(_MAX_JUMPS):
        blocked_until = _blocked_until(moment.astimezone(zone), limits)
        if blocked_until is None:
            return moment if moment is at else moment.astimezone(UTC)
        moment = _first_instant_at(blocked_until, zone)
    raise AssertionError("unreachable: send_days is never empty, so an allowed moment comes within a week")


def _blocked_until(local: datetime, limits: NurtureLimits) -> datetime | None:
    """The wall time (naive, in the lead's zone) at which the block on `local` lifts; None when it may send now."""
    day = local.date()
    if WEEKDAYS[local.weekday()] not in limits.send_days:
        return datetime.combine(day + timedelta(days=1), time(0))
    quiet = limits.quiet_hours
    if quiet is None or not quiet.contains(local.time()):
        return None
    # Inside quiet hours: they end today, unless they span midnight and began this evening.
    ends_tomorrow = quiet.end < quiet.start and local.time() >= quiet.start
    return datetime.combine(day + timedelta(days=1) if ends_tomorrow else day, quiet.end)


def _first_instant_at(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant whose wall-clock time in `zone` is `wall` or later. A repeated wall time (autumn) gives its
    first occurrence; a skipped one (spring) gives the instant the clocks jump past it."""
    instant = wall.replace(tzinfo=zone, fold=0)
    if _wall(instant, zone) == wall:
        return instant
    # Skipped: fold=0 reads it with the offset before the jump (after the jump on the UTC line), fold=1 with the one
    # after (before the jump). The jump lies between: find it to the second.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = instant.astimezone(UTC)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if _wall(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0).astimezone(zone)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    # Through UTC: astimezone to the zone an instant already carries returns it unchanged, skipped wall time and all.
    return instant.astimezone(UTC).astimezone(zone).replace(tzinfo=None)


def _country_code(country: str | None) -> str | None:
    name = (country or "").strip()
    if not name:
        return None
    if len(name) == ISO_CODE_LENGTH:
        return name.upper()
    return _country_names().get(name.casefold())


def _region_code(code: str | None, state: str | None) -> str | None:
    name = (state or "").strip()
    if not code or not name:
        return None
    return _region_names().get((code, name.casefold()), name.upper())


@cache
def _tz_table(name: str) -> list[list[str]]:
    text = files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _country_zones() -> dict[str, str]:
    zones: dict[str, str] = {}
    for row in _tz_table("zone.tab"):
        zones.setdefault(row[0], row[2])
    return {**zones, **_COUNTRY_DEFAULTS}


@cache
def _country_names() -> dict[str, str]:
    names = {row[1].casefold(): row[0] for row in _tz_table("iso3166.tab")}
    return {**names, "united states of america": "US", "usa": "US", "uk": "GB", "united kingdom": "GB"}


@cache
def _region_zones() -> dict[tuple[str, str], str]:
    return {
        (country, entry.split(" ", 1)[0]): zone
        for country, by_zone in _REGIONS.items()
        for zone, entries in by_zone.items()
        for entry in entries.split(", ")
    }


@cache
def _region_names() -> dict[tuple[str, str], str]:
    return {
        (country, name.casefold()): code
        for country, by_zone in _REGIONS.items()
        for entries in by_zone.values()
        for code, name in (entry.split(" ", 1) for entry in entries.split(", "))
    }
