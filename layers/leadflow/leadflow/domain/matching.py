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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from leadflow.domain.match_fields import (
    DISAGREE,
    FieldLevel,
    compare_company,
    compare_email,
    compare_location,
    compare_names,
    compare_phone,
    compare_title,
)
from leadflow.domain.match_record import MatchRecord, PreparedRecord, blocking_keys, prepare
from leadflow.models.rules import MatchThresholds

__all__ = [
    "PRIOR_BITS",
    "WEIGHTS",
    "DedupeStats",
    "Evidence",
    "MatchRecord",
    "MatchResult",
    "MatchThresholds",
    "PairDecision",
    "PreparedRecord",
    "blocking_keys",
    "compare",
    "decide",
    "find_duplicates",
    "prepare",
]

Decision = Literal["merge", "possible", "distinct"]

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


def compare(a: PreparedRecord, b: PreparedRecord) -> MatchResult:
    """Compare two prepared records field by field; symmetric up to the order of values in the evidence."""
    fields = [
        *compare_names(a, b),
        compare_email(a, b),
        compare_phone(a, b),
        compare_company(a, b),
        compare_location(a, b),
        compare_title(a, b),
    ]
    evidence = [_evidence(level) for level in _shared_when_names_differ(fields)]
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
    score = PRIOR_BITS + sum(item.weight for item in evidence)
    return MatchResult(
        probability=1.0 / (1.0 + 2.0**-score),
        score=score,
        prior=PRIOR_BITS,
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


def _evidence(item: FieldLevel) -> Evidence:
    return Evidence(
        field=item.field,
        a_value=item.a_value,
        b_value=item.b_value,
        similarity=round(item.similarity, 4),
        weight=WEIGHTS[item.field].get(item.level, 0.0),
        level=item.level,
    )


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


# --- batch ----------------------------------------------------------------------------------------------------------


class PairDecision(BaseModel):
    """A pair of records found to be one person (`merge`) or maybe one (`possible`), with the evidence."""

    model_config = ConfigDict(frozen=True)

    id_1: str
    id_2: str
    decision: Decision
    probability: float
    evidence: list[Evidence]
    review_only: str | None = None


@dataclass
class DedupeStats:
    """What a find_duplicates run did: filled in as it goes, complete when the iterator is exhausted."""

    records: int = 0
    keys: int = 0  # distinct blocking keys
    key_entries: int = 0  # blocking keys over all records: what an index of them holds
    comparisons: int = 0
    oversized_blocks: int = 0  # keys shared by more than max_block records, skipped
    largest_block: int = 0


def find_duplicates(
    records: Iterable[MatchRecord],
    thresholds: MatchThresholds,
    *,
    max_block: int = 200,
    progress: Callable[[int], object] | None = None,
    stats: DedupeStats | None = None,
) -> Iterator[PairDecision]:
    """Every merge or possible pair among `records`, each pair compared once, in input order of the first record.

    Records are blocked in memory by blocking_keys; a key shared by more than `max_block` records is skipped (it is
    not about one person) and counted in `stats`. `progress`, when given, is called with 1 after each record's
    comparisons (a tqdm bar's `update` fits)."""
    stats = stats if stats is not None else DedupeStats()
    prepared = [prepare(record) for record in records]
    keys = [blocking_keys(p) for p in prepared]
    blocks: dict[str, list[int]] = {}
    for index, record_keys in enumerate(keys):
        for key in record_keys:
            blocks.setdefault(key, []).append(index)
    stats.records, stats.keys = len(prepared), len(blocks)
    stats.key_entries = sum(len(record_keys) for record_keys in keys)
    stats.largest_block = max((len(block) for block in blocks.values()), default=0)
    stats.oversized_blocks = sum(1 for block in blocks.values() if len(block) > max_block)
    for index, record_keys in enumerate(keys):
        candidates = _candidates(index, record_keys, blocks, max_block)
        stats.comparisons += len(candidates)
        for other in candidates:
            result = compare(prepared[index], prepared[other])
            decision = decide(result, thresholds)
            if decision != "distinct":
                yield PairDecision(
                    id_1=prepared[index].record_id,
                    id_2=prepared[other].record_id,
                    decision=decision,
                    probability=result.probability,
                    evidence=result.evidence,
                    review_only=result.review_only,
                )
        if progress is not None:
            progress(1)


def _candidates(index: int, record_keys: list[str], blocks: dict[str, list[int]], max_block: int) -> list[int]:
    """The records after `index` sharing a key of reasonable size with it, each once, in input order."""
    found: set[int] = set()
    for key in record_keys:
        block = blocks[key]
        if len(block) <= max_block:
            found.update(other for other in block if other > index)
    return sorted(found)
