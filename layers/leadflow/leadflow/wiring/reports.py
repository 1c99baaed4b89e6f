"""The wiring of the report functions: the projection on the reports table, and the leads it is computed from."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from leadflow import wiring
from leadflow.clock import current_clock
from leadflow.settings import settings

if TYPE_CHECKING:
    from leadflow.adapters.dynamodb.report_projection import DynamoReportProjection
    from leadflow.services.report_headlines import ReportReadDeps
    from leadflow.services.reports import ReportDeps


@cache
def report_projection() -> DynamoReportProjection:
    from leadflow.adapters.dynamodb.report_projection import DynamoReportProjection

    name = settings().reports_table
    if not name:
        raise RuntimeError("REPORTS_TABLE is not set: this function keeps or reads no report projection")
    return DynamoReportProjection(wiring.table(name))


wiring.on_reset(report_projection.cache_clear)


def report_deps() -> ReportDeps:
    """Keeping the projections: the leads (and their history) they are computed from."""
    from leadflow.services.reports import ReportDeps

    return ReportDeps(leads=wiring.lead_store(), projection=report_projection())


def report_read_deps() -> ReportReadDeps:
    """Reading the reports: the projections, the rule sets (targets, spend, nurture), the MQLs (a live count), the
    clock and the nurture tracks' counts (experiments)."""
    from leadflow.adapters.dynamodb.track_counters import DynamoTrackCounters
    from leadflow.services.report_headlines import ReportReadDeps

    return ReportReadDeps(
        projection=report_projection(),
        rules=wiring.config_store(),
        leads=wiring.lead_store(),
        clock=current_clock(),
        counters=DynamoTrackCounters(wiring.table(settings().config_table)),
    )
