"""A Fellegi-Sunter match model fitted on a user's own records (`leadflow dedupe --train`), published as part of the
`matching` rule set. Without one, leadflow.domain.matching weighs evidence with its hand-set weights.

For each field and agreement level the model keeps m (how often the level is seen between two records of one
person) and u (how often between two records picked at random); the level's weight in bits is log2(m / u). The
prior is the log2 odds that two random records are one person. Term frequencies adjust an exact agreement on a name
company or postcode by how common the value is: two Smiths agreeing say less than two Zanzottos."""

from __future__ import annotations

import math
from typing import Annotated, Final, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Every field the matcher compares and the agreement levels it can find (leadflow.domain.match_fields, plus the
#: re-readings of leadflow.domain.matching). `missing` is not listed: a missing value weighs nothing.
MATCH_LEVELS: Final[dict[str, tuple[str, ...]]] = {
    "email": (
        "exact",
        "exact_shared_mailbox",
        "same_handle",
        "same_name_handle",
        "similar",
        "different_same_domain",
        "team_mailbox",
        "different",
    ),
    "phone": ("exact_mobile", "exact", "exact_fixed", "shared_line", "similar", "different"),
    "first_name": ("exact", "nickname", "similar", "initial", "one_edit", "different"),
    "last_name": ("exact", "similar", "partial", "one_edit", "different"),
    "company": ("exact", "similar", "same_domain", "name_matches_domain", "different"),
    "location": ("same_postcode", "same_city", "different_country", "different"),
    "title": ("exact", "similar", "different"),
}

#: The agreement levels adjusted by the frequency of the value agreed on, by field: a name, a company or a postcode
#: shared by many says less than a rare one.
TERM_FREQUENCY_LEVELS: Final = {
    "first_name": "exact",
    "last_name": "exact",
    "company": "exact",
    "location": "same_postcode",
}
TERM_FREQUENCY_FIELDS: Final = tuple(TERM_FREQUENCY_LEVELS)
MAX_TERM_VALUES: Final = 500  # the commonest values kept per field; rarer ones count as rare as the last kept
MAX_WEIGHT_BITS: Final = 40.0


class LevelEstimate(BaseModel):
    """m and u of one agreement level, each in (0, 1]."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    m: float = Field(gt=0, le=1)
    u: float = Field(gt=0, le=1)

    @property
    def bits(self) -> float:
        return max(-MAX_WEIGHT_BITS, min(MAX_WEIGHT_BITS, math.log2(self.m / self.u)))


class TermFrequencies(BaseModel):
    """How common the commonest values of one field are, as shares of the records that have the field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: dict[str, Annotated[float, Field(gt=0, le=1)]] = Field(default_factory=dict, max_length=MAX_TERM_VALUES)
    floor: float = Field(gt=0, le=1, description="The share taken for a value not in `values`.")
    exact_u: float = Field(gt=0, le=1, description="u of an agreement, over all values: the sum of squared shares.")


class MatchModelStats(BaseModel):
    """What the model was fitted on, for the people who publish it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    records: int = Field(ge=0)
    candidate_pairs: int = Field(ge=0)
    random_pairs: int = Field(ge=0)
    iterations: int = Field(ge=0)
    converged: bool
    expected_duplicates: float = Field(ge=0, description="Pairs of one person among the candidates, by the model.")


class MatchModel(BaseModel):
    """The fitted weights: m and u per field and level, the prior, and the term frequencies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prior_bits: float = Field(ge=-MAX_WEIGHT_BITS, le=MAX_WEIGHT_BITS)
    merge_threshold: float = Field(
        default=0.99,
        gt=0,
        lt=1,
        description="Automatic merge at or above this probability, in place of thresholds.merge. A fitted model "
        "multiplies the odds of fields it takes as independent, so its probabilities are sharper than the hand-set "
        "weights' and it merges from a higher one (tests/bench/dedupe_quality measures both).",
    )
    levels: dict[str, dict[str, LevelEstimate]]
    term_frequencies: dict[str, TermFrequencies] = Field(default_factory=dict)
    stats: MatchModelStats | None = None

    @model_validator(mode="after")
    def _known_fields_and_levels(self) -> Self:
        for field, levels in self.levels.items():
            known = MATCH_LEVELS.get(field)
            if known is None:
                raise ValueError(f"levels.{field}: not a compared field (one of {', '.join(MATCH_LEVELS)})")
            for level in levels:
                if level not in known:
                    raise ValueError(f"levels.{field}.{level}: not a level of {field} (one of {', '.join(known)})")
        for field in self.term_frequencies:
            if field not in TERM_FREQUENCY_FIELDS:
                raise ValueError(f"term_frequencies.{field}: only {', '.join(TERM_FREQUENCY_FIELDS)} are adjusted")
        return self

    def weight(self, field: str, level: str) -> float | None:
        """The level's weight in bits, or None when the model has no estimate for it."""
        estimate = self.levels.get(field, {}).get(level)
        return estimate.bits if estimate is not None else None
