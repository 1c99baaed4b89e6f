"""Loads the sample events in events/, so tests and `sam local invoke` share one copy of each; a test overrides only
what it is about."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[1] / "events"


def load_event(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return document


def api_request(
    name: str,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: str | None = None,
    base64_encoded: bool = False,
) -> dict[str, Any]:
    """The sample API Gateway proxy event `name` as another request: the method, path, headers, query and body a test
    is about, with what API Gateway derives from them (the multi-value forms, the request context) kept in step.
    `headers` replaces the sample's headers when given; the path doubles as the resource (no path parameters)."""
    event = load_event(name)
    if headers is not None:
        event["headers"] = headers
        event["multiValueHeaders"] = {key: [value] for key, value in headers.items()}
    event.update(
        {
            "httpMethod": method,
            "path": path,
            "resource": path,
            "pathParameters": None,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {key: [value] for key, value in query.items()} if query else None,
            "body": body,
            "isBase64Encoded": base64_encoded,
        }
    )
    context = event["requestContext"]
    event["requestContext"] = {
        **context,
        "httpMethod": method,
        "resourcePath": path,
        "path": f"/{context['stage']}{path}",
    }
    return event
