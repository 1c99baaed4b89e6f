"""Scheduled every 5 minutes: republish submissions still `received` long after they were accepted (due index)."""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from leadflow import wiring
from leadflow.observability import logger, metrics, tracer
from leadflow.services.sweep import sweep_stuck_submissions


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = sweep_stuck_submissions(wiring.sweep_deps())
    metrics.add_metric(name="SubmissionsRepublished", unit=MetricUnit.Count, value=run.republished)
    metrics.add_metric(name="SubmissionsGivenUp", unit=MetricUnit.Count, value=run.given_up)
    if run.republished or run.given_up:
        logger.warning("stuck submissions swept", extra=asdict(run))
    return asdict(run)
