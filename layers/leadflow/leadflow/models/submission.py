"""What a website form or integration submits, and the durable record intake keeps of it."""

from __future__ import annotations

import math
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from leadflow.models.email_address import checked_email

MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_FIELD_KEY_LENGTH = 64
MAX_CUSTOM_FIELD_VALUE_LENGTH = 1000
# As for webhook properties: a form field holds a count or an amount, never a physical constant. The bounds keep
# every value storable (DynamoDB: 38 digits, magnitudes 1E-130 to 1E+125) and comparable by the scoring rules.
MAX_CUSTOM_NUMBER = 10**15
MIN_CUSTOM_FRACTION = 1e-15
CUSTOM_FIELD_KEY_PATTERN = r"^[A-Za-z0-9_.-]+$"
CUSTOM_FIELD_KEY = re.compile(CUSTOM_FIELD_KEY_PATTERN)
MAX_EMAIL_LENGTH = 254  # RFC 5321: a forward path holds at most 256 octets, two of them the angle brackets

ShortText = Annotated[str, Field(max_length=200)]
UrlText = Annotated[str, Field(max_length=2048)]
CustomValue = str | int | float | bool | None
"""A custom field's value as stored; what a request may send is `CustomFieldValue`."""


def _flat_custom_value(value: Any) -> Any:
    """One clear error per bad value, named `fields.<name>` by its position, before the union below would list
    one failure per member type."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if len(value) > MAX_CUSTOM_FIELD_VALUE_LENGTH:
            raise ValueError(f"is {len(value)} characters long; at most {MAX_CUSTOM_FIELD_VALUE_LENGTH} allowed")
        return value
    if isinstance(value, int | float):
        magnitude = abs(value)
        if not math.isfinite(magnitude) or magnitude > MAX_CUSTOM_NUMBER or 0 < magnitude < MIN_CUSTOM_FRACTION:
            raise ValueError(
                f"must be a number between -1e15 and 1e15 (and 0 or at least 1e-15 from it), got {value!r}"
            )
        return value
    raise ValueError(f"must be a string, number, boolean or null, not {type(value).__name__}: fields are flat")


# The member types carry the bounds into the JSON schema (and so the OpenAPI document); the validator in front
# enforces them with one message per field.
CustomFieldValue = Annotated[
    Annotated[str, Field(max_length=MAX_CUSTOM_FIELD_VALUE_LENGTH)]
    | bool
    | Annotated[int, Field(ge=-MAX_CUSTOM_NUMBER, le=MAX_CUSTOM_NUMBER)]
    | Annotated[float, Field(ge=-MAX_CUSTOM_NUMBER, le=MAX_CUSTOM_NUMBER, allow_inf_nan=False)]
    | None,
    BeforeValidator(_flat_custom_value),
]
CustomFieldName = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_CUSTOM_FIELD_KEY_LENGTH, pattern=CUSTOM_FIELD_KEY_PATTERN)
]


class Source(BaseModel):
    """Where a submission came from: marketing attribution as the form reported it."""

    model_config = ConfigDict(frozen=True)

    form_id: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    referrer: str | None = None
    page_url: str | None = None


class SubmissionIn(BaseModel):
    """The body of `POST /v1/leads`.

    Unknown top-level fields are refused so that typos surface; a form's own data goes in `fields`.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Annotated[
        str,
        Field(
            max_length=MAX_EMAIL_LENGTH,
            json_schema_extra={"format": "email"},
            description="The prospect's email address (`Name <address>` is read as the address).",
        ),
    ]
    first_name: ShortText | None = None
    last_name: ShortText | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    company: ShortText | None = None
    title: ShortText | None = None
    country: Annotated[str, Field(max_length=100)] | None = None
    website: UrlText | None = None
    message: Annotated[str, Field(max_length=5000)] | None = None
    form_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")] | None = Field(
        default=None, description="Which form was submitted: demo-request, contact-sales, newsletter, ..."
    )
    consent: bool = Field(default=False, description="Marketing opt-in given on the form.")
    consent_text_version: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")] | None = Field(
        default=None,
        description="Which wording of the consent box the person saw (kept on the lead's consent ledger).",
    )
    utm_source: ShortText | None = None
    utm_medium: ShortText | None = None
    utm_campaign: ShortText | None = None
    utm_term: ShortText | None = None
    utm_content: ShortText | None = None
    referrer: UrlText | None = None
    page_url: UrlText | None = None
    fields: Annotated[
        dict[CustomFieldName, CustomFieldValue],
        # Names outside the pattern are refused too: patternProperties alone would let any other name through.
        Field(max_length=MAX_CUSTOM_FIELDS, json_schema_extra={"additionalProperties": False}),
    ] = Field(
        default_factory=dict,
        description=(
            f"Custom form fields: at most {MAX_CUSTOM_FIELDS} keys of at most {MAX_CUSTOM_FIELD_KEY_LENGTH} "
            f"characters ([A-Za-z0-9_.-]); flat values: strings of at most {MAX_CUSTOM_FIELD_VALUE_LENGTH} "
            "characters, numbers between -1e15 and 1e15, booleans or null."
        ),
    )
    hp: Annotated[str, Field(max_length=1000)] | None = Field(
        default=None, description="Honeypot: the form hides this field, so only bots fill it in."
    )

    @field_validator("email")
    @classmethod
    def _email_is_valid(cls, value: str) -> str:
        return checked_email(value)

    @field_validator("fields", mode="before")
    @classmethod
    def _custom_fields_within_limits(cls, value: Any) -> Any:
        # Count and names first, with messages a form builder understands; each value is checked on its own
        # (CustomFieldValue), so that its error names `fields.<name>`.
        if not isinstance(value, dict):
            return value
        if len(value) > MAX_CUSTOM_FIELDS:
            raise ValueError(f"at most {MAX_CUSTOM_FIELDS} custom fields are allowed, got {len(value)}")
        for key in value:
            if not isinstance(key, str) or len(key) > MAX_CUSTOM_FIELD_KEY_LENGTH or not CUSTOM_FIELD_KEY.match(key):
                raise ValueError(
                    f"custom field name {str(key)[:80]!r} must be 1-{MAX_CUSTOM_FIELD_KEY_LENGTH} characters "
                    "of [A-Za-z0-9_.-]"
                )
        return value

    @property
    def is_spam(self) -> bool:
        return bool(self.hp)

    def source(self) -> Source:
        return Source(
            form_id=self.form_id,
            utm_source=self.utm_source,
            utm_medium=self.utm_medium,
            utm_campaign=self.utm_campaign,
            utm_term=self.utm_term,
            utm_content=self.utm_content,
            referrer=self.referrer,
            page_url=self.page_url,
        )


class SubmissionStatus(StrEnum):
    RECEIVED = "received"
    SPAM = "spam"
    PROCESSED = "processed"
    FAILED = "failed"


class StoredSubmission(BaseModel):
    """A submission as intake stored it, before the pipeline has seen it. Never deleted by the pipeline."""

    submission_id: str
    received_at: datetime
    status: SubmissionStatus = SubmissionStatus.RECEIVED
    data: SubmissionIn
    lead_id: str | None = None
    error: str | None = None
    idempotency_key: str | None = None
    due_at: datetime | None = Field(
        default=None,
        description=(
            "When the sweeper republishes the submission if it is still `received` (its run was lost in a crash); "
            "cleared once it is processed, failed or spam."
        ),
    )
    sweeps: int = Field(default=0, description="How many times the sweeper republished it.")
