"""Rows of the cohort, attribution and velocity reports, from summed cells (and, for the cost per qualified lead,
the spend of the range).

Pure: no I/O."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from leadflow.domain.attribution import OPPORTUNITY_UNITS, AttributionModel
from leadflow.domain.report_figures import rate
from leadflow.domain.report_timing import COHORT_WINDOWS
from leadflow.models.reports import (
    FUNNEL_STAGES,
    AttributionRow,
    CohortRow,
    CohortWindow,
    Counters,
    StageTime,
    VelocityRow,
)
from leadflow.models.spend import SpendRuleSet

_STAY_STAGES = ("new", *FUNNEL_STAGES[:-1], "recycled")


def cohort_row(group: str, counters: Counters, last_capture: date | None, today: date) -> CohortRow:
    leads = counters.get("leads", 0)
    windows = [
        CohortWindow(
            days=days,
            mature=last_capture is not None and last_capture + timedelta(days=days) <= today,
            mql=rate(counters.get(f"mql@{days}d", 0), leads),
            sql=rate(counters.get(f"sql@{days}d", 0), leads),
            customer=rate(counters.get(f"customer@{days}d", 0), leads),
        )
        for days in COHORT_WINDOWS
    ]
    return CohortRow(group=group, leads=leads, windows=windows)


def attribution_row(group: str, counters: Counters, model: AttributionModel) -> AttributionRow:
    return AttributionRow(
        group=group,
        opportunities=counters.get(f"att:{model}:opp", 0) / OPPORTUNITY_UNITS,
        won_amount=counters.get(f"att:{model}:won", 0) / 100,
    )


def _average(total: int, count: int, scale: float = 1.0) -> float | None:
    return round(total / count / scale, 2) if count else None


def velocity_row(group: str, counters: Counters, spend: float | None = None) -> VelocityRow:
    def count(name: str) -> int:
        return counters.get(name, 0)

    won, lost = count("won"), count("lost")
    win_rate = rate(won, won + lost)
    average_deal = _average(count("won_cents"), won, 100)
    cycle_days = _average(count("cycle_h"), won, 24)
    velocity = None
    if win_rate.rate is not None and average_deal is not None and cycle_days:
        velocity = round(count("opportunity") * win_rate.rate * average_deal / cycle_days, 2)
    return VelocityRow(
        group=group,
        opportunities=count("opportunity"),
        won=won,
        lost=lost,
        win_rate=win_rate,
        average_deal=average_deal,
        average_cycle_days=cycle_days,
        velocity_per_day=velocity,
        days_in_stage=[
            StageTime(
                stage=stage,
                left=count(f"stays:{stage}"),
                average_days=_average(count(f"stay_h:{stage}"), count(f"stays:{stage}"), 24),
            )
            for stage in _STAY_STAGES
        ],
        spend=spend,
        cost_per_mql=round(spend / count("mql"), 2) if spend is not None and count("mql") else None,
        cost_per_sql=round(spend / count("sql"), 2) if spend is not None and count("sql") else None,
    )


def spend_in_range(spend: SpendRuleSet, source: str, first: date, last: date) -> float | None:
    """What the source cost over [first, last]: each month's spend spread evenly over its days. None when the
    spend names no month of the range for the source."""
    months = spend.monthly.get(source)
    if not months:
        return None
    total, found, day = 0.0, False, first
    while day <= last:
        amount = months.get(f"{day.year:04d}-{day.month:02d}")
        if amount is not None:
            found = True
            total += amount / calendar.monthrange(day.year, day.month)[1]
        day += timedelta(days=1)
    return round(total, 2) if found else None
