"""Request bodies as browsers and form tools send them, normalised to the JSON the API validates.

Website forms post `application/x-www-form-urlencoded`; API Gateway hands the body over unparsed, sometimes base64.
This runs before the resolver so that both encodings meet one validation path and one OpenAPI schema.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_TRUE = {"on", "true", "1", "yes", "y"}
_FALSE = {"off", "false", "0", "no", "n"}


class BodyRejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _header(headers: dict[str, str] | None, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return ""


def _form_to_document(body: str) -> dict[str, Any]:
    """`fields[plan]=pro` becomes {"fields": {"plan": "pro"}}; a ticked `consent` checkbox becomes true."""
    document: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=False, strict_parsing=False):
        if key.startswith("fields[") and key.endswith("]"):
            custom[key[len("fields[") : -1]] = value
        elif key == "consent":
            lowered = value.strip().lower()
            document[key] = True if lowered in _TRUE else False if lowered in _FALSE else value
        else:
            document[key] = value
    if custom:
        document["fields"] = custom
    return document


def normalise_body(event: dict[str, Any], max_body_bytes: int) -> dict[str, Any]:
    """The event with a plain JSON body, or BodyRejected: 413 too large, 415 wrong type, 400 bad encoding."""
    raw = event.get("body") or ""
    if event.get("isBase64Encoded") and raw:
        try:
            decoded = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BodyRejected(400, "body: isBase64Encoded is set but the body is not valid base64") from exc
    else:
        decoded = raw.encode("utf-8")
    if len(decoded) > max_body_bytes:
        raise BodyRejected(413, f"body: {len(decoded)} bytes is over the limit of {max_body_bytes} bytes")
    media_type = _header(event.get("headers"), "content-type").split(";")[0].strip().lower()
    if media_type not in (JSON, FORM):
        shown = media_type or "none"
        raise BodyRejected(415, f"content-type: {shown} is not accepted; send {JSON} or {FORM}")
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyRejected(400, f"body: not valid UTF-8 (byte {exc.start})") from exc
    if media_type == FORM:
        text = json.dumps(_form_to_document(text))
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    headers["content-type"] = JSON
    return {**event, "body": text, "isBase64Encoded": False, "headers": headers}
