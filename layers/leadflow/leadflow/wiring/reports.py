"""The wiring of the report functions: the projection on the reports table, and the leads it is computed from."""

from __future__ import annotations

from functools import cache

from leadflow import wiring
from leadflow.adapters.dynamodb import DynamoReportProjection
from leadflow.services.reports import ReportDeps
from leadflow.settings import settings


@cache
def report_projection() -> DynamoReportProjection:
    name = settings().reports_table
    if not name:
        raise RuntimeError("REPORTS_TABLE is not set: this function keeps or reads no report projection")
    return DynamoReportProjection(wiring.table(name))


wiring.on_reset(report_projection.cache_clear)


def report_deps() -> ReportDeps:
    return ReportDeps(leads=wiring.lead_store(), projection=report_projection())
