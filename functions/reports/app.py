"""Report projections: an event that changes what a lead counts as re-projects the lead (and every lead a merge,
unmerge or erasure names) into the report cells. Idempotent and order-free: the projection is recomputed from the
stored lead, so a redelivered event changes nothing."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from leadflow.observability import logger, metrics
from leadflow.services.reports import project_event
from leadflow.step_handler import event_handler
from leadflow.wiring import reports as reports_wiring


class BusEvent(EventBridgeModel):
    """An event from leadflow's bus; only its lead ids are read."""

    detail: dict[str, Any]


def on_event(event: BusEvent) -> dict[str, Any]:
    logger.append_keys(lead_id=event.detail.get("lead_id"), event_type=event.detail_type, event_id=event.id)
    changed = project_event(event.detail_type, event.detail, reports_wiring.report_deps())
    metrics.add_metric(name="ReportLeadsProjected", unit=MetricUnit.Count, value=len(changed))
    return {"event": event.detail_type, "changed": changed}


handler = event_handler(BusEvent, on_event)
