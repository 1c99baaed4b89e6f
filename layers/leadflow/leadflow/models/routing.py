"""Routing as data: when reps cannot take leads (out of office; their working hours are
leadflow.models.working_hours), the teams they form, and the ordered routing rules that decide which rep, team pool
or queue a qualified lead goes to.

Imports no other rule set: the rep roster (leadflow.models.roster) builds on these models, and checks the routing
rules' references against itself. Every error names the
rule or team it is about, because the person fixing a YAML file needs to find the entry."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from leadflow.models.config_entry import NamedEntry, first_repeated
from leadflow.models.owners import QUEUE_PATTERN

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MAX_WEIGHT = 1000
EntryId = Annotated[str, Field(pattern=ID_PATTERN)]

Strategy = Literal["round_robin", "weighted", "least_loaded"]

FieldKind = Literal["text", "number"]
#: The lead facts a routing condition may test. `state` and `postcode` come from the form's custom fields
#: (`fields.state` or `fields.region`, `fields.postcode` or `fields.zip`); any `fields.<name>` may be tested too.
ROUTING_FIELDS: dict[str, FieldKind] = {
    "country": "text",
    "state": "text",
    "postcode": "text",
    "industry": "text",
    "size_band": "text",
    "employees": "number",
    "title": "text",
    "email_domain": "text",
    "grade": "text",
    "level": "number",
    "cell": "text",
    "fit": "number",
    "engagement": "number",
    "total": "number",
}
CUSTOM_FIELD_PREFIX = "fields."


class OutOfOffice(BaseModel):
    """An absence: from `from` up to (not including) `until`. A time without a zone is read as UTC."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: datetime = Field(alias="from")
    until: datetime
    note: str | None = None

    @field_validator("from_", "until")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Self:
        if self.until <= self.from_:
            raise ValueError(f"until ({self.until.isoformat()}) must be after from ({self.from_.isoformat()})")
        return self

    def covers(self, at: datetime) -> bool:
        return self.from_ <= at < self.until


class TeamMember(BaseModel):
    """A rep in a team or pool; `weight` is their share under the weighted strategy (3 gets three times 1's leads)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rep: EntryId
    weight: int = 1

    @field_validator("weight")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(f"weight must be more than 0 (leave the rep out to give them nothing); got {value}")
        if value > MAX_WEIGHT:
            raise ValueError(f"weight must be at most {MAX_WEIGHT}; got {value}")
        return value


def _members_are_distinct(members: list[TeamMember]) -> list[TeamMember]:
    if not members:
        raise ValueError("has no members: a pool needs at least one rep")
    if (rep := first_repeated(member.rep for member in members)) is not None:
        raise ValueError(f"rep {rep!r} is listed more than once")
    return members


class Team(NamedEntry):
    """A team of reps: a routing pool, and the manager SLA escalations go to."""

    _entry_kind: ClassVar[str] = "team"

    id: EntryId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    manager: EntryId | None = Field(default=None, description="The rep id of the team's manager.")
    members: list[TeamMember]

    _distinct = field_validator("members")(_members_are_distinct)

    @property
    def rep_ids(self) -> list[str]:
        return [member.rep for member in self.members]


class Condition(BaseModel):
    """One test on a lead fact. Shorthands: a scalar means `equals`, a list means `in`. Text compares ignore case;
    `from`/`to` is an inclusive range (numeric when both ends and the value are digits, e.g. postcodes)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    equals: bool | int | float | str | None = None
    in_: list[bool | int | float | str] | None = Field(default=None, alias="in")
    from_: str | int | float | None = Field(default=None, alias="from")
    to: str | int | float | None = None
    gte: float | None = None
    lte: float | None = None
    matches: str | None = None
    present: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"in": data}
        if isinstance(data, bool | int | float | str):
            return {"equals": data}
        return data

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        tests = [
            name
            for name, given in (
                ("equals", self.equals is not None),
                ("in", self.in_ is not None),
                ("from/to", self.from_ is not None or self.to is not None),
                ("gte/lte", self.gte is not None or self.lte is not None),
                ("matches", self.matches is not None),
                ("present", self.present is not None),
            )
            if given
        ]
        if len(tests) != 1:
            raise ValueError(f"needs exactly one test of equals, in, from/to, gte/lte, matches, present; got {tests}")
        if self.in_ is not None and not self.in_:
            raise ValueError("'in' needs at least one value")
        if self.matches is not None:
            try:
                re.compile(self.matches, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"'matches' is not a valid regular expression ({exc})") from None
        return self


class RoutingTarget(BaseModel):
    """Where a matching lead goes: its account's owner, a named rep, a team's pool, or an inline pool."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account_owner: bool = False
    rep: EntryId | None = None
    team: EntryId | None = None
    pool: list[TeamMember] | None = None
    strategy: Strategy = "round_robin"

    @field_validator("pool")
    @classmethod
    def _pool_members(cls, value: list[TeamMember] | None) -> list[TeamMember] | None:
        return None if value is None else _members_are_distinct(value)

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        given = [name for name in ("rep", "team", "pool") if getattr(self, name) is not None]
        if self.account_owner:
            given.insert(0, "account_owner")
        if len(given) != 1:
            raise ValueError(f"needs exactly one target of account_owner, rep, team, pool; got {given or 'none'}")
        return self


class RoutingRule(NamedEntry):
    """If the lead matches every condition in `when` (none: every lead), it goes to `assign`. An `account_owner`
    target passes the lead on to the next matching rule when the account has no available owner."""

    _entry_kind: ClassVar[str] = "routing rule"

    id: EntryId
    description: str = ""
    when: dict[str, Condition] = Field(default_factory=dict)
    assign: RoutingTarget

    @field_validator("when")
    @classmethod
    def _fields_are_known(cls, value: dict[str, Condition]) -> dict[str, Condition]:
        for name in value:
            custom = name.startswith(CUSTOM_FIELD_PREFIX) and len(name) > len(CUSTOM_FIELD_PREFIX)
            if name not in ROUTING_FIELDS and not custom:
                known = ", ".join(ROUTING_FIELDS)
                raise ValueError(f"unknown field {name!r}; expected one of: {known}, or fields.<name>")
        return value


class RoutingRuleSet(BaseModel):
    """The routing configuration: rules tried in order (the first match decides), the account-owner preference,
    and the queue a lead goes to when no rule matches or nobody in the chosen pool can take it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=0, description="Set by the config store when a rule set is published.")
    account_owner_first: bool = Field(
        default=True, description="Give a lead to the owner of its account's earlier leads before any rule."
    )
    fallback_queue: Annotated[str, Field(pattern=QUEUE_PATTERN)] | None = Field(
        default="queue:unassigned",
        description="The owner id (`queue:<name>`) of leads nobody can take; null only to make routing fail instead.",
    )
    rules: list[RoutingRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rule_ids_are_unique(self) -> Self:
        if (rule_id := first_repeated(rule.id for rule in self.rules)) is not None:
            raise ValueError(f"rule id {rule_id!r} is used by more than one rule; rule ids must be unique")
        return self
