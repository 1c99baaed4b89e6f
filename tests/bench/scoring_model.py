"""Predictive scoring benchmark: how well leadflow's learned lead score ranks real leads, next to hand-set rules.

Reads ../shared/data/leads_scoring/Leads.csv (9,240 leads of an education company, outcome `Converted`) through
`leadflow model`'s own CSV reader and, for each seed, splits it 70/30 stratified, trains the predictive models on
the 70% and scores the held-out 30%: the boosted trees (what the trainer publishes with enough outcomes), the
logistic model (its fallback with few) and a rules model. The columns sales fills in after contact (Tags, Lead
Quality, Lead Profile, the Asymmetrique scores, Last Notable Activity) and the identifiers are left out: they would
teach the model the answer. The rules model is what a marketer would write without any data: a few points for time
on the website, lead origin, occupation, source and last activity. Per seed: ROC AUC of each, the boosted model's
top-decile lift, calibration (ECE over 10 bins), training time and size; then the means and the boosted model's
reliability table over all seeds' held-out leads. scikit-learn's HistGradientBoostingClassifier is shown as a
reference when it is installed in the environment (it is not a dependency of leadflow).

`--per-class 50 100 200 400` also trains both kinds on fewer outcomes (that many of the rarer kind, the share of
positives kept) and prints their ROC AUC: the curve behind the boosted model's minimum of outcomes.

    .venv/bin/python -m tests.bench.scoring_model [--seeds 1 2 3 4 5] [--data PATH] [--examples 3]
        [--per-class N ...]"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from leadflow.domain.model_metrics import roc_auc, stratified_split, top_decile_lift
from leadflow.domain.predictive_features import Record, numeric_value
from leadflow.domain.predictive_model import MIN_EXAMPLES, ModelKind, PredictiveModel, predict, train

from infra.cli.model import excluded_columns, outcomes
from infra.cli.tables import Cells, read_table
from tests.bench.scoring_reference import reference_auc

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "leads_scoring" / "Leads.csv"
TARGET = "Converted"
#: Filled in by sales after contact (so known only once the outcome nearly is), and identifiers.
EXCLUDE = [
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Asymmetrique*",
    "Last Notable Activity",
    "Prospect ID",
    "Lead Number",
]
SEEDS = [1, 2, 3, 4, 5]
GOAL_AUC = 0.90
HOLDOUT = 0.3
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Rule:
    label: str
    test: Callable[[Record], bool]
    points: int


def equals(column: str, *values: str) -> Callable[[Record], bool]:
    wanted = {value.casefold() for value in values}
    return lambda record: str(record.get(column) or "").casefold() in wanted


def at_least(column: str, threshold: float) -> Callable[[Record], bool]:
    return lambda record: (numeric_value(record.get(column)) or 0.0) >= threshold


#: Points a marketer would set by hand: engaged visitors, people who asked to be contacted, working professionals and
#: referrals up; chat-only contacts, students and people who opted out of email down.
RULES = [
    Rule("time on website >= 15 min", at_least("Total Time Spent on Website", 900), 25),
    Rule("time on website >= 5 min", at_least("Total Time Spent on Website", 300), 10),
    Rule("5+ visits", at_least("TotalVisits", 5), 5),
    Rule("origin: lead add form", equals("Lead Origin", "Lead Add Form"), 30),
    Rule("origin: landing page", equals("Lead Origin", "Landing Page Submission"), 5),
    Rule("source: reference or partner site", equals("Lead Source", "Reference", "Welingak Website"), 20),
    Rule("source: chat", equals("Lead Source", "Olark Chat"), -5),
    Rule("working professional", equals("What is your current occupation", "Working Professional"), 25),
    Rule("student", equals("What is your current occupation", "Student"), -5),
    Rule("last activity: SMS sent", equals("Last Activity", "SMS Sent"), 20),
    Rule("last activity: email opened", equals("Last Activity", "Email Opened"), 5),
    Rule("last activity: chat or bounce", equals("Last Activity", "Olark Chat Conversation", "Email Bounced"), -10),
    Rule("do not email", equals("Do Not Email", "Yes"), -15),
]


def rules_score(record: Mapping[str, str | None]) -> float:
    return float(sum(rule.points for rule in RULES if rule.test(record)))


@dataclass(frozen=True)
class SeedResult:
    seed: int
    boosted_auc: float
    logistic_auc: float
    rules_auc: float
    reference_auc: float | None
    boosted_lift: float
    ece: float
    train_seconds: float
    logistic_seconds: float
    score_ms_per_1k: float
    model_bytes: int
    trees: int
    probabilities: list[float]
    labels: list[int]
    model: PredictiveModel
    test_rows: list[Cells]


def timed_train(
    rows: list[Cells], labels: list[int], excluded: list[str], kind: ModelKind, *, min_examples: int = MIN_EXAMPLES
) -> tuple[PredictiveModel, float]:
    started = time.perf_counter()
    model = train(
        rows, labels, target=TARGET, now=datetime.now(UTC), exclude=excluded, kind=kind, min_examples=min_examples
    )
    return model, time.perf_counter() - started


def reliability(probabilities: Sequence[float], labels: Sequence[int]) -> list[tuple[int, float, float]]:
    """Per tenth of the probability range: how many leads, their mean predicted probability, the share converted."""
    bins: list[list[tuple[float, int]]] = [[] for _ in range(CALIBRATION_BINS)]
    for probability, label in zip(probabilities, labels, strict=True):
        bins[min(CALIBRATION_BINS - 1, int(probability * CALIBRATION_BINS))].append((probability, label))
    return [
        (len(members), statistics.fmean(p for p, _ in members), statistics.fmean(y for _, y in members))
        if members
        else (0, 0.0, 0.0)
        for members in bins
    ]


def expected_calibration_error(probabilities: Sequence[float], labels: Sequence[int]) -> float:
    """The gap between predicted and observed conversion, averaged over the bins weighted by their leads."""
    table = reliability(probabilities, labels)
    return sum(count * abs(predicted - observed) for count, predicted, observed in table) / len(labels)


def run_seed(rows: list[Cells], labels: list[int], excluded: list[str], seed: int) -> SeedResult:
    split = stratified_split(rows, labels, HOLDOUT, seed)
    boosted, seconds = timed_train(split.train_rows, split.train_labels, excluded, "boosted")
    logistic, logistic_seconds = timed_train(split.train_rows, split.train_labels, excluded, "logistic")
    started = time.perf_counter()
    probabilities = [predict(boosted, row).probability for row in split.test_rows]
    per_1k = (time.perf_counter() - started) / len(split.test_rows) * 1e6
    test_labels = split.test_labels
    return SeedResult(
        seed=seed,
        boosted_auc=roc_auc(test_labels, probabilities),
        logistic_auc=roc_auc(test_labels, [predict(logistic, row).probability for row in split.test_rows]),
        rules_auc=roc_auc(test_labels, [rules_score(row) for row in split.test_rows]),
        reference_auc=reference_auc(
            boosted.features, split.train_rows, split.train_labels, split.test_rows, test_labels
        ),
        boosted_lift=top_decile_lift(test_labels, probabilities),
        ece=expected_calibration_error(probabilities, test_labels),
        train_seconds=seconds,
        logistic_seconds=logistic_seconds,
        score_ms_per_1k=per_1k,
        model_bytes=len(boosted.model_dump_json().encode()),
        trees=len(boosted.trees),
        probabilities=probabilities,
        labels=test_labels,
        model=boosted,
        test_rows=split.test_rows,
    )


def print_results(results: list[SeedResult]) -> None:
    reference = all(result.reference_auc is not None for result in results)
    reference_header = f"{'sklearn HGB':>12}" if reference else ""
    print(
        f"\n{'seed':>4}{'boosted':>9}{'logistic':>9}{'rules':>8}{reference_header}"
        f"{'lift@10%':>9}{'ECE':>7}{'train':>8}{'(logistic)':>11}{'trees':>6}{'JSON':>9}{'score/1k':>10}"
    )
    for r in results:
        ref = f"{r.reference_auc:>12.4f}" if reference and r.reference_auc is not None else ""
        print(
            f"{r.seed:>4}{r.boosted_auc:>9.4f}{r.logistic_auc:>9.4f}{r.rules_auc:>8.4f}{ref}{r.boosted_lift:>9.2f}"
            f"{r.ece:>7.3f}{r.train_seconds:>7.1f}s{r.logistic_seconds:>10.1f}s{r.trees:>6}"
            f"{r.model_bytes / 1024:>7.0f}kB{r.score_ms_per_1k:>7.0f} ms"
        )
    mean = statistics.fmean
    ref_mean = f"{mean(r.reference_auc or 0.0 for r in results):>12.4f}" if reference else ""
    print(
        f"{'mean':>4}{mean(r.boosted_auc for r in results):>9.4f}{mean(r.logistic_auc for r in results):>9.4f}"
        f"{mean(r.rules_auc for r in results):>8.4f}{ref_mean}{mean(r.boosted_lift for r in results):>9.2f}"
        f"{mean(r.ece for r in results):>7.3f}{statistics.median(r.train_seconds for r in results):>7.1f}s"
        f"{statistics.median(r.logistic_seconds for r in results):>10.1f}s (train times: medians)"
    )
    pooled_p = [p for r in results for p in r.probabilities]
    pooled_y = [y for r in results for y in r.labels]
    print(
        f"\nboosted model's reliability over the {len(pooled_y):,} held-out leads of all seeds "
        f"(ECE {expected_calibration_error(pooled_p, pooled_y):.3f}):"
    )
    print(f"{'predicted':>12}{'leads':>7}{'mean predicted':>16}{'converted':>11}")
    for number, (count, predicted, observed) in enumerate(reliability(pooled_p, pooled_y)):
        band = f"{number / CALIBRATION_BINS:.1f}-{(number + 1) / CALIBRATION_BINS:.1f}"
        print(f"{band:>12}{count:>7}{predicted:>16.3f}{observed:>11.3f}" if count else f"{band:>12}{0:>7}")
    above = all(r.boosted_auc > r.logistic_auc for r in results)
    met = mean(r.boosted_auc for r in results) >= GOAL_AUC and above
    print(
        f"\ngoal mean ROC AUC >= {GOAL_AUC} and above the logistic model on every seed: {'met' if met else 'NOT met'}"
    )


def print_examples(result: SeedResult, count: int) -> None:
    print(f"\nheld-out leads of seed {result.seed}, the boosted model's reasons (log-odds against the average lead):")
    for row in result.test_rows[:count]:
        prediction = predict(result.model, row)
        reasons = "; ".join(str(reason) for reason in prediction.reasons)
        print(f"  {TARGET}={row[TARGET]}  p={prediction.probability:.2f}  rules={rules_score(row):g}  {reasons}")


def print_fallback_curve(
    rows: list[Cells], labels: list[int], excluded: list[str], seeds: list[int], sizes: list[int]
) -> None:
    """ROC AUC of both kinds trained on `size` outcomes of the rarer kind (and the matching number of the other),
    measured on the seed's whole held-out 30%."""
    print(f"\nfewer outcomes: mean ROC AUC over seeds {seeds} on the held-out 30%")
    print(f"{'per class':>10}{'boosted':>9}{'logistic':>9}{'boosted wins':>14}")
    for size in sizes:
        boosted, logistic = [], []
        for seed in seeds:
            split = stratified_split(rows, labels, HOLDOUT, seed)
            sample_rows, sample_labels = subsample(split.train_rows, split.train_labels, size, seed)
            kinds: tuple[tuple[ModelKind, list[float]], ...] = (("boosted", boosted), ("logistic", logistic))
            for kind, aucs in kinds:
                model, _ = timed_train(sample_rows, sample_labels, excluded, kind, min_examples=1)
                aucs.append(roc_auc(split.test_labels, [predict(model, row).probability for row in split.test_rows]))
        wins = sum(b > lg for b, lg in zip(boosted, logistic, strict=True))
        print(f"{size:>10}{statistics.fmean(boosted):>9.4f}{statistics.fmean(logistic):>9.4f}{wins:>10}/{len(seeds)}")


def subsample(rows: list[Cells], labels: list[int], rarer: int, seed: int) -> tuple[list[Cells], list[int]]:
    """`rarer` rows of the rarer outcome and as many of the other as keep the share of positives."""
    by_label = {label: [row for row, y in zip(rows, labels, strict=True) if y == label] for label in (0, 1)}
    small = min(by_label, key=lambda label: len(by_label[label]))
    take = {small: rarer, 1 - small: round(rarer * len(by_label[1 - small]) / len(by_label[small]))}
    rng = random.Random(seed)  # a reproducible sample
    picked = [(row, label) for label in (0, 1) for row in rng.sample(by_label[label], take[label])]
    return [row for row, _ in picked], [label for _, label in picked]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=SEEDS, metavar="SEED")
    parser.add_argument("--data", type=Path, default=DATA, help="the Leads.csv file")
    parser.add_argument("--examples", type=int, default=3, metavar="N", help="print N held-out leads with reasons")
    parser.add_argument(
        "--per-class", type=int, nargs="*", default=[], metavar="N", help="also train on fewer outcomes"
    )
    args = parser.parse_args(argv)
    table = read_table(args.data)
    rows, labels, _ = outcomes(table, TARGET)
    excluded = excluded_columns(EXCLUDE, table)
    positives = sum(labels)
    train_rows = len(rows) - round(positives * HOLDOUT) - round((len(rows) - positives) * HOLDOUT)
    print(
        f"{args.data.name}: {len(rows)} leads, {positives} converted ({positives / len(rows):.1%}); per seed: train "
        f"{train_rows} / test {len(rows) - train_rows} (stratified); {len(excluded)} columns excluded"
    )
    results = []
    for seed in args.seeds:
        results.append(run_seed(rows, labels, excluded, seed))
        print(f"seed {seed} done", flush=True)
    print_results(results)
    if args.examples:
        print_examples(results[0], args.examples)
    if args.per_class:
        print_fallback_curve(rows, labels, excluded, args.seeds, args.per_class)


if __name__ == "__main__":
    main()
