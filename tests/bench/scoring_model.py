"""Predictive scoring benchmark: how well leadflow's learned lead score ranks real leads, next to hand-set rules.

Reads ../shared/data/leads_scoring/Leads.csv (9,240 leads of an education company, outcome `Converted`) through
`leadflow model`'s own CSV reader, splits it 70/30 stratified with a seed, trains the predictive model on the 70%
and scores the held-out 30%. The columns sales fills in after contact (Tags, Lead Quality, Lead Profile, the
Asymmetrique scores, Last Notable Activity) and the identifiers are left out: they would teach the model the answer.
The rules model is what a marketer would write without any data: a few points for time on the website, lead origin,
occupation, source and last activity. Both are measured on the same rows with the same ROC AUC and top-decile lift.

    .venv/bin/python -m tests.bench.scoring_model [--seed 42] [--data PATH] [--examples 3]"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from leadflow.domain.model_metrics import roc_auc, stratified_split, top_decile_lift
from leadflow.domain.predictive_features import Record, numeric_value
from leadflow.domain.predictive_model import predict, train

from infra.cli.model import excluded_columns, outcomes
from infra.cli.tables import Cells, read_table

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
GOAL_AUC = 0.89


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
class Result:
    name: str
    auc: float
    lift: float
    train_seconds: float | None
    score_ms_per_1k: float


def measure(name: str, score: Callable[[Cells], float], rows: list[Cells], labels: list[int]) -> Result:
    started = time.perf_counter()
    scores = [score(row) for row in rows]
    elapsed = time.perf_counter() - started
    per_1k = elapsed / len(rows) * 1000 * 1000
    return Result(name, roc_auc(labels, scores), top_decile_lift(labels, scores), None, per_1k)


def run(data: Path, seed: int, examples: int) -> None:
    table = read_table(data)
    rows, labels, _ = outcomes(table, TARGET)
    excluded = excluded_columns(EXCLUDE, table)
    split = stratified_split(rows, labels, 0.3, seed)
    positives = sum(labels)
    print(
        f"{data.name}: {len(rows)} leads, {positives} converted ({positives / len(rows):.1%}); train "
        f"{len(split.train_rows)} / test {len(split.test_rows)} (stratified, seed {seed}); "
        f"{len(excluded)} columns excluded"
    )

    started = time.perf_counter()
    model = train(split.train_rows, split.train_labels, target=TARGET, now=datetime.now(UTC), exclude=excluded)
    trained = time.perf_counter() - started
    learned = measure(
        "predictive (logistic)", lambda row: predict(model, row).probability, split.test_rows, split.test_labels
    )
    learned = Result(learned.name, learned.auc, learned.lift, trained, learned.score_ms_per_1k)
    rules = measure(f"rules ({len(RULES)} rules)", rules_score, split.test_rows, split.test_labels)

    print(f"\n{'model':24}{'ROC AUC':>9}{'lift@10%':>10}{'train':>9}{'score/1k rows':>15}")
    for result in (learned, rules):
        train_time = f"{result.train_seconds:.2f}s" if result.train_seconds is not None else "-"
        print(
            f"{result.name:24}{result.auc:>9.4f}{result.lift:>10.2f}{train_time:>9}{result.score_ms_per_1k:>12.1f} ms"
        )
    verdict = "met" if learned.auc >= GOAL_AUC else "NOT met"
    size = len(model.model_dump_json().encode())
    print(
        f"\ngoal ROC AUC >= {GOAL_AUC} on the held-out 30%: {verdict}  |  model {model.features.width} features "
        f"over {len(model.features.columns)} columns, {size:,} bytes of JSON"
    )
    for row in split.test_rows[:examples]:
        prediction = predict(model, row)
        reasons = "; ".join(str(reason) for reason in prediction.reasons)
        print(f"  {TARGET}={row[TARGET]}  p={prediction.probability:.2f}  rules={rules_score(row):g}  {reasons}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data", type=Path, default=DATA, help="the Leads.csv file")
    parser.add_argument("--examples", type=int, default=3, metavar="N", help="print N held-out leads with reasons")
    args = parser.parse_args(argv)
    run(args.data, args.seed, args.examples)


if __name__ == "__main__":
    main()
