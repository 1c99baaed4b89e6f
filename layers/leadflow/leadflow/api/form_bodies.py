"""Request bodies as browsers and form tools send them, normalised to the JSON the API validates.

Website forms post `application/x-www-form-urlencoded`; API Gateway hands the body over unparsed, sometimes base64.
This runs before the resolver so that both encodings meet one validation path and one OpenAPI schema. It also
refuses, with a 4xx naming the place, what no model should have to meet: a body that is not a JSON object, nesting
deeper than any request needs, and numbers no store can hold (NaN, 1e400, 10**100, 1e-131).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any
from urllib.parse import parse_qsl

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_TRUE = {"on", "true", "1", "yes", "y"}
_FALSE = {"off", "false", "0", "no", "n"}
# The deepest request (a routing rule's condition inside a rule inside a rule set) nests about six levels.
MAX_DEPTH = 16
# What DynamoDB can store: 38 significant digits, magnitudes from 1E-130 to below 1E+126. The models bound their
# numbers more tightly; this catches any number a model takes without a bound (a rule set's free-form parts).
MAX_DIGITS = 38
MAX_MAGNITUDE = 1e125
MIN_MAGNITUDE = 1e-130


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
    elif text.strip():
        check_document(text)
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    headers["content-type"] = JSON
    return {**event, "body": text, "isBase64Encoded": False, "headers": headers}


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def check_document(text: str) -> None:
    """BodyRejected (422) unless `text` is a JSON object within MAX_DEPTH levels whose numbers can be stored."""
    try:
        document = json.loads(text, parse_constant=_not_a_number)
    except RecursionError as exc:
        raise BodyRejected(422, f"body: nested deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:  # JSONDecodeError, and integers over Python's 4,300 digits
        raise BodyRejected(422, f"body: malformed JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise BodyRejected(422, f"body: expected a JSON object, got {_json_type(document)}")
    _check_values(document, "", 1)


def _json_type(value: Any) -> str:
    return "an array" if isinstance(value, list) else "a string" if isinstance(value, str) else "a scalar"


def _check_values(value: Any, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise BodyRejected(422, f"{path or 'body'}: nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_values(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, f"{path}[{index}]", depth + 1)
    elif isinstance(value, int | float) and not isinstance(value, bool) and not _storable(value):
        shown = f"a {len(str(abs(value)))}-digit integer" if isinstance(value, int) else repr(value)
        raise BodyRejected(
            422,
            f"{path or 'body'}: {shown} is not a number that can be stored (at most {MAX_DIGITS} digits, "
            f"magnitude from {MIN_MAGNITUDE:g} to {MAX_MAGNITUDE:g})",
        )


def _storable(number: int | float) -> bool:
    if isinstance(number, int):
        return len(str(abs(number)).rstrip("0")) <= MAX_DIGITS and abs(number) <= MAX_MAGNITUDE
    return math.isfinite(number) and (number == 0 or MIN_MAGNITUDE <= abs(number) <= MAX_MAGNITUDE)
