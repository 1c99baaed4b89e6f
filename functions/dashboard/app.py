"""The product dashboard (`GET /dashboard`, `GET /dashboard/{asset}`): a page and its scripts, served from the files
beside this module. Public, because the page holds no data: it asks for the API key once, keeps it in the browser's
session storage and reads everything from the API with it.

Every answer carries a strict Content-Security-Policy (scripts and styles from this origin only, nothing inline, no
framing), so lead data that reached the page as text can never run as code there."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from leadflow.observability import logger

STATIC = Path(__file__).parent / "static"
PAGE = "index.html"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
}

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

# A file whose name carries its version (the vendored chart library) never changes under that name; the page and
# the dashboard's own scripts change with each deploy, so a browser revalidates them (cheaply, by ETag).
VERSIONED = re.compile(r"-\d+\.\d+\.\d+\.")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300"
PAGE_CACHE = "no-cache"

# A name of one of the files below: letters, digits, dots, dashes, underscores, and no leading dot. API Gateway hands
# the path parameter decoded, so `..`, `%2e%2e` and `a/b` arrive as such and are refused before any file is touched.
ASSET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@cache
def assets() -> dict[str, tuple[str, bytes, str]]:
    """name -> (content type, body, ETag) of every file served, read once per cold start. Only these names are
    answered: the request never becomes a path."""
    found: dict[str, tuple[str, bytes, str]] = {}
    for path in sorted(STATIC.iterdir()):
        content_type = CONTENT_TYPES.get(path.suffix)
        if path.is_file() and content_type is not None:
            body = path.read_bytes()
            found[path.name] = (content_type, body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
    return found


def _header(event: dict[str, Any], name: str) -> str | None:
    return next((v for k, v in (event.get("headers") or {}).items() if k.lower() == name), None)


def _answer(status: int, content_type: str, body: str | bytes, extra: dict[str, str] | None = None) -> dict[str, Any]:
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    headers = {"Content-Type": content_type, **SECURITY_HEADERS, **(extra or {})}
    return {"statusCode": status, "headers": headers, "body": text, "isBase64Encoded": False}


def _not_found(message: str) -> dict[str, Any]:
    return _answer(404, "application/json", json.dumps({"message": message}), {"Cache-Control": "no-store"})


def serve(event: dict[str, Any]) -> dict[str, Any]:
    """The answer to one request for the page (no `asset` path parameter) or one of its files."""
    asset = (event.get("pathParameters") or {}).get("asset")
    name = PAGE if asset is None else asset
    if not ASSET_NAME.match(name):
        return _not_found("asset: not a file of the dashboard")
    found = assets().get(name)
    if found is None:
        return _not_found("asset: no such file")
    content_type, body, etag = found
    cache_control = PAGE_CACHE if name == PAGE else IMMUTABLE if VERSIONED.search(name) else REVALIDATE
    headers = {"Cache-Control": cache_control, "ETag": etag}
    if _header(event, "if-none-match") == etag:
        return _answer(304, content_type, "", headers)
    return _answer(200, content_type, body, headers)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(event)
