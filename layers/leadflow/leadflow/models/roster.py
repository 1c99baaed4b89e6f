"""The rep roster as data: the reps leads can be given to, in routing order, and the teams they form; and what
routing rules name that a roster lacks. Every error names the rep or team it is about."""

from __future__ import annotations

from typing import Annotated, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from leadflow.models.config_entry import NamedEntry, first_repeated
from leadflow.models.routing import EntryId, OutOfOffice, RoutingRuleSet, Team
from leadflow.models.working_hours import WorkingHours


class Rep(NamedEntry):
    """A sales rep who can be given leads."""

    _entry_kind: ClassVar[str] = "rep"
    _id_key: ClassVar[str] = "rep_id"

    rep_id: EntryId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: str
    active: bool = True
    slack_webhook_url: str | None = None
    max_open: int | None = Field(default=None, ge=1, description="Open leads the rep may hold; null: no limit.")
    max_new_per_day: int | None = Field(default=None, ge=1, description="New leads per local day; null: no limit.")
    working_hours: WorkingHours | None = Field(default=None, description="null: any time (a soft preference).")
    out_of_office: list[OutOfOffice] = Field(default_factory=list)

    @field_validator("email")
    @classmethod
    def _email_is_valid(cls, value: str) -> str:
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValueError(f"not a valid email address: {exc}") from None
        return value

    @field_validator("slack_webhook_url")
    @classmethod
    def _webhook_is_https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be an https:// URL")
        return value


class RepRoster(BaseModel):
    """The reps leads are routed to, in routing order, and the teams (routing pools with a manager) they form."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=0, description="Set by the config store when a roster is published.")
    reps: Annotated[list[Rep], Field(min_length=1)]
    teams: list[Team] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rep_ids_are_unique(self) -> Self:
        if (rep_id := first_repeated(rep.rep_id for rep in self.reps)) is not None:
            raise ValueError(f"rep id {rep_id!r} appears more than once; rep ids must be unique")
        return self

    @model_validator(mode="after")
    def _teams_name_known_reps(self) -> Self:
        rep_ids = {rep.rep_id for rep in self.reps}
        team_ids: set[str] = set()
        for team in self.teams:
            if team.id in team_ids:
                raise ValueError(f"team id {team.id!r} appears more than once; team ids must be unique")
            team_ids.add(team.id)
            unknown = [rep_id for rep_id in [*team.rep_ids, team.manager or ""] if rep_id and rep_id not in rep_ids]
            if unknown:
                raise ValueError(f"team {team.id!r}: unknown rep {unknown[0]!r}")
        return self

    def find(self, rep_id: str) -> Rep | None:
        return next((rep for rep in self.reps if rep.rep_id == rep_id), None)

    def team(self, team_id: str) -> Team | None:
        return next((team for team in self.teams if team.id == team_id), None)

    def teams_of(self, rep_id: str) -> list[Team]:
        return [team for team in self.teams if rep_id in team.rep_ids]

    def manager_of(self, rep_id: str) -> Rep | None:
        """The manager an escalation about `rep_id`'s lead goes to: the manager of the first team (in roster order)
        that has the rep as a member and a manager other than the rep; None when there is none."""
        for team in self.teams_of(rep_id):
            if team.manager and team.manager != rep_id:
                return self.find(team.manager)
        return None


def reference_problems(routing: RoutingRuleSet, roster: RepRoster) -> list[str]:
    """What the routing rules name that the roster lacks: unknown reps and teams, each problem naming its rule.

    The rule set alone cannot know who exists, so the config API checks this when either document is published."""
    problems: list[str] = []
    rep_ids = {rep.rep_id for rep in roster.reps}
    team_ids = {team.id for team in roster.teams}
    for rule in routing.rules:
        target = rule.assign
        named = [target.rep] if target.rep else [member.rep for member in target.pool or []]
        problems += [f"routing rule {rule.id!r}: unknown rep {rep_id!r}" for rep_id in named if rep_id not in rep_ids]
        if target.team and target.team not in team_ids:
            known = ", ".join(sorted(team_ids)) or "none"
            problems.append(f"routing rule {rule.id!r}: unknown team {target.team!r} (teams: {known})")
    return problems
