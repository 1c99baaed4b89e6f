"""Delivers a queued notification (EventBridge `notification.queued`) to the rep's Slack webhook and/or email.

A retryable failure propagates: Lambda's asynchronous retries try again, then the event goes to the dead-letter
queue. Rejections are recorded on the outbox item and counted, never retried.
"""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models.event_bridge import EventBridgeModel
from leadflow import wiring
from leadflow.models.events import NotificationQueued
from leadflow.observability import logger, metrics
from leadflow.ports import DeliveryFailed
from leadflow.services.delivery import deliver
from leadflow.step_handler import event_handler

# One metric per outcome, so an alarm can watch rejections (bad webhooks) apart from outages (retries).
_METRICS = {
    "delivered": "NotificationsDelivered",
    "outbox_only": "NotificationsOutboxOnly",
    "failed": "NotificationsRejected",
    "missing": "NotificationsMissing",
}


class QueuedEvent(EventBridgeModel):
    """The bus's event around the queued notification (Powertools' EventBridgeEnvelope would load every envelope)."""

    detail: NotificationQueued


def deliver_queued(queued: QueuedEvent) -> dict[str, Any]:
    event = queued.detail
    logger.append_keys(notification_id=event.notification_id, lead_id=event.lead_id, rep_id=event.rep_id)
    try:
        outcome = deliver(event, wiring.delivery_deps())
    except DeliveryFailed:
        metrics.add_metric(name="NotificationDeliveryRetried", unit=MetricUnit.Count, value=1)
        raise
    if not outcome.already_settled and outcome.status in _METRICS:
        metrics.add_metric(name=_METRICS[outcome.status], unit=MetricUnit.Count, value=1)
    return asdict(outcome)


handler = event_handler(QueuedEvent, deliver_queued)
