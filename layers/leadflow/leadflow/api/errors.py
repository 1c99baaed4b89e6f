"""One error shape for every 4xx: a message, and per field what was wrong, so a form can show it next to the input;
and the OpenAPI description of those answers, so that every route documents each error it can give in that shape."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel

from leadflow.models.answers import ErrorBody

ERRORS: dict[int, str] = {
    400: "The body is not UTF-8 (or not the base64 it is marked as).",
    401: "Missing, malformed or wrong signature, or a timestamp outside five minutes.",
    403: "No valid `x-api-key` header.",
    404: "Nothing has this id.",
    409: "The current state does not allow this.",
    413: "The body is over the size limit.",
    415: "The content type is neither application/json nor application/x-www-form-urlencoded.",
    422: "A parameter or field is missing, unknown or invalid, or the body is not a JSON object: `errors[].field` "
    "names each one.",
    503: "The rule set this needs has not been published yet.",
}
API_KEY: list[dict[str, list[str]]] = [{"apiKey": []}]
"""The OpenAPI security requirement of the routes behind the API key (the `apiKey` scheme of the document)."""
WITH_BODY = (400, 413, 415, 422)
"""What any route with a request body can answer besides its own errors."""


def responses(
    model: type[BaseModel], description: str, *statuses: int, success: int = 200, **descriptions: str
) -> dict[int, OpenAPIResponse]:
    """A route's documented answers: its success (status `success`, a JSON `model`) and each error status in the
    shared error shape, described by ERRORS unless `descriptions` (`e404="No such lead."`) says it better."""
    documented: dict[int, OpenAPIResponse] = {
        success: {"description": description, "content": {"application/json": {"model": model}}}
    }
    for status in sorted({422, *statuses}):
        description = descriptions.get(f"e{status}", ERRORS[status])
        documented[status] = {"description": description, "content": {"application/json": {"model": ErrorBody}}}
    return documented


def error_response(status: int, message: str, errors: list[dict[str, Any]] | None = None) -> Response[str]:
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = errors
    return Response(status_code=status, content_type="application/json", body=json.dumps(body))


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] if len(parts) > 1 else parts
    return ".".join(parts)


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    described = []
    for error in exc.errors():
        field = _field_path(error.get("loc", ()))
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        location = tuple(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            field, message = "body", f"malformed JSON: {error.get('ctx', {}).get('error', message)}"
        elif error.get("type") == "extra_forbidden" and location[:1] == ("body",):
            message = "unknown field; put custom data under `fields`"
        elif error.get("type") == "missing":
            message = "required"
        described.append({"field": field, "message": message, "type": error.get("type")})
    return described


def invalid_request(exc: RequestValidationError) -> Response[str]:
    errors = validation_errors(exc)
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return error_response(422, f"invalid request: {summary}", errors)
