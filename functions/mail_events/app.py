"""SES delivery events (source `aws.ses`, from the configuration set's EventBridge destination): opens and clicks
become engagement on the lead, permanent bounces and complaints suppress the address and withdraw consent."""

from typing import Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from leadflow.observability import logger
from leadflow.services.mail_events import handle
from leadflow.step_handler import event_handler
from leadflow.wiring import mail as mail_wiring


class SesEvent(EventBridgeModel):
    """An SES event record on the default bus; its detail is read by leadflow.services.mail_events."""

    detail: dict[str, Any]


def on_event(event: SesEvent) -> dict[str, Any]:
    logger.append_keys(event_type=event.detail_type, event_id=event.id)
    did = handle(event.detail, mail_wiring.mail_events_deps())
    logger.info("ses event handled", extra={"did": did})
    return {"event": event.detail_type, "did": did}


handler = event_handler(SesEvent, on_event)
