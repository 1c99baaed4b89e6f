"""Scheduled weekly: train the predictive model on the recorded outcomes and publish it (or say why not yet)."""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from leadflow import wiring
from leadflow.observability import logger, metrics, tracer
from leadflow.services.predictive import retrain


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = retrain(wiring.training_deps())
    metrics.add_metric(name="TrainingExamples", unit=MetricUnit.Count, value=run.examples)
    if run.trained:
        logger.info("predictive model published", extra=asdict(run))
    else:
        logger.warning("predictive model not trained", extra=asdict(run))
    return asdict(run)
