"""The dashboard's headline numbers: the few figures that most need attention, each against its target (the
"reports" rule set) or its usual range, with where to find the leads behind it.

- median speed to lead (capture to first touch) of the last 28 days' captures, against its target;
- SLA compliance of the same leads (turns met), against its target;
- MQL to SQL rate of the same leads, against its target;
- MQLs untouched past their SLA deadline right now (live, from the leads in stage MQL), flagged above zero;
- this week's leads so far, against the range of the trailing weeks over the same weekdays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

from leadflow.domain.report_figures import funnel_row, latency, sla_row, sum_by_group
from leadflow.models.lead import Stage
from leadflow.models.report_targets import ReportTargets
from leadflow.models.reports import Counters, Drill, Headline, Headlines
from leadflow.models.rules import parse_ruleset
from leadflow.models.spend import SpendRuleSet
from leadflow.ports import Clock, RuleSets, TrackCounters
from leadflow.ports.leads import Page
from leadflow.ports.reports import ReportProjection

#: The captures the rates and the median are measured over.
WINDOW_DAYS = 28
#: The most MQLs the live count looks at (the oldest first would need an index; the count says when it stopped).
MAX_MQLS_SCANNED = 2000
_MAX_LEAD_IDS = 50


class LeadsByStage(Protocol):
    def list_leads(self, *, stage: Stage | None = None, limit: int = 50, cursor: str | None = None) -> Page: ...


@dataclass(frozen=True)
class ReportReadDeps:
    projection: ReportProjection
    rules: RuleSets
    leads: LeadsByStage
    clock: Clock
    counters: TrackCounters


def targets(rules: RuleSets) -> ReportTargets:
    """The active targets; the defaults until a "reports" rule set is published."""
    found = rules.active("reports")
    if found is None:
        return ReportTargets()
    version, body = found
    parsed = parse_ruleset("reports", body, version=version)
    assert isinstance(parsed, ReportTargets)
    return parsed


def spend(rules: RuleSets) -> SpendRuleSet | None:
    """The active spend; None until a "spend" rule set is published."""
    found = rules.active("spend")
    if found is None:
        return None
    parsed = parse_ruleset("spend", found[1], version=found[0])
    assert isinstance(parsed, SpendRuleSet)
    return parsed


def headlines(deps: ReportReadDeps) -> Headlines:
    now = deps.clock.now()
    today = now.date()
    goals = targets(deps.rules)
    first = today - timedelta(days=WINDOW_DAYS - 1)
    read = deps.projection.cells("all", first.isoformat(), today.isoformat())
    window = sum_by_group("all", read.cells).get("all", {})
    return Headlines(
        as_of=today,
        headlines=[
            _speed(window, goals, first, today),
            _compliance(window, goals, first, today),
            _mql_to_sql(window, goals, first, today),
            _untouched(deps, now),
            _this_week(deps, goals, today),
        ],
    )


def _judged(value: float | None, target: float, *, at_least: bool) -> Literal["ok", "attention", "no_data"]:
    """A number against its target: `attention` below a target it should reach (`at_least`) or above a limit."""
    if value is None:
        return "no_data"
    missed = value < target if at_least else value > target
    return "attention" if missed else "ok"


def _drill(counter: str, first: date, last: date) -> Drill:
    return Drill(dimension="all", value="all", counter=counter, from_=first, to=last)


def _speed(window: Counters, goals: ReportTargets, first: date, last: date) -> Headline:
    figures = latency(window, "s2t:")
    target = goals.speed_to_lead_minutes * 60
    value = figures.p50_seconds
    status = _judged(value, target, at_least=False)
    return Headline(
        id="speed_to_lead",
        label="Median speed to lead",
        value=value,
        unit="seconds",
        target=target,
        status=status,
        explain=f"Capture to first touch, median of {figures.count} leads captured in the last {WINDOW_DAYS} days; "
        f"target at most {goals.speed_to_lead_minutes:g} minutes.",
        drill=_drill("leads", first, last),
    )


def _compliance(window: Counters, goals: ReportTargets, first: date, last: date) -> Headline:
    compliance = sla_row("all", window).compliance
    status = _judged(compliance.rate, goals.sla_compliance, at_least=True)
    return Headline(
        id="sla_compliance",
        label="SLA compliance",
        value=compliance.rate,
        unit="ratio",
        target=goals.sla_compliance,
        status=status,
        explain=f"{compliance.numerator} of {compliance.denominator} owner turns met their deadline "
        f"(leads captured in the last {WINDOW_DAYS} days); target at least {goals.sla_compliance:.0%}.",
        drill=_drill("sla_breached", first, last),
    )


def _mql_to_sql(window: Counters, goals: ReportTargets, first: date, last: date) -> Headline:
    conversion = funnel_row("all", window).conversion["mql_to_sql"]
    status = _judged(conversion.rate, goals.mql_to_sql, at_least=True)
    return Headline(
        id="mql_to_sql",
        label="MQL to SQL",
        value=conversion.rate,
        unit="ratio",
        target=goals.mql_to_sql,
        status=status,
        explain=f"{conversion.numerator} of {conversion.denominator} MQLs captured in the last {WINDOW_DAYS} days "
        f"became SQL; target at least {goals.mql_to_sql:.0%}.",
        drill=_drill("mql", first, last),
    )


def _untouched(deps: ReportReadDeps, now: datetime) -> Headline:
    overdue: list[str] = []
    scanned = 0
    cursor: str | None = None
    while scanned < MAX_MQLS_SCANNED:
        page = deps.leads.list_leads(stage=Stage.MQL, limit=100, cursor=cursor)
        scanned += len(page.items)
        overdue += [
            lead.lead_id
            for lead in page.items
            if lead.sla is not None and lead.sla.status == "running" and lead.sla.deadline < now
        ]
        cursor = page.cursor
        if cursor is None:
            break
    more = "" if cursor is None else f" (the first {scanned} MQLs looked at)"
    return Headline(
        id="mql_untouched_past_sla",
        label="MQLs untouched past their SLA",
        value=float(len(overdue)),
        unit="leads",
        target=0,
        status="attention" if overdue else "ok",
        explain=f"MQLs whose owner's deadline has passed without a touch, right now{more}.",
        lead_ids=overdue[:_MAX_LEAD_IDS],
    )


def _this_week(deps: ReportReadDeps, goals: ReportTargets, today: date) -> Headline:
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=goals.trailing_weeks)
    per_day = sum_by_group("day", deps.projection.cells("all", first.isoformat(), today.isoformat()).cells)
    weekdays = today.weekday()  # Monday 0: compare the same weekdays of every week

    def leads_of_week(start: date) -> int:
        days = (start + timedelta(days=offset) for offset in range(weekdays + 1))
        return sum(per_day.get(day.isoformat(), {}).get("leads", 0) for day in days)

    current = leads_of_week(monday)
    past = [leads_of_week(monday - timedelta(weeks=back)) for back in range(1, goals.trailing_weeks + 1)]
    low, high = min(past), max(past)
    status = "attention" if not low <= current <= high else "ok"
    return Headline(
        id="leads_this_week",
        label="Leads this week",
        value=float(current),
        unit="leads",
        usual_low=float(low),
        usual_high=float(high),
        status=status,
        explain=f"Leads captured since Monday, against {low}-{high} over the same days of the last "
        f"{goals.trailing_weeks} weeks.",
        drill=_drill("leads", monday, today),
    )
