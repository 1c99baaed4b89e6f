"""The steps a nurture track is made of (email, wait, branch, set_field, notify_owner, enrol, end) and the engagement
tests a branch takes. Each step checks itself; the checks across steps (targets, loops) are the track's, in
leadflow.models.nurture, which re-exports everything here.

Every error names the step, because the person fixing a YAML file needs to find the entry."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Discriminator, Field, field_validator, model_validator

from leadflow.models.config_entry import NamedEntry, first_repeated
from leadflow.models.mail_template import TemplateId
from leadflow.models.submission import MAX_CUSTOM_FIELD_VALUE_LENGTH, MAX_CUSTOM_NUMBER

STEP_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
StepId = Annotated[str, Field(pattern=STEP_ID_PATTERN)]
TrackId = Annotated[str, Field(pattern=STEP_ID_PATTERN)]
MAX_VARIANT_WEIGHT = 1000
MAX_WAIT = timedelta(days=365)
SINCE_ENROLMENT = "enrolment"
STEP_TYPES = ("email", "wait", "branch", "set_field", "notify_owner", "enrol", "end")


class _Step(NamedEntry):
    _entry_kind: ClassVar[str] = "step"

    id: StepId


class _FlowingStep(_Step):
    """A step that carries on to `next`, or to the step listed after it when `next` is left out."""

    next: StepId | None = Field(default=None, description="The step after this one; default: the one listed next.")


class Variant(BaseModel):
    """One arm of an A/B split: `weight` is its share (2 gets twice 1's leads); a lead always gets the same arm."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=STEP_ID_PATTERN)]
    template: TemplateId
    weight: int = 1

    @field_validator("weight")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(f"weight must be more than 0 (leave the variant out to send it to nobody); got {value}")
        if value > MAX_VARIANT_WEIGHT:
            raise ValueError(f"weight must be at most {MAX_VARIANT_WEIGHT}; got {value}")
        return value


class EmailStep(_FlowingStep):
    """Send a marketing email: one `template`, or `variants` to split leads between templates."""

    type: Literal["email"] = "email"
    template: TemplateId | None = None
    variants: list[Variant] = Field(default_factory=list, max_length=10)

    def check(self) -> None:
        if (self.template is None) == (not self.variants):
            raise ValueError("needs exactly one of template and variants")
        if (variant := first_repeated(variant.id for variant in self.variants)) is not None:
            raise ValueError(f"variant {variant!r} is listed more than once")

    @property
    def templates(self) -> list[str]:
        """Every template the step may send."""
        return [self.template] if self.template is not None else [variant.template for variant in self.variants]


class WaitStep(_FlowingStep):
    """Wait a duration (`days`, `hours`, `minutes`, added up), or `until: send_window`: until the lead's next allowed
    send moment (no wait when it is one already)."""

    type: Literal["wait"] = "wait"
    days: Annotated[int, Field(ge=0, le=365)] | None = None
    hours: Annotated[int, Field(ge=0, le=365 * 24)] | None = None
    minutes: Annotated[int, Field(ge=0, le=365 * 24 * 60)] | None = None
    until: Literal["send_window"] | None = None

    def check(self) -> None:
        given = [part for part in (self.days, self.hours, self.minutes) if part is not None]
        if self.until is not None and given:
            raise ValueError("needs either a duration (days, hours, minutes) or until, not both")
        if self.until is None and self.duration <= timedelta(0):
            raise ValueError("needs a duration of more than 0 (days, hours, minutes) or until: send_window")
        if self.duration > MAX_WAIT:
            raise ValueError(f"waits at most 365 days; got {self.duration.days} days")

    @property
    def duration(self) -> timedelta:
        """How long the step waits; zero for a wait until the send window."""
        return timedelta(days=self.days or 0, hours=self.hours or 0, minutes=self.minutes or 0)

    @property
    def delays(self) -> bool:
        """Whether the step always lets time pass: a wait until the send window may not wait at all."""
        return self.until is None


class BranchTest(BaseModel):
    """What a branch arm asks of the lead: exactly one of `opened`, `clicked` (a track email), `visited` (a page
    whose URL matches the regular expression), `score_gte` (total score), `level_gte` (engagement level 1-4, 1 the
    most engaged: level 2 or better), counted since `since`: `enrolment` or the id of a step (since it completed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    opened: Literal[True] | None = None
    clicked: Literal[True] | None = None
    visited: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    score_gte: Annotated[float, Field(ge=-100_000, le=100_000, allow_inf_nan=False)] | None = None
    level_gte: Annotated[int, Field(ge=1, le=4)] | None = None
    since: Annotated[str, Field(pattern=STEP_ID_PATTERN)] = SINCE_ENROLMENT

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        tests = ("opened", "clicked", "visited", "score_gte", "level_gte")
        given = [name for name in tests if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"needs exactly one test of {', '.join(tests)}; got {given or 'none'}")
        if self.visited is not None:
            try:
                re.compile(self.visited, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"'visited' is not a valid regular expression ({exc})") from None
        return self


class BranchArm(BaseModel):
    """When the lead passes `when`, the track goes on at `next`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: BranchTest
    next: StepId


class BranchStep(_Step):
    """The first arm whose test holds decides the next step; none holds: `otherwise`."""

    type: Literal["branch"] = "branch"
    arms: Annotated[list[BranchArm], Field(min_length=1, max_length=20)]
    otherwise: StepId


FieldValue = (
    bool
    | Annotated[int, Field(ge=-MAX_CUSTOM_NUMBER, le=MAX_CUSTOM_NUMBER)]
    | Annotated[float, Field(ge=-MAX_CUSTOM_NUMBER, le=MAX_CUSTOM_NUMBER, allow_inf_nan=False)]
    | Annotated[str, Field(max_length=MAX_CUSTOM_FIELD_VALUE_LENGTH)]
)


class SetFieldStep(_FlowingStep):
    """Set one of the lead's custom fields (`fields.<name>`), e.g. to mark it for routing or a later track."""

    type: Literal["set_field"] = "set_field"
    field: Annotated[str, Field(pattern=r"^fields\.[A-Za-z0-9_.-]{1,64}$")]
    value: FieldValue

    @field_validator("field", mode="before")
    @classmethod
    def _custom_field(cls, value: object) -> object:
        if isinstance(value, str) and not value.startswith("fields."):
            raise ValueError(f"unknown field {value!r}: a track sets custom fields only, as fields.<name>")
        return value


class NotifyOwnerStep(_FlowingStep):
    """Tell the lead's owner (their rep) `message`, e.g. that the lead engaged."""

    type: Literal["notify_owner"] = "notify_owner"
    message: Annotated[str, Field(min_length=1, max_length=1000)]


class EnrolStep(_Step):
    """Hand the lead over to another track: this enrolment ends and one in `track` begins."""

    type: Literal["enrol"] = "enrol"
    track: TrackId


class EndStep(_Step):
    """The enrolment ends (completed)."""

    type: Literal["end"] = "end"


Step = Annotated[
    EmailStep | WaitStep | BranchStep | SetFieldStep | NotifyOwnerStep | EnrolStep | EndStep,
    Discriminator("type"),
]
FlowingStep = EmailStep | WaitStep | SetFieldStep | NotifyOwnerStep


def successors(step: Step, following: str | None) -> list[str]:
    """The steps a step may go on to; `following` is the step listed after it (None after the last)."""
    if isinstance(step, BranchStep):
        return [*(arm.next for arm in step.arms), step.otherwise]
    if isinstance(step, EnrolStep | EndStep):
        return []
    target = step.next or following
    return [target] if target is not None else []
