"""Intake API: `POST /v1/leads` from website forms — validate, store durably, answer 202, publish `lead.submitted`."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from leadflow.api.intake_routes import router
from leadflow.api.resolver import build_resolver, resolve_with_form_bodies
from leadflow.observability import logger, metrics, tracer

app = build_resolver(router)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve_with_form_bodies(app, event, context)
