"""One error shape for every 4xx: a message, and per field what was wrong, so a form can show it next to the input."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError


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
        message = str(error.get("msg", "invalid"))
        if error.get("type") == "json_invalid":
            field, message = "body", f"malformed JSON: {error.get('ctx', {}).get('error', message)}"
        elif error.get("type") == "extra_forbidden":
            message = "unknown field; put custom data under `fields`"
        elif error.get("type") == "missing":
            message = "required"
        described.append({"field": field, "message": message, "type": error.get("type")})
    return described


def invalid_request(exc: RequestValidationError) -> Response[str]:
    errors = validation_errors(exc)
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return error_response(422, f"invalid request: {summary}", errors)
