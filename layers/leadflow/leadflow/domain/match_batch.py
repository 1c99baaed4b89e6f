"""Duplicates in a batch of records (`leadflow dedupe`, the benchmarks, training): every pair that blocking brings
together, judged by the pipeline's own decision procedure (leadflow.domain.matching.match)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from leadflow.domain.matching import (
    Decision,
    Evidence,
    MatchModel,
    MatchRecord,
    MatchThresholds,
    PreparedRecord,
    Rule,
    blocking_keys,
    match,
    prepare,
)

__all__ = ["DedupeStats", "PairDecision", "candidate_pairs", "find_duplicates"]


class PairDecision(BaseModel):
    """A pair of records found to be one person (`merge`) or maybe one (`possible`), the rule that decided it, and
    the evidence."""

    model_config = ConfigDict(frozen=True)

    id_1: str
    id_2: str
    decision: Decision
    rule: Rule = "probability"
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


def candidate_pairs(
    prepared: Sequence[PreparedRecord], *, max_block: int = 200, stats: DedupeStats | None = None
) -> Iterator[tuple[int, list[int]]]:
    """For each record (by index), the later records sharing a blocking key of reasonable size with it, in input
    order. A key shared by more than `max_block` records is skipped (it is not about one person) and counted."""
    stats = stats if stats is not None else DedupeStats()
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
        found: set[int] = set()
        for key in record_keys:
            block = blocks[key]
            if len(block) <= max_block:
                found.update(other for other in block if other > index)
        stats.comparisons += len(found)
        yield index, sorted(found)


def find_duplicates(
    records: Iterable[MatchRecord],
    thresholds: MatchThresholds,
    *,
    model: MatchModel | None = None,
    max_block: int = 200,
    progress: Callable[[int], object] | None = None,
    stats: DedupeStats | None = None,
) -> Iterator[PairDecision]:
    """Every merge or possible pair among `records`, each pair compared once, in input order of the first record.

    `model`: the fitted weights of the active `matching` rule set, if any. `progress`, when given, is called with 1
    after each record's comparisons (a tqdm bar's `update` fits)."""
    prepared = [prepare(record) for record in records]
    for index, others in candidate_pairs(prepared, max_block=max_block, stats=stats):
        for other in others:
            outcome = match(prepared[index], prepared[other], thresholds, model)
            if outcome.decision != "distinct":
                yield PairDecision(
                    id_1=prepared[index].record_id,
                    id_2=prepared[other].record_id,
                    decision=outcome.decision,
                    rule=outcome.rule,
                    probability=outcome.result.probability,
                    evidence=outcome.result.evidence,
                    review_only=outcome.result.review_only,
                )
        if progress is not None:
            progress(1)
