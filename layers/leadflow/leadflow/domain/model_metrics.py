"""How well a lead score ranks leads that converted above those that did not: the figures the trainer stores with a
model and `leadflow model evaluate` prints, and the split they are measured on."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Generic, NamedTuple, TypeVar

__all__ = ["Split", "roc_auc", "stratified_split", "top_decile_lift"]

Row = TypeVar("Row")


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """The chance that a random positive scores above a random negative (a tie counts half): the Mann-Whitney U
    statistic from the scores' ranks, tied scores sharing their average rank. Undefined without both classes."""
    _check(labels, scores)
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        raise ValueError("ROC AUC needs at least one positive and one negative label")
    order = _order(scores)
    rank_sum = 0.0
    for start, end in _tie_groups([scores[i] for i in order]):
        average_rank = (start + 1 + end) / 2  # the group holds ranks start + 1 .. end (1-based)
        rank_sum += average_rank * sum(labels[i] for i in order[start:end])
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def top_decile_lift(labels: Sequence[int], scores: Sequence[float]) -> float:
    """How many times the overall conversion rate the best-scored tenth of the leads converts at. Leads tied at the
    cut count by the share of their group inside it, so the figure does not depend on their order."""
    _check(labels, scores)
    positives = sum(labels)
    if not positives:
        raise ValueError("top-decile lift needs at least one positive label")
    cut = max(1, math.ceil(len(labels) / 10))
    order = _order(scores)[::-1]  # best first
    descending = [scores[i] for i in order]
    taken, inside = 0.0, 0
    for start, end in _tie_groups(descending):
        group = sum(labels[i] for i in order[start:end])
        if end <= cut:
            taken += group
            inside = end
            continue
        taken += group * (cut - inside) / (end - start)
        break
    return (taken / cut) / (positives / len(labels))


class Split(NamedTuple, Generic[Row]):
    train_rows: list[Row]
    train_labels: list[int]
    test_rows: list[Row]
    test_labels: list[int]


def stratified_split(rows: Sequence[Row], labels: Sequence[int], test_fraction: float, seed: int) -> Split[Row]:
    """A random split that keeps the share of positives equal on both sides; the same seed gives the same split.
    Rows keep their input order on each side."""
    if len(rows) != len(labels):
        raise ValueError(f"{len(rows)} rows but {len(labels)} labels")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, not {test_fraction}")
    rng = random.Random(seed)  # noqa: S311 - a reproducible split, not a secret
    test: set[int] = set()
    for label in sorted(set(labels)):
        members = [i for i, value in enumerate(labels) if value == label]
        rng.shuffle(members)
        test.update(members[: round(len(members) * test_fraction)])
    train_index = [i for i in range(len(rows)) if i not in test]
    test_index = sorted(test)
    return Split(
        train_rows=[rows[i] for i in train_index],
        train_labels=[labels[i] for i in train_index],
        test_rows=[rows[i] for i in test_index],
        test_labels=[labels[i] for i in test_index],
    )


def _check(labels: Sequence[int], scores: Sequence[float]) -> None:
    if len(labels) != len(scores):
        raise ValueError(f"{len(labels)} labels but {len(scores)} scores")
    if any(label not in (0, 1) for label in labels):
        raise ValueError("labels must be 0 or 1")


def _order(scores: Sequence[float]) -> list[int]:
    return sorted(range(len(scores)), key=scores.__getitem__)


def _tie_groups(ordered: Sequence[float]) -> list[tuple[int, int]]:
    """The [start, end) positions of each run of equal scores in sorted scores."""
    groups: list[tuple[int, int]] = []
    start = 0
    for position in range(1, len(ordered) + 1):
        if position == len(ordered) or ordered[position] != ordered[start]:
            groups.append((start, position))
            start = position
    return groups
