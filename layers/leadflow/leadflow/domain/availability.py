"""Whether a rep can take a lead now: active, not out of office (hard rules), within working hours (a soft
preference), and below their capacity (checked by routing against atomic counters; the reasons are worded here).

Working hours are a preference, not a gate: a lead that arrives at night goes to the next rep who is otherwise
available rather than wait for the morning in a queue, because speed-to-lead matters more than the rep's clock; the
assignment still says who was passed over for being outside their hours when someone inside theirs took it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadflow.models.roster import Rep


def unavailable_reason(rep: Rep, at: datetime) -> str | None:
    """Why the rep cannot take any lead at `at` (inactive, out of office); None when they can."""
    if not rep.active:
        return "inactive"
    for absence in rep.out_of_office:
        if absence.covers(at):
            return f"out_of_office until {absence.until.isoformat()}"
    return None


def outside_hours_reason(rep: Rep, at: datetime) -> str | None:
    """Why `at` is outside the rep's working hours; None within them, or when the rep has none configured."""
    if rep.working_hours is None or rep.working_hours.contains(at):
        return None
    return f"outside working hours ({rep.working_hours.describe()})"


def local_day(rep: Rep, at: datetime) -> date:
    """The rep's calendar day at `at`: their daily limit resets at their midnight (UTC when no hours are set)."""
    return rep.working_hours.local_date(at) if rep.working_hours else at.astimezone(UTC).date()


def open_limit_reason(limit: int) -> str:
    # The conditional write refuses at count >= limit, so the count is the limit (it never goes above).
    return f"at capacity (open {limit}/{limit})"


def daily_limit_reason(limit: int) -> str:
    return f"daily limit reached ({limit}/{limit})"
