"""Fitting the matcher's Fellegi-Sunter weights on a user's own records (`leadflow dedupe --train`).

Nobody labels pairs for us, so the weights are estimated the way record linkage has done since Winkler: by
expectation-maximisation over the candidate pairs that blocking brings together, each described by its agreement
levels (leadflow.domain.matching.field_levels). Two kinds of pair are mixed among the candidates, one person and
two people; EM finds, for each field, how often each level occurs in each kind (m and u), and how many pairs are of
one person. It starts from the hand-set weights' answer and keeps them as a prior (a few pairs' worth of
pseudo-counts), so a small or odd file moves the weights only as far as its evidence goes.

The published u of each level is estimated on pairs of records drawn at random, as Fellegi and Sunter define it;
the prior is then the odds that two random records are one person (the expected duplicates over all pairs). The u
EM estimates among the candidates only serves the E-step: published with the candidates' share of duplicates, it
gave weights that merged fewer true pairs at the same precision on the benchmark's tuning seeds.

Exact agreements on names and companies, and a shared postcode, are adjusted for how common the value is (term
frequencies), so two Smiths agreeing weigh less than two Zanzottos."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from leadflow.domain.match_batch import candidate_pairs
from leadflow.domain.matching import FIXED_LEVELS, PRIOR_BITS, WEIGHTS, PreparedRecord, field_levels, fitted_levels
from leadflow.models.match_model import (
    MATCH_LEVELS,
    MAX_TERM_VALUES,
    TERM_FREQUENCY_FIELDS,
    LevelEstimate,
    MatchModel,
    MatchModelStats,
    TermFrequencies,
)

__all__ = ["MIN_CANDIDATE_PAIRS", "MIN_RECORDS", "TooLittleToLearn", "TrainingOptions", "fit_model", "term_frequencies"]

#: Below these a file says too little to move the weights soundly: random pairs among a few dozen records are no
#: estimate of u, and EM on a handful of pairs finds whatever it starts from. The hand-set weights stay then.
MIN_RECORDS = 50
MIN_CANDIDATE_PAIRS = 20


class TooLittleToLearn(ValueError):
    """The file is too small to fit weights on."""


#: The fitted (field, level) of every field both records have, in a fixed order; and the hand-set bits of the
#: levels that stay fixed (leadflow.domain.matching.FIXED_LEVELS).
Pattern = tuple[tuple[tuple[str, str], ...], float]


@dataclass(frozen=True)
class TrainingOptions:
    random_pairs: int = 50_000
    max_iterations: int = 200
    tolerance: float = 1e-6
    prior_strength: float = 20.0  # pseudo-pairs of the hand-set weights' m and u in every M-step
    max_block: int = 200
    seed: int = 0


def _pattern(a: PreparedRecord, b: PreparedRecord) -> Pattern:
    fitted: list[tuple[str, str]] = []
    fixed = 0.0
    for item in fitted_levels(field_levels(a, b)):
        if (item.field, item.level) in FIXED_LEVELS:
            fixed += WEIGHTS[item.field][item.level]
        elif item.level in MATCH_LEVELS.get(item.field, ()):
            fitted.append((item.field, item.level))
    return tuple(fitted), fixed


def fit_model(prepared: Sequence[PreparedRecord], options: TrainingOptions | None = None) -> MatchModel:
    """The weights that best explain `prepared`'s candidate pairs, as a MatchModel for the `matching` rule set."""
    options = options or TrainingOptions()
    patterns: Counter[Pattern] = Counter()
    for index, others in candidate_pairs(prepared, max_block=options.max_block):
        for other in others:
            patterns[_pattern(prepared[index], prepared[other])] += 1
    candidates = sum(patterns.values())
    if len(prepared) < MIN_RECORDS or candidates < MIN_CANDIDATE_PAIRS:
        raise TooLittleToLearn(
            f"{len(prepared)} leads and {candidates} candidate pairs are too few to fit the weights on (at least "
            f"{MIN_RECORDS} leads and {MIN_CANDIDATE_PAIRS} candidate pairs); the hand-set weights stay"
        )
    random_u = _random_pair_u(prepared, options)
    fit = _expectation_maximisation(patterns, _hand_set_m(random_u), random_u, options)
    pairs = len(prepared) * (len(prepared) - 1) / 2
    share = min(max(fit.duplicates / pairs, 1e-12), 1 - 1e-9)
    levels = {
        field: {level: _estimate(fit.m[field][level], random_u[field][level]) for level in known}
        for field, known in MATCH_LEVELS.items()
    }
    return MatchModel(
        prior_bits=math.log2(share / (1 - share)),
        levels=levels,
        term_frequencies=term_frequencies(prepared),
        stats=MatchModelStats(
            records=len(prepared),
            candidate_pairs=candidates,
            random_pairs=options.random_pairs,
            iterations=fit.iterations,
            converged=fit.converged,
            expected_duplicates=round(fit.duplicates, 2),
        ),
    )


def _estimate(m: float, u: float) -> LevelEstimate:
    """m and u kept within (0, 1]: a level never seen still has a (tiny) probability."""
    return LevelEstimate(m=min(1.0, max(m, 1e-12)), u=min(1.0, max(u, 1e-12)))


Table = dict[str, dict[str, float]]


def _random_pair_u(prepared: Sequence[PreparedRecord], options: TrainingOptions) -> Table:
    """u of every level: its share among random pairs that both have the field, half a pair added to each level
    so that an agreement never seen between random records still has a u."""
    counts: dict[str, Counter[str]] = {field: Counter() for field in MATCH_LEVELS}
    rng = random.Random(options.seed)  # noqa: S311 - sampling pairs, not a secret
    if len(prepared) > 1:
        for _ in range(options.random_pairs):
            a, b = rng.sample(range(len(prepared)), 2)
            for field, level in _pattern(prepared[a], prepared[b])[0]:
                counts[field][level] += 1
    return {field: _shares(counts[field], MATCH_LEVELS[field], pseudo=0.5) for field in MATCH_LEVELS}


def _shares(counts: Counter[str], levels: Sequence[str], pseudo: float) -> dict[str, float]:
    total = sum(counts[level] for level in levels) + pseudo * len(levels)
    return {level: (counts[level] + pseudo) / total for level in levels}


def _hand_set_m(random_u: Table) -> Table:
    """m implied by the hand-set weights and the random pairs' u: proportional to u times 2^weight, over each field's
    levels."""
    m0: Table = {}
    for field, levels in MATCH_LEVELS.items():
        raw = {level: random_u[field][level] * 2.0 ** WEIGHTS[field].get(level, 0.0) for level in levels}
        total = sum(raw.values())
        m0[field] = {level: value / total for level, value in raw.items()}
    return m0


@dataclass
class _Fit:
    m: Table
    duplicates: float
    iterations: int
    converged: bool


def _expectation_maximisation(patterns: Counter[Pattern], m0: Table, u0: Table, options: TrainingOptions) -> _Fit:
    """EM over the distinct patterns (weighted by how many pairs show each), starting from the hand-set model's
    probabilities and keeping m0/u0 as a Dirichlet prior of `prior_strength` pseudo-pairs."""
    items = list(patterns.items())
    posteriors = [_hand_set_probability(pattern) for pattern, _ in items]
    weight_total = sum(count for _, count in items)
    m = m0
    iterations, converged = 0, False
    for iterations in range(1, options.max_iterations + 1):  # noqa: B007 - the count is reported
        m = _m_step(items, posteriors, m0, options.prior_strength)
        u = _m_step(items, [1.0 - p for p in posteriors], u0, options.prior_strength)
        share = sum(p * count for p, (_, count) in zip(posteriors, items, strict=True)) / max(weight_total, 1)
        share = min(max(share, 1e-9), 1 - 1e-9)
        updated = [_posterior(pattern, m, u, share) for pattern, _ in items]
        change = max((abs(a - b) for a, b in zip(updated, posteriors, strict=True)), default=0.0)
        posteriors = updated
        if change < options.tolerance:
            converged = True
            break
    duplicates = sum(p * count for p, (_, count) in zip(posteriors, items, strict=True))
    return _Fit(m=m, duplicates=duplicates, iterations=iterations, converged=converged)


def _hand_set_probability(pattern: Pattern) -> float:
    levels, fixed = pattern
    return _logistic(PRIOR_BITS + fixed + sum(WEIGHTS[field].get(level, 0.0) for field, level in levels))


def _logistic(bits: float) -> float:
    """The probability of log2 odds `bits` (kept within +-60 bits, where it is 0 or 1 to a float anyway)."""
    return 1.0 / (1.0 + math.pow(2.0, max(-60.0, min(60.0, -bits))))


def _m_step(items: list[tuple[Pattern, int]], weights: list[float], prior: Table, strength: float) -> Table:
    counts: dict[str, dict[str, float]] = {field: dict.fromkeys(levels, 0.0) for field, levels in MATCH_LEVELS.items()}
    for ((found, _), count), weight in zip(items, weights, strict=True):
        for field, level in found:
            counts[field][level] += weight * count
    table: Table = {}
    for field, levels in MATCH_LEVELS.items():
        total = sum(counts[field].values()) + strength
        table[field] = {level: (counts[field][level] + strength * prior[field][level]) / total for level in levels}
    return table


def _posterior(pattern: Pattern, m: Table, u: Table, share: float) -> float:
    levels, fixed = pattern
    bits = math.log2(share / (1 - share)) + fixed
    return _logistic(bits + sum(math.log2(m[f][level] / u[f][level]) for f, level in levels))


def term_frequencies(prepared: Sequence[PreparedRecord]) -> dict[str, TermFrequencies]:
    """For each adjusted field: the share of the commonest values among the records that have one, the share taken
    for any rarer value (the last kept one's), and u of an exact agreement (the sum of squared shares)."""
    values = {
        "first_name": [p.first for p in prepared],
        "last_name": [p.last for p in prepared],
        "company": [p.company_canonical for p in prepared],
        "location": [p.postcode for p in prepared],
    }
    tables: dict[str, TermFrequencies] = {}
    for field in TERM_FREQUENCY_FIELDS:
        counts = Counter(value for value in values[field] if value)
        total = sum(counts.values())
        if not total:
            continue
        common = counts.most_common(MAX_TERM_VALUES)
        shares = {value: count / total for value, count in common}
        tables[field] = TermFrequencies(
            values={value: round(share, 8) for value, share in shares.items()},
            floor=min(shares.values()),
            exact_u=max(sum((count / total) ** 2 for count in counts.values()), 1e-12),
        )
    return tables
