"""Sales actions on a lead: stage changes (`POST /v1/leads/{id}/stage`: accept, qualify, open_opportunity, win,
disqualify), closed-loop outcomes (`POST /v1/leads/{id}/outcome`) and rep touches (`POST /v1/leads/{id}/touch`),
behind the API key."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from leadflow.api import sla_routes
from leadflow.api.lifecycle_routes import router
from leadflow.api.resolver import build_resolver, resolve_with_form_bodies
from leadflow.observability import logger, tracer

app = build_resolver(router, sla_routes.router)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve_with_form_bodies(app, event, context)
