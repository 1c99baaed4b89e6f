"""Webhooks API: `POST /v1/webhooks/{provider}` — verify the signature, record each engagement event once, publish
`engagement.recorded` for known leads and park the rest until their lead arrives."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from leadflow.api.resolver import build_resolver
from leadflow.api.webhook_routes import router
from leadflow.observability import logger, metrics, tracer

app = build_resolver(router)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
