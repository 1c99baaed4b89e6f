"""Builds the REST resolver every HTTP function uses: validation on, one error shape, OpenAPI from the routers."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import TypeAdapter

from leadflow import __version__
from leadflow.api.errors import error_response, invalid_request
from leadflow.api.form_bodies import FORM, JSON, BodyRejected, normalise_body
from leadflow.ports import ConcurrentUpdate
from leadflow.services.lead_updates import LeadNotFound
from leadflow.services.pipeline_deps import MissingConfig
from leadflow.settings import settings

API_TITLE = "leadflow"
RAW_BODIES: dict[tuple[str, str], Any] = {}
"""(method, OpenAPI path) -> the type of the body a route reads raw rather than through Powertools, for the document."""


def document_raw_body(method: str, path: str, body_type: Any) -> None:
    """A route that reads its body raw (a webhook checks a signature over the exact bytes before parsing them) has
    no Body() parameter for Powertools to document; this puts its shape in the OpenAPI document all the same."""
    RAW_BODIES[(method.lower(), path)] = body_type


FORM_BODIES: dict[tuple[str, str], tuple[str, ...]] = {}
"""(method, OpenAPI path) -> the object fields posted as `name[key]=value`, for routes that take form posts."""


def document_form_body(method: str, path: str, *object_fields: str) -> None:
    """A route whose body may also be a form post (form_bodies turns it into the JSON the route validates) says so in
    the document: the same schema under application/x-www-form-urlencoded, `object_fields` as `name[key]=value`."""
    FORM_BODIES[(method.lower(), path)] = object_fields


METHODS_WITH_BODY = ("POST", "PUT", "PATCH")


def refuse_unknown_query_parameters(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """A query parameter the route does not declare is refused (422 naming it) rather than ignored: a filter the
    API silently dropped (`?utm_source=google`) would answer with everything, which looks like a match."""
    route = app.context.get("_route")
    declared = {field.alias for field in route.dependant.query_params} if route is not None else set()
    sent = app.current_event.multi_value_query_string_parameters or app.current_event.query_string_parameters or {}
    unknown = sorted(name for name in sent if name not in declared)
    if unknown:
        accepted = ", ".join(sorted(declared)) or "none"
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name[:64]),
                    "msg": f"unknown query parameter; accepted: {accepted}",
                    "type": "extra_forbidden",
                }
                for name in unknown
            ]
        )
    return next_middleware(app)


def build_resolver(*routers: APIGatewayRouter) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)
    app.use(middlewares=[refuse_unknown_query_parameters])

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[str]:
        return invalid_request(exc)

    @app.exception_handler(NotFoundError)
    def _not_found(exc: NotFoundError) -> Response[str]:
        return error_response(404, str(exc.msg))

    @app.exception_handler(LeadNotFound)
    def _no_lead(exc: LeadNotFound) -> Response[str]:
        return error_response(404, f"lead_id: no lead {exc.lead_id}")

    @app.exception_handler(ConcurrentUpdate)
    def _changed_meanwhile(exc: ConcurrentUpdate) -> Response[str]:
        # Other writers of the lead (the pipeline, nurture, another request) won every retry: nothing was changed by
        # this request, and sending it again is safe.
        return error_response(409, f"the lead changed while this request was applied; send it again ({exc})")

    @app.exception_handler(MissingConfig)
    def _no_config(exc: MissingConfig) -> Response[str]:
        return error_response(503, str(exc))

    return app


def openapi_document(*routers: APIGatewayRouter) -> dict[str, Any]:
    # Powertools' OpenAPI models (~100 pydantic models) are built only by the function that serves the document.
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

    app = build_resolver(*routers)
    schema = app.get_openapi_json_schema(
        title=API_TITLE,
        version=__version__,
        security_schemes={"apiKey": APIKey(name="x-api-key", in_=APIKeyIn.header)},
    )
    document: dict[str, Any] = json.loads(schema)
    for (method, path), body_type in RAW_BODIES.items():
        operation = document.get("paths", {}).get(path, {}).get(method)
        if operation is not None:
            body_schema = TypeAdapter(body_type).json_schema(ref_template="#/components/schemas/{model}")
            document["components"].setdefault("schemas", {}).update(body_schema.pop("$defs", {}))
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body_schema}}}
    for (method, path), object_fields in FORM_BODIES.items():
        operation = document.get("paths", {}).get(path, {}).get(method)
        content = operation.get("requestBody", {}).get("content", {}) if operation is not None else {}
        if JSON in content:
            encoding = {name: {"style": "deepObject", "explode": True} for name in object_fields}
            content[FORM] = {"schema": content[JSON]["schema"], "encoding": encoding}
    return document


def _origin(event: dict[str, Any]) -> str | None:
    return next((v for k, v in (event.get("headers") or {}).items() if k.lower() == "origin"), None)


def _origin_allowed(origin: str | None) -> bool:
    allowed = settings().allowed_origins
    return bool(origin) and (origin in allowed or "*" in allowed)


def preflight(event: dict[str, Any]) -> dict[str, Any]:
    """The browser asks before posting JSON cross-origin; only the configured origins get a yes."""
    origin = _origin(event)
    if not _origin_allowed(origin):
        return {"statusCode": 403, "headers": {"Vary": "Origin"}, "body": "", "isBase64Encoded": False}
    headers = {
        "Access-Control-Allow-Origin": str(origin),
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }
    return {"statusCode": 204, "headers": headers, "body": "", "isBase64Encoded": False}


def with_cors(event: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """Allow the configured origins only: a form on another site must not be able to post leads from a browser."""
    origin = _origin(event)
    if _origin_allowed(origin):
        headers = dict(response.get("headers") or {})
        headers["Access-Control-Allow-Origin"] = str(origin)
        headers["Vary"] = "Origin"
        response = {**response, "headers": headers}
    return response


def resolve_with_form_bodies(app: APIGatewayRestResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer CORS preflight, normalise form bodies, then resolve; size and content type are refused before parsing."""
    method = (event.get("httpMethod") or "").upper()
    if method == "OPTIONS":
        return preflight(event)
    if method in METHODS_WITH_BODY:
        try:
            event = normalise_body(event, settings().max_body_bytes)
        except BodyRejected as exc:
            field = exc.message.split(":", 1)[0]
            rejected = error_response(exc.status, exc.message, [{"field": field, "message": exc.message}])
            return with_cors(event, _as_proxy_response(rejected))
    return with_cors(event, app.resolve(event, context))


def _as_proxy_response(response: Response[str]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": "application/json"},
        "body": response.body,
        "isBase64Encoded": False,
    }
