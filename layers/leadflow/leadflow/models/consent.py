"""A request to give or withdraw a person's marketing consent (`POST /v1/leads/{id}/consent`): an unsubscribe link
in an email, a preference centre, the CRM, a rep told on the phone."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_.:-]{0,63}$"


class ConsentRequest(BaseModel):
    """`consent: false` withdraws marketing consent, `true` records a fresh opt-in; `source` says through what."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    consent: bool = Field(description="false: the person unsubscribed; true: the person opted in again.")
    source: Annotated[
        str,
        Field(
            pattern=SOURCE_PATTERN,
            description="Where the decision was made: `email-link`, `preference-center`, `crm`, `phone`, ...",
        ),
    ]
    actor: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="Who recorded it (`rep:dana-whitfield`, `system:esp`), for the lead's history.",
    )
