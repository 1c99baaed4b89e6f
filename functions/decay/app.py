"""Scheduled hourly: re-score the leads whose engagement decayed out of the MQL cells (read from the due index)."""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from leadflow import wiring
from leadflow.observability import logger, metrics, tracer
from leadflow.services.decay import decay_due_leads


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = decay_due_leads(wiring.decay_deps())
    metrics.add_metric(name="LeadsDecayChecked", unit=MetricUnit.Count, value=run.visited)
    metrics.add_metric(name="MqlsDemoted", unit=MetricUnit.Count, value=run.demoted)
    logger.info("decay run", extra=asdict(run))
    return asdict(run)
