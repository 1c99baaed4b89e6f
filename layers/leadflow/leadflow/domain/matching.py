"""Whether two lead records are one person, and why: for the pipeline's duplicate check and the batch `dedupe`.

A record is prepared once (canonical email, E.164 phone, company, names and their codes), found as a candidate
through a few selective blocking keys, and compared field by field. Each field's agreement level carries a
Fellegi-Sunter weight, log2(m/u): how much likelier that level is between two records of one person (m) than
between two different people found by the same keys (u). The weights add up to a log-odds score, so the evidence
list *is* the explanation of the probability: probability = 1 / (1 + 2 ** -(PRIOR_BITS + sum of weights)).

Fellegi-Sunter takes fields as independent; three corrections cover where they are not. Contact details two
different names share say "same household, office or team", not "same person" (a landline, a team mailbox). The
same name at a different company under a different email, nothing else agreeing, counts against the pair: a name is
what namesakes share (NAMESAKE_BITS). The same name at the same company under two different work addresses is
never merged automatically, only linked for review: colleagues can share a name and a switchboard.

The weights were set from these reasons and checked against the labelled benchmark tests/bench/dedupe_quality.py,
which reports what they reach."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from leadflow.domain.match_fields import (
    DISAGREE,
    MISSING,
    FieldLevel,
    compare_company,
    compare_email,
    compare_location,
    compare_names,
    compare_phone,
    compare_title,
)
from leadflow.domain.match_record import MatchRecord, PreparedRecord, blocking_keys, prepare
from leadflow.models.match_model import TERM_FREQUENCY_LEVELS, MatchModel
from leadflow.models.rules import MatchThresholds

__all__ = [
    "PRIOR_BITS",
    "WEIGHTS",
    "Decision",
    "Evidence",
    "MatchModel",
    "MatchOutcome",
    "MatchRecord",
    "MatchResult",
    "MatchThresholds",
    "PreparedRecord",
    "Rule",
    "blocking_keys",
    "compare",
    "decide",
    "field_levels",
    "fitted_levels",
    "level_weight",
    "match",
    "prepare",
    "same_identity",
    "thresholds_for",
]

Decision = Literal["merge", "possible", "distinct"]
Rule = Literal["same email", "probability"]

#: log2 odds that two records sharing a blocking key are one person, before any field is compared.
PRIOR_BITS: Final = -6.0

#: Weight in bits (log2 m/u) of each field's agreement level. A missing value on either side weighs 0.
WEIGHTS: Final[dict[str, dict[str, float]]] = {
    # Canonical address equal; a team mailbox (info@) is shared, so it says little. A local part equal across
    # domains is a handle the person reuses, unless it is just their name (john.smith), which namesakes share.
    "email": {
        "exact": 13.0,
        "exact_shared_mailbox": 1.0,
        "same_handle": 7.0,
        "same_name_handle": 1.0,
        "similar": 5.0,
        "different_same_domain": -3.0,
        "team_mailbox": 0.0,
        "different": -1.5,
    },
    # A mobile is one person's; a fixed line is an office's or a household's; North American numbers do not tell.
    "phone": {
        "exact_mobile": 10.0,
        "exact": 8.0,
        "exact_fixed": 5.0,
        "shared_line": 1.0,
        "similar": 3.0,
        "different": -1.5,
    },
    "first_name": {
        "exact": 3.5,
        "nickname": 2.5,
        "similar": 2.0,
        "initial": 0.5,
        "one_edit": -3.0,
        "different": -8.0,
    },
    "last_name": {
        "exact": 4.5,
        "similar": 3.0,
        "partial": 2.0,
        "one_edit": -3.0,
        "different": -6.0,  # less than a first name: a name changes on marriage
    },
    # Company name, or the corporate email domain, or a name that is one side's domain.
    "company": {
        "exact": 3.0,
        "similar": 2.0,
        "same_domain": 3.0,
        "name_matches_domain": 2.0,
        "different": -1.0,
    },
    "location": {
        "same_postcode": 2.0,
        "same_city": 1.0,
        "different_country": -2.0,
        "different": -0.5,
    },
    "title": {
        "exact": 1.0,
        "similar": 0.5,
        "different": 0.0,
    },
    # First and last name found in each other's places: it happens, but less often than typing them in order.
    "name_order": {"swapped": -0.5},
}

#: The namesake rule's weight: the same name, a different company and a different email, nothing else agreeing.
NAMESAKE_BITS: Final = -6.0

_NAMES_AGREE = {"first_name": {"exact", "nickname", "similar"}, "last_name": {"exact", "similar", "partial"}}
_OTHER_EVIDENCE = {"phone": {"exact_mobile", "exact", "exact_fixed", "similar"}, "email": {"same_handle", "similar"}}


# --- comparison -----------------------------------------------------------------------------------------------------


class Evidence(BaseModel):
    """One field's part in a match: the values compared, how alike they are (0..1), the agreement level found,
    and the weight in bits it adds to the score (negative against a match)."""

    model_config = ConfigDict(frozen=True)

    field: str
    a_value: str | None
    b_value: str | None
    similarity: float
    weight: float
    level: str


class MatchResult(BaseModel):
    """The probability that two records are one person, and the evidence it comes from.

    `probability` = 1 / (1 + 2 ** -score) with `score` = `prior` + the evidence weights. `review_only`, when set,
    says why the pair must not be merged automatically whatever its probability."""

    model_config = ConfigDict(frozen=True)

    probability: float
    score: float
    prior: float
    evidence: list[Evidence]
    review_only: str | None = None


def field_levels(a: PreparedRecord, b: PreparedRecord) -> list[FieldLevel]:
    """Each field's agreement level, contact details two different names share read as shared (see below)."""
    fields = [
        *compare_names(a, b),
        compare_email(a, b),
        compare_phone(a, b),
        compare_company(a, b),
        compare_location(a, b),
        compare_title(a, b),
    ]
    return _shared_when_names_differ(fields)


#: Levels whose weight stays hand-set under a fitted model too. Each is about two fields at once (a number or an
#: address two different names share, a team mailbox), which a model of independent fields cannot learn: fitted
#: alone, a colleague's address at the same domain would count for the pair.
FIXED_LEVELS: Final = frozenset(
    {
        ("email", "exact_shared_mailbox"),
        ("email", "different_same_domain"),
        ("email", "team_mailbox"),
        ("phone", "shared_line"),
    }
)
_COMPANY_AGREES: Final = frozenset({"exact", "similar", "same_domain", "name_matches_domain"})
SAME_OFFICE: Final = "same_office"


def fitted_levels(fields: list[FieldLevel]) -> list[FieldLevel]:
    """The levels as a fitted model reads them. Two records at one company that agree on the place are at its
    office: the place tells nothing the company did not (colleagues share it), so it is read as `same_office`, which
    weighs nothing. The hand-set weights keep places small instead, so they read the levels as they are."""
    company = next((item.level for item in fields if item.field == "company"), MISSING)
    if company not in _COMPANY_AGREES:
        return fields
    return [
        replace(item, level=SAME_OFFICE)
        if item.field == "location" and item.level in {"same_postcode", "same_city"}
        else item
        for item in fields
    ]


def compare(a: PreparedRecord, b: PreparedRecord, model: MatchModel | None = None) -> MatchResult:
    """Compare two prepared records field by field; symmetric up to the order of values in the evidence.

    With a fitted `model` its weights, prior and term frequencies are used, and the hand-set weight of a level it
    has no estimate for or that is fixed (FIXED_LEVELS); without one, the hand-set weights."""
    found = field_levels(a, b)
    evidence = [_evidence(level, model) for level in (fitted_levels(found) if model is not None else found)]
    levels = {item.field: item.level for item in evidence}
    if _is_namesake(levels):
        evidence.append(
            Evidence(
                field="namesake_rule",
                a_value=None,
                b_value=None,
                similarity=0.0,
                weight=NAMESAKE_BITS,
                level="same name, different company and email, nothing else agrees",
            )
        )
    review_only = None
    if _names_agree(levels) and levels.get("email") == "different_same_domain":
        review_only = "same name at the same company under two different work addresses"
    prior = model.prior_bits if model is not None else PRIOR_BITS
    score = prior + sum(item.weight for item in evidence)
    return MatchResult(
        probability=1.0 / (1.0 + 2.0**-score),
        score=score,
        prior=prior,
        evidence=evidence,
        review_only=review_only,
    )


def _shared_when_names_differ(fields: list[FieldLevel]) -> list[FieldLevel]:
    """Re-read contact details two different names share: a number is an office's or a household's line, near-alike
    work addresses are two colleagues' (jreyes@, areyes@), and one address under two first names a shared mailbox.
    A last name that differs may be a name changed on marriage, so with the same first name only a fixed line (an
    office's, a household's) is taken for shared; a mobile, or a North American number that may be one, is not."""
    levels = {item.field: item.level for item in fields}
    first, last = levels.get("first_name"), levels.get("last_name")
    shared: dict[str, dict[str, str]] = {}
    if first in DISAGREE:
        shared = {
            "phone": {"exact": "shared_line", "exact_fixed": "shared_line"},
            "email": {"similar": "different_same_domain"},
        }
        if first == "different":
            shared["email"]["exact"] = "exact_shared_mailbox"
    elif last == "different":
        shared = {"phone": {"exact_fixed": "shared_line"}, "email": {"similar": "different_same_domain"}}
    if not shared:
        return fields
    return [replace(item, level=shared.get(item.field, {}).get(item.level, item.level)) for item in fields]


def _evidence(item: FieldLevel, model: MatchModel | None) -> Evidence:
    return Evidence(
        field=item.field,
        a_value=item.a_value,
        b_value=item.b_value,
        similarity=round(item.similarity, 4),
        weight=round(level_weight(item, model), 4),
        level=item.level,
    )


#: How far a term frequency may move an exact agreement's weight, in bits: a rare name says more than a common one,
#: but no name is worth an email address.
TF_MAX_GAIN: Final = 3.0
TF_MAX_LOSS: Final = 6.0


def level_weight(item: FieldLevel, model: MatchModel | None) -> float:
    """The weight in bits of one field's level: the model's (adjusted for how common the value agreed on is) or the
    hand-set one."""
    hand_set = WEIGHTS.get(item.field, {}).get(item.level, 0.0)
    if model is None or item.level == MISSING or (item.field, item.level) in FIXED_LEVELS:
        return hand_set
    fitted = model.weight(item.field, item.level)
    weight = hand_set if fitted is None else fitted
    frequencies = model.term_frequencies.get(item.field)
    if frequencies is not None and item.level == TERM_FREQUENCY_LEVELS.get(item.field) and item.a_value:
        # The commoner of the two spellings: the same pair weighs the same in either order (Van der Berg agrees
        # exactly with Vanderberg, and only one of them may be common).
        share = max(frequencies.values.get(value or "", frequencies.floor) for value in (item.a_value, item.b_value))
        adjustment = math.log2(frequencies.exact_u / share)
        weight += max(-TF_MAX_LOSS, min(TF_MAX_GAIN, adjustment))
    return weight


def _names_agree(levels: dict[str, str]) -> bool:
    return all(levels.get(field) in agreeing for field, agreeing in _NAMES_AGREE.items())


def _is_namesake(levels: dict[str, str]) -> bool:
    if not _names_agree(levels) or levels.get("email") not in {"different", "same_name_handle", "team_mailbox"}:
        return False
    if levels.get("company") != "different":
        return False
    return not any(levels.get(field) in agreeing for field, agreeing in _OTHER_EVIDENCE.items())


def decide(result: MatchResult, thresholds: MatchThresholds) -> Decision:
    """merge at or above thresholds.merge (unless the pair is review-only), possible from thresholds.possible."""
    if result.probability >= thresholds.merge and result.review_only is None:
        return "merge"
    if result.probability >= thresholds.possible:
        return "possible"
    return "distinct"


# --- the decision procedure ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchOutcome:
    """What the matcher decided about two records, the rule that decided it, and the evidence."""

    decision: Decision
    rule: Rule
    result: MatchResult


def same_identity(a: PreparedRecord, b: PreparedRecord) -> bool:
    """Whether two records hold the same canonical email. An email address is an identity: the pipeline claims it
    with one conditional write, and a submission under a claimed address joins its lead whatever its names say
    (a name typed in the wrong box, a nickname, a typo), so a batch run merges such records too."""
    return a.email_canonical is not None and a.email_canonical == b.email_canonical


def match(a: PreparedRecord, b: PreparedRecord, thresholds: MatchThresholds, model: MatchModel | None) -> MatchOutcome:
    """The one decision about two records that the pipeline (whose possible pairs fill the curation queue) and
    `leadflow dedupe` both take: the same canonical email is one person; otherwise the probability against the
    thresholds."""
    result = compare(a, b, model)
    if same_identity(a, b):
        return MatchOutcome("merge", "same email", result)
    return MatchOutcome(decide(result, thresholds_for(thresholds, model)), "probability", result)


def thresholds_for(thresholds: MatchThresholds, model: MatchModel | None) -> MatchThresholds:
    """The thresholds in force: a fitted model merges from its own threshold (never below `possible`)."""
    if model is None or model.merge_threshold <= thresholds.possible:
        return thresholds
    return MatchThresholds(merge=model.merge_threshold, possible=thresholds.possible)
