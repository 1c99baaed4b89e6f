"""The lifecycle rule set (disqualification reason codes and their recycle delays, the answers qualification needs)
and the sales actions people take on a lead: a stage change or a closed-loop outcome.

Errors in the rule set name the reason code they are about, because the person fixing the YAML needs the entry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from leadflow.models.config_entry import NamedEntry, first_repeated

CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
Code = Annotated[str, Field(pattern=CODE_PATTERN)]
DEFAULT_QUALIFICATION_FIELDS = ("budget", "authority", "need", "timeline")
MAX_DEAL_AMOUNT = 1e12  # larger than any deal; keeps amounts storable and sums of them exact enough for reports


class ReasonCode(NamedEntry):
    """Why a lead was disqualified, and after how many days it comes back for re-engagement (null: never)."""

    _entry_kind: ClassVar[str] = "reason code"
    _id_key: ClassVar[str] = "code"

    code: Code
    label: Annotated[str, Field(min_length=1, max_length=200)]
    recycle_after_days: int | None = Field(
        default=None, ge=1, description="Days after the disqualification that the lead is recycled; null: never."
    )


class LifecycleRules(BaseModel):
    """The lifecycle configuration: the reason codes a disqualification (or a lost deal) must give, each with its
    recycle delay, and the qualification answers (BANT by default) a lead needs before it becomes an SQL."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=0, description="Set by the config store when a rule set is published.")
    reason_codes: Annotated[list[ReasonCode], Field(min_length=1)]
    qualification_fields: list[Code] = Field(default_factory=lambda: list(DEFAULT_QUALIFICATION_FIELDS))

    @field_validator("qualification_fields")
    @classmethod
    def _fields_are_distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            repeated = sorted({field for field in value if value.count(field) > 1})
            raise ValueError(f"qualification field {', '.join(map(repr, repeated))} is listed more than once")
        return value

    @model_validator(mode="after")
    def _codes_are_unique(self) -> Self:
        if (code := first_repeated(self.codes)) is not None:
            raise ValueError(f"reason code {code!r} is listed more than once; codes must be unique")
        return self

    def reason(self, code: str) -> ReasonCode | None:
        return next((reason for reason in self.reason_codes if reason.code == code), None)

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reason_codes]


StageAction = Literal["accept", "qualify", "open_opportunity", "win", "disqualify"]
Actor = Annotated[
    str, Field(min_length=1, max_length=128, description="Who acted (`rep:dana-whitfield`), for the lead's history.")
]
Note = Annotated[str | None, Field(max_length=2000, description="Free text kept with the change.")]


class StageRequest(BaseModel):
    """A sales action on a lead. `accept` (MQL or recycled → SAL), `qualify` (SAL → SQL, with every configured
    `qualification` answer), `open_opportunity` (SQL → opportunity), `win` (opportunity → customer) and
    `disqualify` (any open stage → disqualified, with a configured `reason_code`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: StageAction
    actor: Actor
    reason_code: str | None = Field(
        default=None, max_length=64, description="Required for `disqualify`: a configured reason code."
    )
    note: Note = None
    qualification: Annotated[dict[str, Annotated[str, Field(max_length=1000)]], Field(max_length=20)] = Field(
        default_factory=dict,
        description="For `qualify`: the answers to the configured qualification fields (budget, authority, need, "
        "timeline by default), each non-empty.",
    )


class OutcomeRequest(BaseModel):
    """How a deal ended. `won` makes the lead a customer; `lost` disqualifies it with `reason_code`, so that the
    reason's recycle delay applies. The latest outcome recorded for a lead replaces any earlier one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    result: Literal["won", "lost"]
    amount: float | None = Field(
        default=None,
        ge=0,
        le=MAX_DEAL_AMOUNT,
        allow_inf_nan=False,
        description="The deal's value, in `currency`: from 0 to a trillion.",
    )
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="ISO 4217 code (`EUR`); required with `amount`."
    )
    closed_at: datetime | None = Field(default=None, description="When the deal closed; default: now.")
    reason_code: str | None = Field(
        default=None, max_length=64, description="Required for `lost`: a configured reason code."
    )
    note: Note = None
    actor: Actor

    @field_validator("closed_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        # A time without an offset is taken as UTC, as everywhere else in leadflow.
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
