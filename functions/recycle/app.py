"""Daily: re-open the disqualified leads whose reason's recycle delay has passed, as `recycled` with the
re-engagement flag, reading only the due index."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from leadflow import wiring
from leadflow.observability import logger, metrics, tracer
from leadflow.services.lifecycle import recycle_due_leads


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    recycled = recycle_due_leads(wiring.recycle_deps())
    metrics.add_metric(name="LeadsRecycled", unit=MetricUnit.Count, value=recycled)
    logger.info("recycled due leads", extra={"recycled": recycled})
    return {"recycled": recycled}
