"""A nurture enrolment's Step task: run the enrolment from where it stands until it waits or ends, and tell the
NurtureTrack state machine which (and until when)."""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from leadflow.models.enrolment import EnrolmentRun
from leadflow.observability import logger, metrics
from leadflow.services.nurture_step import run_enrolment
from leadflow.step_handler import event_handler
from leadflow.wiring import nurture as nurture_wiring


def run(request: EnrolmentRun) -> dict[str, Any]:
    logger.append_keys(lead_id=request.lead_id, enrolment_id=request.enrolment_id)
    answer = run_enrolment(request.lead_id, request.enrolment_id, nurture_wiring.nurture_deps())
    metrics.add_metric(name=f"NurtureRun{answer.decision.title()}", unit=MetricUnit.Count, value=1)
    return asdict(answer)


handler = event_handler(EnrolmentRun, run)
