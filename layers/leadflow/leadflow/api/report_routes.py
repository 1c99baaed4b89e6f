"""The reports (`GET /v1/reports/funnel`, `/speed-to-lead`, `/sla`): figures over the leads captured in a range of
days, grouped by a dimension or by capture day, week or month, read from the projections only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, get_args

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from leadflow.api.deps import UseCase
from leadflow.api.errors import API_KEY, responses
from leadflow.models.reports import MAX_RANGE_DAYS, FunnelRow, GroupBy, Report, ReportQuery, SlaRow, SpeedRow
from leadflow.ports.reports import ReportProjection
from leadflow.services.report_reads import ReportKind, report

router = APIGatewayRouter()

REPORTS = UseCase[ReportProjection]("reports")

From = Annotated[date, Query(alias="from", description="First capture day (UTC, YYYY-MM-DD), included.")]
To = Annotated[
    date, Query(description=f"Last capture day (UTC), included; at most {MAX_RANGE_DAYS} days after `from`.")
]
Group = Annotated[
    GroupBy, Query(description=f"One of: {', '.join(get_args(GroupBy))}. A time grouping is by capture day.")
]
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


def _report(kind: ReportKind, first: date, last: date, group_by: str) -> Report:  # type: ignore[type-arg]
    return report(kind, _query(first, last, group_by), REPORTS.deps())


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
