"""The scoring rule set: fit rules (who the lead is), behaviour rules (what it did), the grade and level thresholds
and the predictive model's settings, held as data and validated before any use.

Every error names the rule it is about, because the person fixing a YAML file needs to find the entry."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal, Self, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from leadflow.models.config_entry import NamedEntry, first_repeated
from leadflow.models.lead import EngagementType, Grade, PropertyValue, SizeBand

RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
FORM_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

FieldKind = Literal["text", "number", "flag"]

#: The lead fields a fit rule may test, and what kind of value each holds.
FIT_FIELDS: dict[str, FieldKind] = {
    "title": "text",
    "seniority": "text",
    "department": "text",
    "company": "text",
    "country": "text",
    "phone": "text",
    "email_domain": "text",
    "consent": "flag",
    "firmographics.industry": "text",
    "firmographics.country": "text",
    "firmographics.size_band": "text",
    "firmographics.employees": "number",
    "firmographics.free_mail": "flag",
    "firmographics.known": "flag",
}

CUSTOM_FIELD_PREFIX = "fields."


def field_kind(field: str) -> FieldKind:
    """A fit field's kind; custom form fields (`fields.<name>`) are compared as text."""
    return FIT_FIELDS.get(field, "text")


CONDITIONS = ("equals", "in", "matches", "gte", "lte", "present")
# Bounds on the numbers of a rule set: far beyond any sensible rule, and small enough that scores built from them stay
# exact and storable (DynamoDB keeps 38 digits); a slip of the keyboard (`points: 30000`) is refused by name.
Points = Annotated[int, Field(ge=-1000, le=1000)]
Threshold = Annotated[int, Field(ge=-100_000, le=100_000)]
LevelThreshold = Annotated[float, Field(ge=-100_000, le=100_000, allow_inf_nan=False)]
Quantity = Annotated[int, Field(ge=-(10**15), le=10**15)]
_CONDITIONS_FOR_KIND: dict[FieldKind, tuple[str, ...]] = {
    "text": ("equals", "in", "matches", "present"),
    "number": ("equals", "in", "gte", "lte", "present"),
    "flag": ("equals", "present"),
}
SIZE_BANDS: tuple[str, ...] = get_args(SizeBand)

RuleId = Annotated[str, Field(pattern=RULE_ID_PATTERN)]
Scalar = bool | int | str


class FitRule(NamedEntry):
    """Points for who the lead is: one lead field, exactly one condition on it.

    Text comparisons (`equals`, `in`) ignore case; `matches` is a case-insensitive regular expression searched
    anywhere in the value; a missing value matches only `present: false`."""

    _entry_kind: ClassVar[str] = "fit rule"

    id: RuleId
    description: str = ""
    field: str
    equals: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    matches: str | None = None
    gte: Quantity | None = None
    lte: Quantity | None = None
    present: bool | None = None
    points: Points

    @field_validator("field")
    @classmethod
    def _field_is_known(cls, value: str) -> str:
        if value not in FIT_FIELDS and not (value.startswith(CUSTOM_FIELD_PREFIX) and len(value) > len("fields.")):
            known = ", ".join(FIT_FIELDS)
            raise ValueError(f"unknown field {value!r}; expected one of: {known}, or fields.<name> for a form field")
        return value

    def check(self) -> None:
        given = self.conditions_given()
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(f"needs exactly one condition of {', '.join(CONDITIONS)}; found {found}")
        condition = given[0]
        kind = field_kind(self.field)
        if condition not in _CONDITIONS_FOR_KIND[kind]:
            allowed = ", ".join(_CONDITIONS_FOR_KIND[kind])
            raise ValueError(f"condition {condition!r} does not apply to {kind} field {self.field!r}; use {allowed}")
        operands: list[Scalar] = []
        if self.equals is not None:
            operands = [self.equals]
        elif self.in_ is not None:
            if not self.in_:
                raise ValueError("'in' needs at least one value")
            operands = list(self.in_)
        for operand in operands:
            _check_operand(self.field, kind, operand)
        if self.matches is not None:
            try:
                re.compile(self.matches, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"'matches' is not a valid regular expression ({exc}): {self.matches!r}") from None

    def conditions_given(self) -> list[str]:
        values = {
            "equals": self.equals,
            "in": self.in_,
            "matches": self.matches,
            "gte": self.gte,
            "lte": self.lte,
            "present": self.present,
        }
        return [name for name, value in values.items() if value is not None]

    @property
    def condition(self) -> str:
        return self.conditions_given()[0]


def _check_operand(field: str, kind: FieldKind, operand: Scalar) -> None:
    # bool is a subclass of int, so test it first.
    if kind == "flag" and not isinstance(operand, bool):
        raise ValueError(f"field {field!r} is true or false; got {operand!r}")
    if kind == "number" and (isinstance(operand, bool) or not isinstance(operand, int)):
        raise ValueError(f"field {field!r} is a whole number; got {operand!r}")
    if kind == "text" and not isinstance(operand, str):
        raise ValueError(f"field {field!r} is text; got {operand!r} (quote it in YAML)")
    if field == "firmographics.size_band" and operand not in SIZE_BANDS:
        raise ValueError(f"{operand!r} is not a size band; expected one of: {', '.join(SIZE_BANDS)}")


class BehaviourRule(NamedEntry):
    """Points for what the lead did: `points` per matching event of type `event`, decaying with `half_life_days`.

    An event matches when its type is `event` and, when given, its form is one of `form_ids` (form submissions),
    its `url` property matches the `url_matches` regular expression (page visits, downloads, clicks), and each
    `properties` entry equals the event's property (text compared ignoring case). `max_points` caps the rule's
    total (in absolute value) at any time; `once` counts only the first matching event. Without a half-life the
    points never decay (an unsubscribe should keep counting)."""

    _entry_kind: ClassVar[str] = "behaviour rule"

    id: RuleId
    description: str = ""
    event: EngagementType
    form_ids: list[str] | None = None
    url_matches: str | None = None
    properties: dict[str, PropertyValue] = Field(default_factory=dict)
    points: Points
    max_points: Annotated[int, Field(le=100_000)] | None = None
    once: bool = False
    half_life_days: float | None = Field(default=None, allow_inf_nan=False, le=36500)

    def check(self) -> None:
        if self.form_ids is not None:
            if self.event != "form_submitted":
                raise ValueError(f"'form_ids' applies to event 'form_submitted' only, not {self.event!r}")
            if not self.form_ids:
                raise ValueError("'form_ids' needs at least one form id (or leave it out to match every form)")
            for form_id in self.form_ids:
                if not FORM_ID_PATTERN.match(form_id):
                    raise ValueError(f"form id {form_id!r} must match {FORM_ID_PATTERN.pattern}")
        if self.url_matches is not None:
            try:
                re.compile(self.url_matches, re.IGNORECASE)
            except re.error as exc:
                message = f"'url_matches' is not a valid regular expression ({exc}): {self.url_matches!r}"
                raise ValueError(message) from None
        if self.max_points is not None and self.max_points < 0:
            cap = self.max_points
            raise ValueError(f"'max_points' caps the size of the rule's total and must be 0 or more; got {cap}")
        if self.half_life_days is not None and self.half_life_days <= 0:
            raise ValueError(
                f"'half_life_days' must be more than 0 (leave it out for no decay); got {self.half_life_days}"
            )


LEVELS: tuple[int, ...] = (1, 2, 3, 4)
_CELL_PATTERN = re.compile(r"^[ABCD][1-4]$")


class GradeThresholds(BaseModel):
    """Fit score -> grade: A at `A` or more, else B at `B` or more, else C at `C` or more, else D."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    A: Threshold
    B: Threshold
    C: Threshold

    @model_validator(mode="after")
    def _strictly_decreasing(self) -> Self:
        if not self.A > self.B > self.C:
            raise ValueError(f"grade thresholds overlap: need A > B > C; got A {self.A}, B {self.B}, C {self.C}")
        return self

    def grade(self, fit: float) -> Grade:
        return "A" if fit >= self.A else "B" if fit >= self.B else "C" if fit >= self.C else "D"


class LevelThresholds(BaseModel):
    """Engagement score -> level: 1 at `1` or more, else 2 at `2` or more, else 3 at `3` or more, else 4."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    one: LevelThreshold = Field(alias="1")
    two: LevelThreshold = Field(alias="2")
    three: LevelThreshold = Field(alias="3")

    @model_validator(mode="before")
    @classmethod
    def _keys_as_text(cls, data: Any) -> Any:
        # YAML reads `1: 70` with an integer key; JSON has only text keys. Accept both.
        return {str(key): value for key, value in data.items()} if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _strictly_decreasing(self) -> Self:
        if not self.one > self.two > self.three:
            got = f"1: {self.one}, 2: {self.two}, 3: {self.three}"
            raise ValueError(f"engagement level thresholds overlap: need 1 > 2 > 3; got {got}")
        return self

    def level(self, engagement: float) -> int:
        return 1 if engagement >= self.one else 2 if engagement >= self.two else 3 if engagement >= self.three else 4


class PredictiveSettings(BaseModel):
    """How the learned model takes part: it is used only once trained on `min_outcomes` closed outcomes; a lead whose
    conversion probability reaches `mql_probability` (when set) qualifies even outside the MQL cells."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_outcomes: int = Field(default=200, ge=1)
    min_per_class: int = Field(default=20, ge=1)
    mql_probability: float | None = Field(default=None, gt=0, lt=1)


class ScoringRuleSet(BaseModel):
    """The scoring configuration: fit and behaviour rules, the grade matrix, and which cells are MQLs.

    Fit -> grade A-D, engagement -> level 1-4; a lead is an MQL when its cell (`B2`) is in `mql_cells`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=0, description="Set by the config store when a rule set is published.")
    grades: GradeThresholds
    engagement_levels: LevelThresholds
    mql_cells: Annotated[list[str], Field(min_length=1)]
    fit_rules: list[FitRule] = Field(default_factory=list)
    behaviour_rules: list[BehaviourRule] = Field(default_factory=list)
    predictive: PredictiveSettings = Field(default_factory=PredictiveSettings)

    @field_validator("mql_cells")
    @classmethod
    def _cells_are_known(cls, value: list[str]) -> list[str]:
        for cell in value:
            if not _CELL_PATTERN.match(cell):
                raise ValueError(f"{cell!r} is not a cell of the grade matrix; cells are A1 .. D4")
        return value

    @model_validator(mode="after")
    def _rule_ids_are_unique(self) -> Self:
        rule_ids = [*(rule.id for rule in self.fit_rules), *(rule.id for rule in self.behaviour_rules)]
        if (rule_id := first_repeated(rule_ids)) is not None:
            raise ValueError(f"rule id {rule_id!r} is used by more than one rule; rule ids must be unique")
        return self
