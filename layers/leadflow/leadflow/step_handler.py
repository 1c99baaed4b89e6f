"""The Lambda handler shape every LeadPipeline step shares: Powertools context, parse the state, one service call
with the deps its function's wiring builds (each step names the role ports it touches).

Errors are not caught here: Step Functions sees them by type and its Retry/Catch in the ASL decide what follows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from leadflow.models.events import PipelineState
from leadflow.observability import logger, metrics, tracer

DepsT = TypeVar("DepsT")
Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def pipeline_step_handler(step: Callable[[PipelineState, DepsT], PipelineState], deps: Callable[[], DepsT]) -> Handler:
    """The handler of `step`, handed `deps()` (the function's wiring: adapters built once per cold start)."""
    metric_prefix = "".join(part.title() for part in step.__name__.split("_"))  # enrich_lead -> EnrichLead

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    @event_parser(model=PipelineState)
    def handler(state: PipelineState, context: LambdaContext) -> dict[str, Any]:
        if state.lead is not None:
            logger.append_keys(lead_id=state.lead.lead_id)
        logger.append_keys(submission_id=state.submission_id)
        result = step(state, deps()).model_dump(mode="json")
        # One count per step and outcome lets a dashboard show the pipeline's flow; failures are the state machine's.
        metrics.add_metric(name=f"{metric_prefix}Succeeded", unit=MetricUnit.Count, value=1)
        return result

    return handler
