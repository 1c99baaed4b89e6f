"""Gradient-boosted decision trees on the log-loss, fitted in pure Python for the scheduled trainer that runs in Lambda
with the small layer (no numpy).

The data arrive binned: every feature of every row is one small integer (a numeric column's quantile bin, with bin 0
for missing; a categorical column's level). Each tree is grown best-first from histograms of the gradient and
hessian per bin, as LightGBM and scikit-learn's HistGradientBoosting do: a node's best split is read off its
histogram, and of two children only the smaller one's histogram is summed over its rows (the other is the parent's
minus it). The gradient and hessian of a row travel together as one complex number (g + h*1j), so one addition
accumulates both: this inner loop is where training spends its time.

Splits: a numeric feature splits at a bin boundary, its missing values going to whichever side gains more; a
categorical feature splits into a set of levels and the rest, the levels ordered by their mean gradient so that the
best of those orderings is found in one scan (Fisher's grouping, as LightGBM does). The number of trees is chosen by
the log-loss on held-out rows: boosting stops once more trees have stopped helping there."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import not_, sub
from typing import Final, NamedTuple

__all__ = ["BinnedRows", "BoostingFit", "BoostingParams", "FittedNode", "FittedTree", "fit_boosting", "log_loss"]

#: A hessian floor, so a node of rows the model is already sure about cannot divide by (almost) zero.
MIN_HESSIAN: Final = 1e-12


@dataclass(frozen=True)
class BoostingParams:
    """Chosen on tests/bench/scoring_model.py (Leads.csv, five seeds); see the README's predictive-model section."""

    learning_rate: float = 0.1
    max_trees: int = 300
    max_leaves: int = 8
    max_depth: int = 4
    #: A leaf holds at least this many training rows: a split on a level seen a handful of times learns noise.
    min_leaf_rows: int = 20
    #: L2 penalty on leaf values (XGBoost's lambda): shrinks the values of leaves with little evidence.
    l2: float = 1.0
    #: Added to a level's hessian when levels are ordered for a categorical split, so a rare level's mean gradient
    #: does not rank it first by chance (LightGBM's cat_smooth).
    category_smoothing: float = 10.0
    #: Boosting stops when this many trees in a row have not lowered the held-out log-loss.
    patience: int = 30


class BinnedRows(NamedTuple):
    """Rows as bins: `rows[i][f]` is row i's bin of feature f, in 0 .. bins[f] - 1. A numeric feature's bin 0 holds
    its missing values and bins 1.. its values in order; a categorical feature's bins are its levels."""

    rows: list[list[int]]
    bins: list[int]
    categorical: list[bool]


@dataclass
class FittedNode:
    """One node in bin space. `value` is the node's own Newton step (times the learning rate): a leaf's value is
    what it adds to the log-odds, an inner node's is what its rows would get if it were a leaf, which is what lets a
    prediction be split into each feature's share along the path."""

    value: float
    rows: int
    feature: int = -1
    #: Numeric: bins 1..cut go left. Categorical: the set of levels that go left.
    cut: int = 0
    levels: frozenset[int] = frozenset()
    missing_left: bool = False
    left: int = 0  # index of the left child; the right one follows it; 0 for a leaf


@dataclass
class FittedTree:
    nodes: list[FittedNode] = field(default_factory=list)

    def leaf_of(self, row: Sequence[int]) -> int:
        node = self.nodes[0]
        position = 0
        while node.left:
            position = node.left if _goes_left(node, row[node.feature]) else node.left + 1
            node = self.nodes[position]
        return position


class _Split(NamedTuple):
    gain: float
    feature: int
    cut: int
    levels: frozenset[int]
    missing_left: bool


@dataclass
class _Leaf:
    """A leaf being grown: its rows, histogram (g + h*1j and counts per global bin), and its best split."""

    node: int
    depth: int
    rows: list[int]
    histogram: list[complex]
    counts: list[int]
    split: _Split | None = None


class BoostingFit(NamedTuple):
    base: float
    trees: list[FittedTree]
    #: The held-out log-loss of the trees kept (0 without validation rows).
    validation_loss: float


def log_loss(labels: Sequence[int], raw: Sequence[float]) -> float:
    """Mean log-loss of log-odds `raw`."""
    total = 0.0
    for label, z in zip(labels, raw, strict=True):
        total += math.log1p(math.exp(-abs(z))) + max(z, 0.0) - label * z
    return total / max(len(labels), 1)


def fit_boosting(
    train: BinnedRows,
    labels: Sequence[int],
    validation: Sequence[Sequence[int]],
    validation_labels: Sequence[int],
    params: BoostingParams,
) -> BoostingFit:
    """Boost trees on (train, labels), keeping as many as minimise the log-loss on the validation rows (at least
    one); without validation rows, grow params.max_trees. The first guess is the training rows' log-odds of
    converting."""
    positives = sum(labels)
    base = math.log(max(positives, 0.5) / max(len(labels) - positives, 0.5))
    raw = [base] * len(labels)
    held = [base] * len(validation_labels)
    grower = _Grower(train, params)
    trees: list[FittedTree] = []
    best_loss, best_count = log_loss(validation_labels, held), 0
    stopping = bool(validation_labels)
    while len(trees) < params.max_trees and not (stopping and len(trees) - best_count >= params.patience):
        gradients = _gradients(labels, raw)
        tree, leaf_rows = grower.grow(gradients)
        trees.append(tree)
        for leaf, rows in leaf_rows.items():
            value = tree.nodes[leaf].value
            for row in rows:
                raw[row] += value
        if not stopping:
            continue
        held = [z + tree.nodes[tree.leaf_of(row)].value for z, row in zip(held, validation, strict=True)]
        loss = log_loss(validation_labels, held)
        if loss < best_loss - 1e-7:
            best_loss, best_count = loss, len(trees)
    kept = trees[: max(best_count, 1)] if stopping else trees
    return BoostingFit(base=base, trees=kept, validation_loss=best_loss if stopping else 0.0)


def _gradients(labels: Sequence[int], raw: Sequence[float]) -> list[complex]:
    """Per row, the log-loss gradient and hessian at the current log-odds, as g + h*1j."""
    out: list[complex] = []
    for label, z in zip(labels, raw, strict=True):
        p = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
        out.append(complex(p - label, max(p * (1.0 - p), MIN_HESSIAN)))
    return out


class _Grower:
    """Grows one tree at a time on fixed binned rows; each feature's bins are laid out one after the other in one
    histogram (feature f owns global bins offsets[f] .. offsets[f + 1] - 1)."""

    def __init__(self, data: BinnedRows, params: BoostingParams) -> None:
        self.params = params
        self.categorical = data.categorical
        self.offsets = [0]
        for count in data.bins:
            self.offsets.append(self.offsets[-1] + count)
        self.global_bins = [[offset + b for offset, b in zip(self.offsets, row, strict=False)] for row in data.rows]
        self.columns = [list(column) for column in zip(*data.rows, strict=True)] if data.rows else []

    def grow(self, gradients: list[complex]) -> tuple[FittedTree, dict[int, list[int]]]:
        """One tree fitted to the gradients; also, the training rows of each leaf (by node index)."""
        params = self.params
        everything = list(range(len(gradients)))
        root = self._leaf(0, 0, everything, gradients)
        tree = FittedTree([self._node(root)])
        open_leaves = [root]
        leaves = 1
        while leaves < params.max_leaves:
            candidates = [leaf for leaf in open_leaves if leaf.split is not None]
            if not candidates:
                break
            best = max(candidates, key=lambda leaf: (leaf.split.gain if leaf.split else 0.0, -leaf.node))
            open_leaves.remove(best)
            split = best.split
            assert split is not None
            left_rows, right_rows = self._partition(best.rows, split)
            node = tree.nodes[best.node]
            node.feature, node.cut, node.levels, node.missing_left = (
                split.feature,
                split.cut,
                split.levels,
                split.missing_left,
            )
            node.left = len(tree.nodes)
            small, large = sorted((left_rows, right_rows), key=len)
            small_leaf = self._leaf(0, best.depth + 1, small, gradients)
            large_leaf = _Leaf(
                0,
                best.depth + 1,
                large,
                list(map(sub, best.histogram, small_leaf.histogram)),
                list(map(sub, best.counts, small_leaf.counts)),
            )
            large_leaf.split = self._best_split(large_leaf)
            children = (small_leaf, large_leaf) if small is left_rows else (large_leaf, small_leaf)
            for offset, child in enumerate(children):
                child.node = node.left + offset
                tree.nodes.append(self._node(child))
                open_leaves.append(child)
            leaves += 1
        return tree, {leaf.node: leaf.rows for leaf in open_leaves}

    def _leaf(self, node: int, depth: int, rows: list[int], gradients: list[complex]) -> _Leaf:
        histogram = [0j] * self.offsets[-1]
        global_bins = self.global_bins
        for row in rows:
            pair = gradients[row]
            for position in global_bins[row]:
                histogram[position] += pair
        tally = Counter(chain.from_iterable(map(global_bins.__getitem__, rows)))
        counts = [tally.get(position, 0) for position in range(self.offsets[-1])]
        leaf = _Leaf(node, depth, rows, histogram, counts)
        leaf.split = self._best_split(leaf)
        return leaf

    def _node(self, leaf: _Leaf) -> FittedNode:
        # Any one feature's bins hold all the node's rows, so feature 0's totals are the node's.
        total = sum(leaf.histogram[self.offsets[0] : self.offsets[1]], 0j)
        value = -self.params.learning_rate * total.real / (total.imag + self.params.l2)
        return FittedNode(value=value, rows=len(leaf.rows))

    def _partition(self, rows: list[int], split: _Split) -> tuple[list[int], list[int]]:
        column = self.columns[split.feature]
        if self.categorical[split.feature]:
            flags = [column[row] in split.levels for row in rows]
        else:
            flags = [(b == 0 and split.missing_left) or 0 < b <= split.cut for b in map(column.__getitem__, rows)]
        return list(compress(rows, flags)), list(compress(rows, map(not_, flags)))

    def _best_split(self, leaf: _Leaf) -> _Split | None:
        params = self.params
        if leaf.depth >= params.max_depth or len(leaf.rows) < 2 * params.min_leaf_rows:
            return None
        best: _Split | None = None
        for feature in range(len(self.offsets) - 1):
            start, end = self.offsets[feature], self.offsets[feature + 1]
            histogram, counts = leaf.histogram[start:end], leaf.counts[start:end]
            found = (
                self._categorical_split(feature, histogram, counts)
                if self.categorical[feature]
                else self._numeric_split(feature, histogram, counts)
            )
            if found is not None and (best is None or found.gain > best.gain):
                best = found
        return best

    def _score(self, pair: complex) -> float:
        return pair.real * pair.real / (pair.imag + self.params.l2)

    def _numeric_split(self, feature: int, histogram: list[complex], counts: list[int]) -> _Split | None:
        total, rows = sum(histogram, 0j), sum(counts)
        parent = self._score(total)
        missing, missing_rows = histogram[0], counts[0]
        least = self.params.min_leaf_rows
        best: _Split | None = None
        left, left_rows = 0j, 0
        for cut in range(1, len(histogram) - 1):
            left += histogram[cut]
            left_rows += counts[cut]
            if not counts[cut]:
                continue
            for missing_left in (False, True):
                side = left + missing if missing_left else left
                side_rows = left_rows + missing_rows if missing_left else left_rows
                if side_rows < least or rows - side_rows < least:
                    continue
                gain = self._score(side) + self._score(total - side) - parent
                if gain > 0 and (best is None or gain > best.gain):
                    best = _Split(gain, feature, cut, frozenset(), missing_left)
        return best

    def _categorical_split(self, feature: int, histogram: list[complex], counts: list[int]) -> _Split | None:
        smoothing = self.params.category_smoothing
        present = [level for level, count in enumerate(counts) if count]
        if len(present) < 2:  # noqa: PLR2004 - a split needs two levels
            return None
        present.sort(key=lambda level: histogram[level].real / (histogram[level].imag + smoothing))
        total, rows = sum(histogram, 0j), sum(counts)
        parent = self._score(total)
        least = self.params.min_leaf_rows
        best_gain, best_size = 0.0, 0
        left, left_rows = 0j, 0
        for size, level in enumerate(present[:-1], start=1):
            left += histogram[level]
            left_rows += counts[level]
            if left_rows < least or rows - left_rows < least:
                continue
            gain = self._score(left) + self._score(total - left) - parent
            if gain > best_gain:
                best_gain, best_size = gain, size
        if not best_size:
            return None
        return _Split(best_gain, feature, 0, frozenset(present[:best_size]), False)


def _goes_left(node: FittedNode, bin_: int) -> bool:
    if node.levels:
        return bin_ in node.levels
    if bin_ == 0:
        return node.missing_left
    return bin_ <= node.cut
