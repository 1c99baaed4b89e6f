"""Leads API: reads behind an API key (leads, a lead, a submission) and the public OpenAPI document."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from leadflow.api import all_routers, read_routes
from leadflow.api.resolver import build_resolver, openapi_document, resolve_with_form_bodies
from leadflow.observability import logger, tracer

app = build_resolver(read_routes.router)


@app.get("/v1/openapi.json", include_in_schema=False)
def openapi() -> dict[str, Any]:
    return openapi_document(*all_routers())


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve_with_form_bodies(app, event, context)
