"""The boosted-trees form of the predictive score: how lead records become the bins the trees are grown on, the trees
as stored (one JSON document with the rest of the model), and a lead's log-odds split into each column's share.

The trees read a record through the model's FeatureSpec, as the logistic form does, so a CSV row and a live lead
go the same way: a numeric column as its number (missing when it is not one), a categorical column as its level
position (a rare or unseen level is "other", an empty value "missing"). Each column's share of a prediction is
measured along the lead's path through every tree: a split moves the lead from a node to a child, and the change in
the node's value is put down to the split's column (Saabas' attribution). The shares and the trees' starting value
add up to the log-odds exactly, so the reasons account for the whole score."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import replace
from typing import Final, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, model_validator

from leadflow.domain.gradient_boosting import BinnedRows, BoostingParams, FittedTree, fit_boosting
from leadflow.domain.model_metrics import stratified_split
from leadflow.domain.predictive_features import CategoricalColumn, FeatureSpec, NumericColumn, Record, numeric_value

__all__ = [
    "MAX_CUTS",
    "VALIDATION_SHARE",
    "FittedTrees",
    "Inputs",
    "Tree",
    "column_shares",
    "fit_trees",
    "record_inputs",
]

#: The share of the training rows held out to choose the number of trees; the trees kept are then grown again on
#: all the rows (checked on tests/bench/scoring_model.py: about +0.001 ROC AUC over keeping the first fit).
VALIDATION_SHARE: Final = 0.15
VALIDATION_SEED: Final = 11
#: A numeric column is split only at these many quantiles of its training values at most (31 or 127 measure the same).
MAX_CUTS: Final = 63

#: A column's input to the trees: a number or None (missing) for a numeric column, a level position otherwise.
Inputs = list[float | int | None]


class Tree(BaseModel):
    """One tree as parallel lists over its nodes; node 0 is the root, node i's children are left[i] and left[i] + 1,
    and a leaf has left 0. A numeric split sends a value <= threshold left (and a missing one left when
    missing_left); a categorical split sends left the level positions whose bits are set in `levels`. `value` is
    what a leaf adds to the log-odds; an inner node's value is what it would add as a leaf."""

    model_config = ConfigDict(frozen=True)

    column: list[int]
    threshold: list[float]
    levels: list[int]
    missing_left: list[bool]
    left: list[int]
    value: list[float]

    @model_validator(mode="after")
    def _lists_agree(self) -> Self:
        count = len(self.value)
        sizes = {len(self.column), len(self.threshold), len(self.levels), len(self.missing_left), len(self.left)}
        if not count or sizes != {count}:
            raise ValueError(f"a tree's node lists disagree in length (values: {count})")
        if any(child and not 0 < child < count - 1 for child in self.left):
            raise ValueError("a tree's child index is out of range")
        return self


class FittedTrees(NamedTuple):
    """The trees and the log-odds they start from (the training rows' conversion rate)."""

    base: float
    trees: list[Tree]


def fit_trees(spec: FeatureSpec, rows: Sequence[Record], labels: Sequence[int], params: BoostingParams) -> FittedTrees:
    """Boost trees on the rows as the spec encodes them. The number of trees is the one that minimised the log-loss
    on VALIDATION_SHARE of the rows held out; then as many trees are grown on all the rows, so none are wasted."""
    cuts = [_cut_points(column, rows) if isinstance(column, NumericColumn) else [] for column in spec.columns]
    bins = [
        len(cut) + 2 if isinstance(column, NumericColumn) else column.width
        for column, cut in zip(spec.columns, cuts, strict=True)
    ]
    categorical = [isinstance(column, CategoricalColumn) for column in spec.columns]
    binned = [_bins(spec, cuts, record_inputs(spec, row)) for row in rows]
    inner = stratified_split(list(range(len(rows))), labels, VALIDATION_SHARE, VALIDATION_SEED)
    chosen = fit_boosting(
        BinnedRows([binned[i] for i in inner.train_rows], bins, categorical),
        inner.train_labels,
        [binned[i] for i in inner.test_rows],
        inner.test_labels,
        params,
    )
    final = fit_boosting(
        BinnedRows(binned, bins, categorical), labels, [], [], replace(params, max_trees=len(chosen.trees))
    )
    return FittedTrees(base=_round(final.base), trees=[_stored(tree, spec, cuts) for tree in final.trees])


def record_inputs(spec: FeatureSpec, record: Record) -> Inputs:
    """What the trees read of a record, column by column (see Inputs)."""
    return [
        column.position(record.get(column.name))
        if isinstance(column, CategoricalColumn)
        else numeric_value(record.get(column.name))
        for column in spec.columns
    ]


def column_shares(trees: Sequence[Tree], inputs: Inputs) -> tuple[float, list[float]]:
    """What the trees add to the log-odds of a record (given as its inputs), and each column's share of that: the
    trees' root values and the shares add up to it."""
    shares = [0.0] * len(inputs)
    logit = 0.0
    for tree in trees:
        column, left, value = tree.column, tree.left, tree.value
        node = 0
        while left[node]:
            position = column[node]
            child = left[node] if _goes_left(tree, node, inputs[position]) else left[node] + 1
            shares[position] += value[child] - value[node]
            node = child
        logit += value[node]
    return logit, shares


def _goes_left(tree: Tree, node: int, given: float | int | None) -> bool:
    levels = tree.levels[node]
    if levels:
        return bool(levels >> int(given or 0) & 1)
    if given is None:
        return tree.missing_left[node]
    return given <= tree.threshold[node]


def _cut_points(column: NumericColumn, rows: Sequence[Record]) -> list[float]:
    """Up to MAX_CUTS quantiles of the column's training values, each a value seen in training."""
    ordered = sorted(number for row in rows if (number := numeric_value(row.get(column.name))) is not None)
    if not ordered:
        return []
    count = len(ordered)
    cuts = {ordered[min(count - 1, step * count // (MAX_CUTS + 1))] for step in range(1, MAX_CUTS + 1)}
    return sorted(cut for cut in cuts if cut < ordered[-1])  # a cut at the maximum would split nothing off


def _bins(spec: FeatureSpec, cuts: list[list[float]], inputs: Inputs) -> list[int]:
    """A record's bin per column: a numeric column's 0 when missing, else 1 + the number of cuts below its value
    (so bins 1..k are exactly the values <= cuts[k - 1]); a categorical column's level position."""
    out: list[int] = []
    for column, cut, given in zip(spec.columns, cuts, inputs, strict=True):
        if isinstance(column, CategoricalColumn):
            out.append(int(given or 0))
        else:
            out.append(0 if given is None else 1 + bisect_left(cut, given))
    return out


def _stored(tree: FittedTree, spec: FeatureSpec, cuts: list[list[float]]) -> Tree:
    """A fitted tree in bin space as a stored one in value space: a cut becomes the value it stands for, a set of
    levels a bit mask."""
    column, threshold, levels, missing_left, left, value = [], [], [], [], [], []
    for node in tree.nodes:
        leaf = not node.left
        column.append(-1 if leaf else node.feature)
        numeric = not leaf and isinstance(spec.columns[node.feature], NumericColumn)
        threshold.append(cuts[node.feature][node.cut - 1] if numeric else 0.0)
        levels.append(sum(1 << level for level in node.levels))
        missing_left.append(numeric and node.missing_left)
        left.append(node.left)
        value.append(_round(node.value))
    return Tree(column=column, threshold=threshold, levels=levels, missing_left=missing_left, left=left, value=value)


def _round(number: float) -> float:
    """Six significant digits keep the JSON of a few hundred trees small; a leaf's value moves by < 1e-6 of itself."""
    return float(f"{number:.6g}") if math.isfinite(number) else number
