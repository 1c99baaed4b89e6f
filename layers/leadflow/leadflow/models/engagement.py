"""The generic engagement webhook format (`POST /v1/webhooks/{provider}`) and what the endpoint answers.

A body is one event object or `{"events": [...]}` with 1 to 100 of them. Errors name the event by its position and
its `event_id` as well as the field (`events[3] (evt-9).type: ...`), because a sender fixes events, not offsets.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from leadflow.models.email_address import checked_email
from leadflow.models.lead import EngagementType
from leadflow.models.submission import MAX_EMAIL_LENGTH

MAX_EVENTS = 100
ERRORS_NAMED = 5  # an invalid batch's message names this many errors and counts the rest
MAX_PROPERTIES = 50
MAX_PROPERTY_KEY_LENGTH = 64
MAX_PROPERTY_TEXT_LENGTH = 1000
# Every event travels as one EventBridge entry and ends up in the lead's item; 10 entries share one 256 KB PutEvents
# request, so one event's properties stay well below a tenth of that.
MAX_PROPERTIES_BYTES = 4096
MAX_PROPERTY_NUMBER = 1e15  # DynamoDB holds 38 digits; anything bigger is not engagement data but a mistake
MIN_PROPERTY_FRACTION = 1e-15  # likewise below: DynamoDB refuses magnitudes under 1E-130
FUTURE_TOLERANCE = timedelta(minutes=5)  # the sender's clock may run a little ahead of ours
LEAD_ID_PATTERN = r"^lead_[0-9a-z]{26}$"
PROPERTY_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")
EVENT_ID = re.compile(r"^[!-~]+$")

ReceiptStatus = Literal["recorded", "duplicate", "parked", "unknown_lead", "suppressed"]
# The bounds as types, for the JSON schema and the OpenAPI document; `_flat_and_bounded` enforces them first, with
# one message per property, so these never fail on their own.
PropertyName = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_PROPERTY_KEY_LENGTH, pattern=PROPERTY_KEY.pattern)
]
BoundedPropertyValue = (
    Annotated[str, Field(max_length=MAX_PROPERTY_TEXT_LENGTH)]
    | bool
    | Annotated[int, Field(ge=-int(MAX_PROPERTY_NUMBER), le=int(MAX_PROPERTY_NUMBER))]
    | Annotated[float, Field(ge=-MAX_PROPERTY_NUMBER, le=MAX_PROPERTY_NUMBER, allow_inf_nan=False)]
)


class EngagementEventIn(BaseModel):
    """One engagement event: what a known person (by `email` or `lead_id`) did, and when."""

    # The schema says what `_one_person` checks: an event names its person by email or by lead id, not both.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["email"], "not": {"required": ["lead_id"]}},
                {"required": ["lead_id"], "not": {"required": ["email"]}},
            ]
        },
    )

    event_id: Annotated[
        str,
        Field(
            min_length=1,
            max_length=128,
            json_schema_extra={"pattern": EVENT_ID.pattern},  # documented only: `_printable` says it better
            description="The sender's unique id for the event (printable ASCII, no spaces): a repeat is a duplicate.",
        ),
    ]
    type: EngagementType
    email: Annotated[str, Field(max_length=MAX_EMAIL_LENGTH, json_schema_extra={"format": "email"})] | None = Field(
        default=None, description="Whose event it is, by email address; give this or `lead_id`."
    )
    lead_id: Annotated[str, Field(pattern=LEAD_ID_PATTERN)] | None = Field(
        default=None, description="Whose event it is, by leadflow's lead id; give this or `email`."
    )
    occurred_at: AwareDatetime = Field(description="When it happened: ISO 8601 with an offset (`Z` or `+01:00`).")
    properties: Annotated[
        dict[PropertyName, BoundedPropertyValue],
        Field(max_length=MAX_PROPERTIES, json_schema_extra={"additionalProperties": False}),
    ] = Field(
        default_factory=dict,
        description=(
            f"What the event carries (`url`, `campaign`, `asset`, ...): a flat object of at most {MAX_PROPERTIES} "
            f"keys of at most {MAX_PROPERTY_KEY_LENGTH} characters ([A-Za-z0-9_.-]), with string (at most "
            f"{MAX_PROPERTY_TEXT_LENGTH} characters), number or boolean values; at most {MAX_PROPERTIES_BYTES} "
            "bytes as JSON."
        ),
    )

    @field_validator("event_id")
    @classmethod
    def _printable(cls, value: str) -> str:
        # It becomes part of a DynamoDB key and of log lines: no spaces, no control or non-ASCII characters.
        if not EVENT_ID.match(value):
            raise ValueError("must be printable ASCII without spaces, such as evt_01HZX3")
        return value

    @field_validator("email")
    @classmethod
    def _email_is_valid(cls, value: str | None) -> str | None:
        return None if value is None else checked_email(value)

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _iso_text(cls, value: Any) -> Any:
        # pydantic would also take a number as unix time; the format promises ISO 8601, so refuse anything else.
        if not isinstance(value, str):
            raise ValueError("expected an ISO 8601 date and time with an offset, such as 2026-03-02T09:30:00Z")
        return value

    @field_validator("occurred_at")
    @classmethod
    def _not_in_the_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        now = (info.context or {}).get("now")
        if isinstance(now, datetime) and value > now + FUTURE_TOLERANCE:
            minutes = int(FUTURE_TOLERANCE.total_seconds() // 60)
            raise ValueError(f"is more than {minutes} minutes in the future (now is {now.isoformat()})")
        return value

    @field_validator("properties", mode="before")
    @classmethod
    def _flat_and_bounded(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("expected an object of string, number or boolean values")
        if len(value) > MAX_PROPERTIES:
            raise ValueError(f"at most {MAX_PROPERTIES} properties are allowed, got {len(value)}")
        for key, item in value.items():
            _check_property(key, item)
        size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
        if size > MAX_PROPERTIES_BYTES:
            raise ValueError(f"are {size} bytes as JSON; at most {MAX_PROPERTIES_BYTES} allowed")
        return value

    @model_validator(mode="after")
    def _one_person(self) -> EngagementEventIn:
        if (self.email is None) == (self.lead_id is None):
            raise PydanticCustomError("one_person", "give exactly one of `email` or `lead_id`")
        return self


def _check_property(key: Any, item: Any) -> None:
    if not isinstance(key, str) or len(key) > MAX_PROPERTY_KEY_LENGTH or not PROPERTY_KEY.match(key):
        raise ValueError(
            f"property name {str(key)[:80]!r} must be 1-{MAX_PROPERTY_KEY_LENGTH} characters of [A-Za-z0-9_.-]"
        )
    if isinstance(item, str):
        if len(item) > MAX_PROPERTY_TEXT_LENGTH:
            raise ValueError(f"property {key!r} is {len(item)} characters long; at most {MAX_PROPERTY_TEXT_LENGTH}")
    elif isinstance(item, bool):
        pass
    elif isinstance(item, int | float):
        magnitude = abs(item)
        if not math.isfinite(magnitude) or magnitude > MAX_PROPERTY_NUMBER or 0 < magnitude < MIN_PROPERTY_FRACTION:
            raise ValueError(f"property {key!r} must be a number between -1e15 and 1e15, got {item!r}")
    else:
        raise ValueError(f"property {key!r} must be a string, number or boolean, not {type(item).__name__}")


class EngagementBatchIn(BaseModel):
    """Several events in one request, handled in order; nothing of the batch is kept if one of them is invalid."""

    model_config = ConfigDict(extra="forbid")

    events: Annotated[list[EngagementEventIn], Field(min_length=1, max_length=MAX_EVENTS)]


WebhookBody = EngagementEventIn | EngagementBatchIn
"""What the webhook's body may be, for its documentation: the route reads the body raw (it is what is signed) and
validates it with parse_events."""


class EventReceipt(BaseModel):
    """What became of one event: `recorded` for a known lead, `duplicate` if seen before, `parked` until a lead
    with its email arrives, `unknown_lead` if its `lead_id` names no lead, `suppressed` if its email's person was
    erased and has no lead again (nothing is kept in these two cases)."""

    event_id: str
    status: ReceiptStatus
    lead_id: str | None = None


class EngagementAccepted(BaseModel):
    """The 202 answer: how many events the body held, and a receipt for each, in the order sent."""

    received: int
    results: list[EventReceipt]


class EventsInvalid(Exception):
    """The body or some of its events are invalid: `errors` names each event and field. Nothing was stored."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        summary = "; ".join(str(error["message"]) for error in errors[:ERRORS_NAMED])
        more = f" (and {len(errors) - ERRORS_NAMED} more)" if len(errors) > ERRORS_NAMED else ""
        super().__init__(f"invalid events: {summary}{more}")


def _error(
    field: str, message: str, kind: str, *, index: int | None = None, event_id: str | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"field": field, "message": message, "type": kind}
    if index is not None:
        error["index"] = index
    if event_id is not None:
        error["event_id"] = event_id
    return error


def _event_errors(exc: ValidationError, index: int, raw: dict[str, Any], batch: bool) -> list[dict[str, Any]]:
    event_id = raw.get("event_id") if isinstance(raw.get("event_id"), str) else None
    where = f"events[{index}]" if batch else "event"
    label = f"{where} ({str(event_id)[:128]})" if event_id else where
    found = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"])
        kind = error["type"]
        message = "required" if kind == "missing" else str(error["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            message = "unknown field; put custom data under `properties`"
        field = f"{where}.{path}" if batch and path else path or where
        text = f"{label}.{path}: {message}" if path else f"{label}: {message}"
        found.append(_error(field, text, kind, index=index, event_id=event_id))
    return found


def _event_list(document: Any) -> tuple[list[Any], bool]:
    """The raw events of a body and whether it was a batch; EventsInvalid if the envelope itself is wrong."""
    if not isinstance(document, dict):
        raise EventsInvalid([_error("body", 'body: expected an event object or {"events": [...]}', "type_error")])
    if "events" not in document:
        return [document], False
    unknown = sorted(set(document) - {"events"})
    if unknown:
        raise EventsInvalid(
            [_error(name, f"{name}: unknown field beside `events`", "extra_forbidden") for name in unknown]
        )
    events = document["events"]
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS:
        count = f"got {len(events)}" if isinstance(events, list) else f"got {type(events).__name__}"
        raise EventsInvalid(
            [_error("events", f"events: expected a list of 1 to {MAX_EVENTS} events; {count}", "events")]
        )
    return events, True


def parse_events(document: Any, now: datetime) -> list[EngagementEventIn]:
    """Every event of a parsed JSON body, validated at `now`; EventsInvalid naming every bad event and field."""
    raw_events, batch = _event_list(document)
    events: list[EngagementEventIn] = []
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_events):
        if not isinstance(raw, dict):
            field = f"events[{index}]" if batch else "event"
            errors.append(_error(field, f"{field}: expected an object", "type_error", index=index))
            continue
        try:
            events.append(EngagementEventIn.model_validate(raw, context={"now": now}))
        except ValidationError as exc:
            errors.extend(_event_errors(exc, index, raw, batch))
    if errors:
        raise EventsInvalid(errors)
    return events
