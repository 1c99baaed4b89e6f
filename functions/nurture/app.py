"""Nurture's event listener: a score below MQL, a recycle or a disqualification enrols the lead in a track (starting
its execution); a move in the lifecycle, a withdrawn consent, a merge or an erasure ends its enrolments (stopping
theirs); a captured form gets its auto-response; and each track's A/B counts follow the events."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from leadflow.observability import logger, metrics
from leadflow.services.nurture_events import handle_event
from leadflow.step_handler import event_handler
from leadflow.wiring import nurture as nurture_wiring


class BusEvent(EventBridgeModel):
    """An event from leadflow's bus; its detail is parsed by type in leadflow.services.nurture_events."""

    detail: dict[str, Any]


def on_event(event: BusEvent) -> dict[str, Any]:
    lead_id = event.detail.get("lead_id")
    logger.append_keys(lead_id=lead_id, event_type=event.detail_type, event_id=event.id)
    did = handle_event(event.detail_type, event.detail, event.id, event.time, nurture_wiring.nurture_deps())
    logger.info("nurture event handled", extra={"did": did})
    metrics.add_metric(name="NurtureEventsHandled", unit=MetricUnit.Count, value=1)
    return {"event": event.detail_type, "did": did}


handler = event_handler(BusEvent, on_event)
