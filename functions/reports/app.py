"""Report projections: the events that change what a lead counts as arrive from a queue in batches; every lead they
name (and every lead a merge, unmerge or erasure names) is re-projected once per batch into the report cells.
Idempotent and order-free: the projection is recomputed from the stored lead, so a redelivered event changes
nothing. A message whose leads could not be projected is reported as the batch's failure and delivered again (then
to the dead-letter queue); the rest of the batch is done."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from leadflow.observability import logger, metrics
from leadflow.services.reports import leads_named, project_events
from leadflow.step_handler import event_handler
from leadflow.wiring import reports as reports_wiring
from pydantic import BaseModel, Field, ValidationError


class BusEvent(EventBridgeModel):
    """An event from leadflow's bus, as the rule put it on the queue; only its lead ids are read."""

    detail: dict[str, Any]


class QueuedMessage(BaseModel):
    message_id: str = Field(alias="messageId")
    body: str


class QueuedBatch(BaseModel):
    records: list[QueuedMessage] = Field(alias="Records")


def on_batch(batch: QueuedBatch) -> dict[str, Any]:
    events: dict[str, BusEvent] = {}
    unreadable: list[str] = []
    for record in batch.records:
        try:
            events[record.message_id] = BusEvent.model_validate_json(record.body)
        except ValidationError as exc:
            logger.error("a queued message is not a bus event", message_id=record.message_id, error=str(exc))
            unreadable.append(record.message_id)
    outcome = project_events(((e.detail_type, e.detail) for e in events.values()), reports_wiring.report_deps())
    for lead_id, error in outcome.failed.items():
        logger.error("lead not projected", lead_id=lead_id, error=repr(error))
    failed = unreadable + [
        message_id
        for message_id, event in events.items()
        if any(lead_id in outcome.failed for lead_id in leads_named(event.detail_type, event.detail))
    ]
    metrics.add_metric(name="ReportLeadsProjected", unit=MetricUnit.Count, value=len(outcome.changed))
    metrics.add_metric(name="ReportLeadsFailed", unit=MetricUnit.Count, value=len(outcome.failed))
    # Only the failed messages come back (the event source mapping's ReportBatchItemFailures).
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


handler = event_handler(QueuedBatch, on_batch)
