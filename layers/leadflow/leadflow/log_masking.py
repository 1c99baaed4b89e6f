"""No personal data in logs: every log line is masked before it is written, whatever code wrote it.

Values under the keys that hold a person's email, phone or name are replaced whole, wherever they sit in a
structured log line; email addresses and phone numbers are replaced in any other text too (messages, exception
messages and tracebacks), and so are the input values pydantic quotes in its validation errors. A name in free text
cannot be recognised, so code never puts one in a message or an exception: it logs ids.

Powertools' data masking utility does the first part for one document with JSONPath field lists, but it needs
jsonpath-ng and finds no address inside free text; a formatter over every line does both, with the standard library.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

MASK = "*****"
MIN_PHONE_DIGITS = 7  # a local number without its area code
MAX_PHONE_DIGITS = 15  # E.164's longest
PERSONAL_KEYS = frozenset(
    {
        "email",
        "emails",
        "email_canonical",
        "first_name",
        "last_name",
        "name",
        "full_name",
        "display_name",
        "phone",
        "phones",
        "rep_email",
        "rep_name",
    }
)
# Keys Powertools itself writes on every line: never personal, and their values (timestamps, ARNs) look numeric.
_OWN_KEYS = frozenset(
    {"level", "location", "timestamp", "service", "cold_start", "function_arn", "function_request_id", "xray_trace_id"}
)
EMAIL = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")
# An international number (+ and digits with separators), or digit groups split by separators, e.g. (415) 555-0142.
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d[\d\s().\-/]{5,}\d|\(?\d{2,5}\)?[\s.\-/]\d{2,5}[\s.\-/]\d{2,6}(?:[\s.\-/]\d{1,6})*)(?![\w])"
)
_DATE = re.compile(r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})")
# pydantic's validation errors quote what was sent: `input_value='Zelda', input_type=str`.
PYDANTIC_INPUT = re.compile(r"input_value=.*?(?=, input_type=)", re.DOTALL)
# A personal key and its quoted value inside text: a JSON document, a dict or model repr, DynamoDB's wire format
# (`"first_name": {"S": "Zelda"}`), as a library logging a request body writes them.
_KEYS = "|".join(sorted(PERSONAL_KEYS, key=len, reverse=True))
KEYED_VALUE = re.compile(
    rf"""(?P<key>(?<![\w])\\?["']?(?:{_KEYS})\\?["']?\s*[:=]\s*(?:\{{\s*\\?["'][A-Z]{{1,2}}\\?["']\s*:\s*)?)"""
    r"""(?P<quote>\\?["'])(?:(?!(?P=quote)).)*(?P=quote)""",
    re.IGNORECASE,
)


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS or _DATE.match(
        text
    ):  # a date, a version or a short number is not a phone
        return text
    return MASK


def mask_text(text: str) -> str:
    text = PYDANTIC_INPUT.sub(f"input_value={MASK}", text)
    text = KEYED_VALUE.sub(lambda m: f"{m.group('key')}{m.group('quote')}{MASK}{m.group('quote')}", text)
    text = EMAIL.sub(MASK, text)
    return PHONE.sub(_phone, text)


def mask(value: Any) -> Any:
    """The value with every personal key's value and every address or number in its text masked."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: MASK if str(k).lower() in PERSONAL_KEYS and v else mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [mask(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    # Anything else (an exception, a model, a datetime) would be written as str(value): mask that text.
    return mask_text(str(value))


class MaskingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON log line, masked: every extra, appended key, message and exception of the line."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        masked = {k: v if k in _OWN_KEYS else mask(v) for k, v in log.items()}
        return super().serialize(masked)


class MaskingFilter(logging.Filter):
    """For plain logging handlers (the Lambda runtime's own, the local runtime's console): masks the rendered message
    and the exception text of a record before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: leave the record to logging's own error report
            return True
        record.msg, record.args = mask_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


def mask_handlers(target: logging.Logger | None = None) -> None:
    """Mask what the handlers of `target` (the root logger by default) write: in Lambda the runtime's handler, which
    every library logger (botocore, urllib3) reaches."""
    for handler in (target or logging.getLogger()).handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())


__all__ = ["MASK", "MaskingFilter", "MaskingFormatter", "mask", "mask_handlers", "mask_text"]
