"""What a website form or integration submits, and the durable record intake keeps of it."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_FIELD_KEY_LENGTH = 64
MAX_CUSTOM_FIELD_VALUE_LENGTH = 1000
CUSTOM_FIELD_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")

ShortText = Annotated[str, Field(max_length=200)]
UrlText = Annotated[str, Field(max_length=2048)]
CustomValue = str | int | float | bool | None


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

    email: Annotated[str, Field(max_length=320, description="The prospect's email address.")]
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
    utm_source: ShortText | None = None
    utm_medium: ShortText | None = None
    utm_campaign: ShortText | None = None
    utm_term: ShortText | None = None
    utm_content: ShortText | None = None
    referrer: UrlText | None = None
    page_url: UrlText | None = None
    fields: dict[str, CustomValue] = Field(
        default_factory=dict,
        description=(
            f"Custom form fields: at most {MAX_CUSTOM_FIELDS} keys of at most {MAX_CUSTOM_FIELD_KEY_LENGTH} "
            f"characters ([A-Za-z0-9_.-]), string values of at most {MAX_CUSTOM_FIELD_VALUE_LENGTH} characters."
        ),
    )
    hp: Annotated[str, Field(max_length=1000)] | None = Field(
        default=None, description="Honeypot: the form hides this field, so only bots fill it in."
    )

    @field_validator("email")
    @classmethod
    def _email_is_valid(cls, value: str) -> str:
        try:
            # Syntax only: a DNS lookup on the request path would make intake slow and flaky.
            validate_email(_strip_display_name(value), check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValueError(f"not a valid email address: {exc}") from exc
        return value

    @field_validator("fields")
    @classmethod
    def _custom_fields_within_limits(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_CUSTOM_FIELDS:
            raise ValueError(f"at most {MAX_CUSTOM_FIELDS} custom fields are allowed, got {len(value)}")
        for key, item in value.items():
            if len(key) > MAX_CUSTOM_FIELD_KEY_LENGTH or not CUSTOM_FIELD_KEY.match(key):
                raise ValueError(
                    f"custom field name {key[:80]!r} must be 1-{MAX_CUSTOM_FIELD_KEY_LENGTH} characters "
                    "of [A-Za-z0-9_.-]"
                )
            if isinstance(item, str) and len(item) > MAX_CUSTOM_FIELD_VALUE_LENGTH:
                raise ValueError(
                    f"custom field {key!r} is {len(item)} characters long; "
                    f"at most {MAX_CUSTOM_FIELD_VALUE_LENGTH} allowed"
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


def _strip_display_name(value: str) -> str:
    """`Ada Lovelace <ada@example.com>` is how mail clients paste addresses; validate the address inside."""
    match = re.fullmatch(r"\s*[^<>]*<\s*([^<>]+?)\s*>\s*", value)
    return match.group(1) if match else value


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
