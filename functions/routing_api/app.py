"""Reps and teams (`GET /v1/reps`, `GET /v1/teams`) and managers' reassignments (`POST /v1/leads/{id}/reassign`),
behind the API key."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from leadflow.api.resolver import build_resolver, resolve_with_form_bodies
from leadflow.api.routing_routes import router
from leadflow.observability import logger, tracer

app = build_resolver(router)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve_with_form_bodies(app, event, context)
