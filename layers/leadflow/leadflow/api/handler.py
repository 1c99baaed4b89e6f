"""The Lambda handler of an API function: Powertools context (logger, tracer and, where the routes count things,
metrics) around the function's resolver, with the deps of each use case its routes serve handed in (leadflow.api.deps),
so that a function's app.py only names its routers and their use cases' wiring."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from leadflow.api.deps import Provided, providing
from leadflow.api.resolver import resolve_with_form_bodies
from leadflow.observability import log_metrics, logger, tracer

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def api_handler(
    app: APIGatewayRestResolver, deps: Sequence[Provided], *, counted: bool = False, raw_bodies: bool = False
) -> Handler:
    """The handler answering API Gateway's proxy events with `app`, its routes handed `deps` (one
    `provide(use case, wiring)` per use case they serve). `counted`: its routes add metrics, flushed after
    each request. `raw_bodies`: the body reaches the routes as sent (a signed webhook's signature covers the bytes),
    with no form normalisation, CORS preflight or size check in front."""

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        with providing(deps):
            if raw_bodies:
                return app.resolve(event, context)
            return resolve_with_form_bodies(app, event, context)

    traced: Handler = tracer.capture_lambda_handler(log_metrics(handler) if counted else handler)
    wrapped: Handler = logger.inject_lambda_context(traced, clear_state=True)
    return wrapped
