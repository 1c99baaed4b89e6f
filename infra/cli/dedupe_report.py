"""The match report `leadflow dedupe` prints: what a RevOps lead asks before trusting a run with their lead table.
How many people the file holds, how big the groups are, which rule found the pairs, how sure the model is of them,
and the precision to expect from the merges at the chosen threshold."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from leadflow.domain.match_batch import PairDecision
    from leadflow.domain.match_clusters import Clusters
    from leadflow.models.rules import MatchingRuleSet

SIZE_BINS: Final = ((1, 1, "1"), (2, 2, "2"), (3, 3, "3"), (4, 5, "4-5"), (6, 10, "6-10"), (11, 10**9, "11+"))
#: Upper edges of the probability bands above the `possible` threshold (the merge threshold is added).
BAND_EDGES: Final = (0.8, 0.9, 0.99, 0.999)


@dataclass(frozen=True)
class MatchReport:
    leads: int
    clusters: int
    sizes: dict[str, int]
    by_rule: dict[str, int]
    bands: list[tuple[str, int, int]]  # band, merge pairs, possible pairs
    held_back: int
    probability_merges: int
    expected_precision: float | None
    merge_threshold: float
    fitted: bool

    @classmethod
    def of(cls, pairs: list[PairDecision], clusters: Clusters, rules: MatchingRuleSet) -> MatchReport:
        sizes = clusters.sizes()
        histogram = Counter(label for size in sizes.values() for low, high, label in SIZE_BINS if low <= size <= high)
        by_rule = Counter(f"{pair.decision} by {pair.rule}" for pair in pairs)
        from leadflow.domain.matching import thresholds_for

        thresholds = thresholds_for(rules.thresholds, rules.model)
        edges = sorted({thresholds.possible, *(e for e in BAND_EDGES if e > thresholds.possible), thresholds.merge})
        bands = []
        for low, high in zip(edges, [*edges[1:], 1.0000001], strict=True):
            inside = [pair for pair in pairs if low <= pair.probability < high]
            label = f"[{low:g}, {min(high, 1.0):g}{')' if high <= 1 else ']'}"
            bands.append(
                (label, sum(p.decision == "merge" for p in inside), sum(p.decision == "possible" for p in inside))
            )
        by_probability = [pair.probability for pair in pairs if pair.decision == "merge" and pair.rule == "probability"]
        return cls(
            leads=len(clusters.of),
            clusters=len(sizes),
            sizes={label: histogram.get(label, 0) for _, _, label in SIZE_BINS},
            by_rule=dict(sorted(by_rule.items())),
            bands=bands,
            held_back=len(clusters.held_back),
            probability_merges=len(by_probability),
            expected_precision=sum(by_probability) / len(by_probability) if by_probability else None,
            merge_threshold=thresholds.merge,
            fitted=rules.model is not None,
        )

    def render(self) -> str:
        lines = [
            f"match report: {self.leads} leads in {self.clusters} clusters "
            f"({self.leads - self.clusters} leads merged into another)",
            "  cluster sizes: " + ", ".join(f"{label}: {count}" for label, count in self.sizes.items() if count),
            "  pairs by rule: " + (", ".join(f"{rule} {count}" for rule, count in self.by_rule.items()) or "none"),
            "  pairs by probability (merge / possible):",
            *(f"    {label:<16}{merge:>7} / {possible}" for label, merge, possible in self.bands if merge or possible),
        ]
        if self.held_back:
            lines.append(
                f"  merges held back: {self.held_back} (they would have joined two people's names in one cluster)"
            )
        model = "the fitted model" if self.fitted else "the hand-set weights"
        if self.expected_precision is not None:
            lines.append(
                f"  expected precision of the {self.probability_merges} merges by probability (>= "
                f"{self.merge_threshold:g}): {self.expected_precision:.4f}, by {model}"
            )
        return "\n".join(lines)
