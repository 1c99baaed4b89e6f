"""Matching as data: when two lead records count as one person, and which values survive when leads merge."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from leadflow.models.match_model import MatchModel

MergeStrategy = Literal["most_recent", "oldest", "survivor", "most_trusted"]
#: The lead fields whose value a merge chooses by a strategy (custom fields share one strategy).
MERGE_FIELDS = ("first_name", "last_name", "phone", "company", "title", "country", "website", "email")


class MergeRules(BaseModel):
    """Survivorship: when two leads merge, which lead's value each field keeps.

    - `most_recent`: the value of the lead that heard from the person last (`last_submitted_at`);
    - `oldest`: the value of the lead created first;
    - `survivor`: the surviving lead's value;
    - `most_trusted`: the value of the lead that came through the more trusted source, `source_trust` listing form
      ids or utm sources (case ignored), most trusted first; unlisted sources trust least, and equal trust falls
      back to `most_recent`.

    Whatever the strategy, an empty value never replaces a non-empty one, and a verified value (one in the lead's
    `verified_fields`) is never replaced by an unverified one: a person's confirmation outranks any form."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: MergeStrategy = "most_recent"
    fields: dict[str, MergeStrategy] = Field(default_factory=dict)
    custom_fields: MergeStrategy = "most_recent"
    source_trust: list[str] = Field(default_factory=list)

    @field_validator("fields")
    @classmethod
    def _fields_are_known(cls, value: dict[str, MergeStrategy]) -> dict[str, MergeStrategy]:
        for name in value:
            if name not in MERGE_FIELDS:
                known = ", ".join(MERGE_FIELDS)
                raise ValueError(f"unknown field {name!r}; expected one of: {known} (custom fields: 'custom_fields')")
        return value

    @field_validator("source_trust")
    @classmethod
    def _sources_are_distinct(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for source in value:
            key = source.strip().casefold()
            if not key:
                raise ValueError("a source must not be empty")
            if key in seen:
                raise ValueError(f"source {source!r} is listed more than once")
            seen.add(key)
        return value

    @model_validator(mode="after")
    def _trust_order_given_when_used(self) -> Self:
        users = [name for name in (*MERGE_FIELDS, "custom_fields") if self.strategy_for(name) == "most_trusted"]
        if users and not self.source_trust:
            raise ValueError(
                f"strategy 'most_trusted' (used for {', '.join(users)}) needs a non-empty 'source_trust' list: "
                "form ids or utm sources, most trusted first"
            )
        return self

    def strategy_for(self, field: str) -> MergeStrategy:
        """The strategy for a profile field, or for every custom field when `field` is "custom_fields"."""
        if field == "custom_fields":
            return self.custom_fields
        return self.fields.get(field, self.default)

    def trust_rank(self, source: str | None) -> int:
        """0 for the most trusted source; unlisted (or no) source ranks after every listed one."""
        ranks = {entry.strip().casefold(): rank for rank, entry in enumerate(self.source_trust)}
        return ranks.get(source.strip().casefold(), len(ranks)) if source else len(ranks)


class MatchThresholds(BaseModel):
    """When two lead records count as one person, by the match probability of leadflow.domain.matching.compare:
    at `merge` or above they are merged automatically; from `possible` up to `merge` they are linked as a possible
    duplicate for a person to review; below `possible` they are distinct. Requires 0 < possible < merge < 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    merge: float = Field(gt=0, lt=1, description="Automatic merge at or above this probability: keep it high.")
    possible: float = Field(gt=0, lt=1, description="A possible-duplicate link at or above this probability.")

    @model_validator(mode="after")
    def _possible_is_below_merge(self) -> Self:
        if self.possible >= self.merge:
            raise ValueError(f"possible: must be below merge ({self.merge}); got {self.possible}")
        return self


class MatchingRuleSet(BaseModel):
    """The matching configuration: the thresholds of the duplicate decision, and how merged leads' values survive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=0, description="Set by the config store when a rule set is published.")
    thresholds: MatchThresholds
    survivorship: MergeRules = Field(default_factory=MergeRules)
    model: MatchModel | None = Field(
        default=None,
        description="Weights fitted on your own records by `leadflow dedupe --train`; without them, the hand-set ones.",
    )
