"""The reports (`GET /v1/reports/funnel`, `/speed-to-lead`, `/sla`): figures over the leads captured in a range of
days, grouped by a dimension or by capture day, week or month, read from the projections only; the leads behind any
of their numbers (`/v1/reports/leads`); and the dashboard's headline numbers (`/v1/reports/headlines`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, get_args

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from leadflow.api.deps import UseCase
from leadflow.api.errors import API_KEY, responses
from leadflow.domain.attribution import AttributionModel
from leadflow.models.reports import (
    DIMENSIONS,
    MAX_RANGE_DAYS,
    AttributionRow,
    CohortRow,
    DrillPage,
    Experiments,
    FunnelRow,
    GroupBy,
    Headlines,
    Report,
    ReportQuery,
    SlaRow,
    SpeedRow,
    VelocityRow,
)
from leadflow.ports.reports import MAX_MEMBERS_PAGE, CellRange
from leadflow.services.report_experiments import ExperimentDeps, experiments
from leadflow.services.report_headlines import ReportReadDeps, headlines, spend
from leadflow.services.report_reads import ReportKind, ReportOptions, drill_down, report

router = APIGatewayRouter()

REPORTS = UseCase[ReportReadDeps]("reports")

From = Annotated[date, Query(alias="from", description="First capture day (UTC, YYYY-MM-DD), included.")]
To = Annotated[
    date, Query(description=f"Last capture day (UTC), included; at most {MAX_RANGE_DAYS} days after `from`.")
]
Group = Annotated[
    GroupBy, Query(description=f"One of: {', '.join(get_args(GroupBy))}. A time grouping is by capture day.")
]
#: What a drill-down can list: the leads that count in a funnel stage, or in an SLA figure, or under a reason code.
COUNTER_PATTERN = (
    r"^(leads|mql|sal|sql|opportunity|customer|disqualified|won|lost|sla|sla_met|sla_breached|escalated|turns"
    r"|turns_missed|dq:[A-Za-z0-9_.-]{1,64})$"
)
_COHORT = (
    " Every figure is about the leads captured in the range (a cohort): a lead's MQL, touch or won deal counts on "
    "the day it was captured, whenever it happened."
)


def _query(first: date, last: date, group_by: str) -> ReportQuery:
    if first > last:
        raise _invalid("to", "must not be before `from`")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise _invalid("to", f"the range may span at most {MAX_RANGE_DAYS} days")
    return ReportQuery.model_validate({"from": first, "to": last, "group_by": group_by})


def _invalid(parameter: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", parameter), "msg": message, "type": "value_error"}])


def _report(kind: ReportKind, first: date, last: date, group_by: str, options: ReportOptions | None = None) -> Report:  # type: ignore[type-arg]
    return report(kind, _query(first, last, group_by), REPORTS.deps().projection, options)


@router.get(
    "/v1/reports/funnel",
    summary="Funnel by source, campaign, form, owner or week",
    description="Leads, and how many reached MQL, SAL, SQL, opportunity and customer, with the stage-to-stage "
    "conversion rates, won and lost deals, and disqualifications by reason code." + _COHORT,
    responses=responses(Report[FunnelRow], "The funnel per group, and in total.", 403),
    security=API_KEY,
    tags=["reports"],
)
def funnel(first: From, to: To, group_by: Group = "source") -> Report[FunnelRow]:
    return _report("funnel", first, to, group_by)


@router.get(
    "/v1/reports/speed-to-lead",
    summary="Speed to lead per rep or team",
    description="Capture to first assignment to a rep, and capture to the first touch: count, median and 90th "
    "percentile, in seconds. Percentiles are exact to the histogram's bucket: never below the true value, at most "
    "19% above it." + _COHORT,
    responses=responses(Report[SpeedRow], "Speed to lead per group, and in total.", 403),
    security=API_KEY,
    tags=["reports"],
)
def speed_to_lead(first: From, to: To, group_by: Group = "rep") -> Report[SpeedRow]:
    return _report("speed-to-lead", first, to, group_by)


@router.get(
    "/v1/reports/sla",
    summary="SLA compliance per rep, team or priority",
    description="Leads with an SLA, met in time or breached; owner turns decided and missed (compliance is the share "
    "of turns without a breach), breaches, reassignments and escalations. Grouped by rep, a turn counts for the rep "
    "whose turn it was." + _COHORT,
    responses=responses(Report[SlaRow], "SLA figures per group, and in total.", 403),
    security=API_KEY,
    tags=["reports"],
)
def sla(first: From, to: To, group_by: Group = "rep") -> Report[SlaRow]:
    return _report("sla", first, to, group_by)


@router.get(
    "/v1/reports/leads",
    summary="The leads behind a number",
    description="The leads captured in the range that count in `counter` under `value` of `dimension` (for a row "
    "of a report grouped by a dimension; `dimension=all&value=all` for its total), oldest capture first, a page at a "
    "time. Read from the projections: a lead erased or merged away is not listed.",
    responses=responses(DrillPage, "A page of leads, with their capture day.", 403),
    security=API_KEY,
    tags=["reports"],
)
def leads_behind(  # the query parameters, by name
    *,
    first: From,
    to: To,
    dimension: Annotated[str, Query(pattern=f"^({'|'.join(DIMENSIONS)})$", description="A dimension, or `all`.")],
    value: Annotated[str, Query(min_length=1, max_length=200, description="The row's `group`.")],
    counter: Annotated[
        str, Query(pattern=COUNTER_PATTERN, description="`leads`, a stage (`mql`…), an SLA figure, or `dq:<reason>`.")
    ] = "leads",
    limit: Annotated[int, Query(ge=1, le=MAX_MEMBERS_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page.")] = None,
) -> DrillPage:
    query = _query(first, to, dimension if dimension != "all" else "day")
    cells = CellRange(dimension, value, query.from_.isoformat(), query.to.isoformat())
    try:
        return drill_down(cells, counter, REPORTS.deps().projection, limit=limit, cursor=cursor)
    except ValueError as exc:
        raise _invalid("cursor", f"not a cursor this API returned ({exc})") from exc


@router.get(
    "/v1/reports/headlines",
    summary="The numbers that most need attention",
    description="Median speed to lead, SLA compliance and MQL to SQL rate of the last 28 days' captures against "
    "their targets (the `reports` rule set), MQLs untouched past their SLA right now, and this week's leads against "
    "the same weekdays of the trailing weeks. Each is flagged `attention` when outside its target or usual range.",
    responses=responses(Headlines, "The headline numbers.", 403),
    security=API_KEY,
    tags=["reports"],
)
def headline_numbers() -> Headlines:
    return headlines(REPORTS.deps())


@router.get(
    "/v1/reports/cohorts",
    summary="Cohorts by capture week and their conversion at +7, +30 and +90 days",
    description="For each group (capture week by default), its leads and the share that became MQL, SQL and customer "
    "within 7, 30 and 90 days of capture. A window is `mature` once every lead of the group is that old; before, "
    "its rates can still grow.",
    responses=responses(Report[CohortRow], "Cohorts and their conversion, and in total.", 403),
    security=API_KEY,
    tags=["reports"],
)
def cohorts(first: From, to: To, group_by: Group = "week") -> Report[CohortRow]:
    today = REPORTS.deps().clock.now().date()
    return _report("cohorts", first, to, group_by, ReportOptions(today=today))


Model = Annotated[
    AttributionModel,
    Query(description="first_touch, last_touch, linear (equal shares) or u_shaped (40% first, 40% last, 20% between)."),
]


@router.get(
    "/v1/reports/attribution",
    summary="Pipeline and won amount credited to channels",
    description="Each lead that became an opportunity credits one opportunity (and, once won, its amount) to the "
    "channels of its touches up to that moment (form submissions' UTM source, engagement events' `utm_source` or "
    "provider), split by `model`. Credits of each lead add up exactly to its opportunity and amount." + _COHORT,
    responses=responses(Report[AttributionRow], "Credits per channel, and in total.", 403),
    security=API_KEY,
    tags=["reports"],
)
def attribution(first: From, to: To, model: Model = "linear") -> Report[AttributionRow]:
    return _report("attribution", first, to, "source", ReportOptions(model=model))


@router.get(
    "/v1/reports/velocity",
    summary="Days in each stage, pipeline velocity and cost per qualified lead",
    description="Average days in each stage (of the leads that left it), win rate, average deal, average cycle "
    "(capture to won) and pipeline velocity (opportunities x win rate x average deal / cycle days). Grouped by "
    "source, the spend of the range (the `spend` rule set, spread evenly over each month's days) and the cost per "
    "MQL and SQL." + _COHORT,
    responses=responses(Report[VelocityRow], "Velocity per group, and in total.", 403),
    security=API_KEY,
    tags=["reports"],
)
def velocity(first: From, to: To, group_by: Group = "source") -> Report[VelocityRow]:
    return _report("velocity", first, to, group_by, ReportOptions(spend=spend(REPORTS.deps().rules)))


@router.get(
    "/v1/reports/experiments",
    summary="Nurture variants and routing rule versions side by side",
    description="Each nurture step with variants (click and MQL rate per email sent) and each routing rule version "
    "(SQL per MQL of the leads captured in the range), every arm against the first with a two-proportion z-test: a "
    "change is judged by its effect, not by its timing. `significant` means p < 0.05.",
    responses=responses(Experiments, "The experiments and their comparisons.", 403),
    security=API_KEY,
    tags=["reports"],
)
def experiment_results(first: From, to: To) -> Experiments:
    deps = REPORTS.deps()
    found = ExperimentDeps(projection=deps.projection, rules=deps.rules, counters=deps.counters)
    return experiments(_query(first, to, "routing"), found)
