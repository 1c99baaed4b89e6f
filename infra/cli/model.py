"""`leadflow model`: bootstrap the predictive lead score from CRM history, with the pipeline's own feature code.

    leadflow model train INPUT.csv --target COLUMN [--exclude COLUMN ...] --out model.json [--holdout 0.3]
        [--kind boosted|logistic]
    leadflow model evaluate INPUT.csv --model model.json --target COLUMN
    leadflow model score INPUT.csv --model model.json --out OUTPUT.csv

INPUT.csv is any comma-separated UTF-8 table of leads with a header line: categorical and numeric columns, empty
cells meaning "unknown". The target column holds the outcome: 1/0, true/false, yes/no or won/lost; rows with it
empty are left out. A problem with a file is reported on stderr as one message naming the file (and the line), and
the command exits with status 2; no output file is written then."""

from __future__ import annotations

import argparse
import csv
import fnmatch
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from infra.cli.csv_files import EXIT_BAD_INPUT, EXIT_INTERRUPTED, InputError, write_atomically
from infra.cli.tables import Cells, Table, read_table

if TYPE_CHECKING:
    from leadflow.domain.predictive_model import PredictiveModel

__all__ = ["SCORE_COLUMNS", "add_arguments", "excluded_columns", "load_model", "main", "outcomes"]

SCORE_COLUMNS: Final = ("probability", "reasons")
DEFAULT_SEED: Final = 42

_HELP: Final = """\
Learn the predictive lead score from leads whose outcome is known, measure it, and score leads with it.

INPUT.csv: comma-separated, UTF-8, a header line naming the columns; categorical and numeric columns, empty cells
unknown. The --target column holds 1/0, true/false, yes/no or won/lost; rows with it empty are left out.
Exit status 2 on bad input, with a message naming the file and line; no output is written then."""


def outcomes(table: Table, target: str) -> tuple[list[Cells], list[int], int]:
    """The rows with an outcome, their labels, and how many rows had none (left out)."""
    from leadflow.domain.predictive_model import outcome_label

    if target not in table.columns:
        raise InputError(
            f"{table.name}: no column {target!r} for --target (the header has: {', '.join(table.columns)})"
        )
    rows: list[Cells] = []
    labels: list[int] = []
    for row, line in zip(table.rows, table.lines, strict=True):
        try:
            label = outcome_label(row[target])
        except ValueError as exc:
            raise InputError(f"{table.name}: line {line}: column {target!r} (--target): {exc}") from None
        if label is not None:
            rows.append(row)
            labels.append(label)
    return rows, labels, len(table.rows) - len(rows)


def excluded_columns(patterns: list[str], table: Table) -> list[str]:
    """The columns named by --exclude, each an exact name or a shell pattern (Asymmetrique*); a pattern naming no
    column is refused, since a typo there would quietly train on what was meant to be left out."""
    chosen: dict[str, None] = {}
    for pattern in patterns:
        matched = [column for column in table.columns if column == pattern or fnmatch.fnmatchcase(column, pattern)]
        if not matched:
            raise InputError(f"{table.name}: --exclude {pattern!r} names no column of the header")
        chosen.update(dict.fromkeys(matched))
    return list(chosen)


def load_model(path: Path) -> PredictiveModel:
    from leadflow.domain.predictive_model import PredictiveModel
    from pydantic import ValidationError

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the model: {exc}") from None
    try:
        return PredictiveModel.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "the document"
        raise InputError(f"{path}: not a leadflow model ({where}: {first['msg']})") from None


def _train(args: argparse.Namespace) -> int:
    from leadflow.domain.model_metrics import stratified_split
    from leadflow.domain.predictive_model import train

    table = read_table(args.input)
    rows, labels, unlabelled = outcomes(table, args.target)
    excluded = excluded_columns(args.exclude, table)
    _note_unlabelled(unlabelled, args.target)
    test_rows: list[Cells] = []
    test_labels: list[int] = []
    if args.holdout:
        rows, labels, test_rows, test_labels = stratified_split(rows, labels, args.holdout, args.seed)
    started = time.perf_counter()
    model = train(
        rows,
        labels,
        target=args.target,
        now=datetime.now(UTC),
        exclude=excluded,
        kind=args.kind,
        min_examples=args.min_examples,
        min_per_class=args.min_per_class,
    )
    elapsed = time.perf_counter() - started
    print(
        f"trained on {model.training_rows} rows ({model.positives} positive) in {elapsed:.1f}s: {_kind(model)}, "
        f"{len(model.features.columns)} columns used, {len(excluded)} excluded"
    )
    for column, why in model.features.ignored.items():
        print(f"note: column {column!r} not used: {why}", file=sys.stderr)
    if test_rows:
        metrics = _measure(model, test_rows, test_labels, args.input)
        model = model.model_copy(update={"metrics": {**metrics, "holdout_rows": float(len(test_rows))}})
        print(f"held out {len(test_rows)} rows: {_describe(metrics)}")
    write_atomically(args.out, args.input, lambda stream: stream.write(model.model_dump_json()))
    print(f"model written to {args.out}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    table = read_table(args.input)
    rows, labels, unlabelled = outcomes(table, args.target)
    _note_unlabelled(unlabelled, args.target)
    _note_absent(model, table)
    metrics = _measure(model, rows, labels, args.input)
    print(f"{len(rows)} rows ({sum(labels)} positive): {_describe(metrics)}")
    return 0


def _score(args: argparse.Namespace) -> int:
    from leadflow.domain.predictive_model import predict

    model = load_model(args.model)
    table = read_table(args.input)
    _note_absent(model, table)
    columns = [column for column in table.columns if column not in SCORE_COLUMNS] + list(SCORE_COLUMNS)

    def write(stream: IO[str]) -> None:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for row in table.rows:
            prediction = predict(model, row)
            cells = [row[column] or "" for column in columns[:-2]]
            reasons = "; ".join(str(reason) for reason in prediction.reasons)
            writer.writerow([*cells, f"{prediction.probability:.4f}", reasons])

    started = time.perf_counter()
    write_atomically(args.out, args.input, write)
    elapsed = time.perf_counter() - started
    print(f"scored {len(table.rows)} rows in {elapsed:.1f}s, written to {args.out}")
    return 0


def _measure(model: PredictiveModel, rows: list[Cells], labels: list[int], source: Path) -> dict[str, float]:
    from leadflow.domain.model_metrics import roc_auc, top_decile_lift
    from leadflow.domain.predictive_model import predict

    if not 0 < sum(labels) < len(labels):
        raise InputError(f"{source}: the rows to measure on need both outcomes (positive and negative)")
    scores = [predict(model, row).probability for row in rows]
    return {"roc_auc": roc_auc(labels, scores), "top_decile_lift": top_decile_lift(labels, scores)}


def _kind(model: PredictiveModel) -> str:
    if model.kind == "boosted":
        return f"boosted trees ({len(model.trees)} trees)"
    return "logistic regression"


def _describe(metrics: dict[str, float]) -> str:
    return f"ROC AUC {metrics['roc_auc']:.4f}, top-decile lift {metrics['top_decile_lift']:.2f}"


def _note_unlabelled(count: int, target: str) -> None:
    if count:
        print(f"note: {count} row(s) with no {target!r} value left out", file=sys.stderr)


def _note_absent(model: PredictiveModel, table: Table) -> None:
    absent = [column.name for column in model.features.columns if column.name not in table.columns]
    if absent:
        print(
            f"note: column(s) the model uses are not in the input, so count as unknown: {', '.join(absent)}",
            file=sys.stderr,
        )


def _run(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """The command with the input problems it may meet turned into one line on stderr and exit status 2."""

    def run(args: argparse.Namespace) -> int:
        from leadflow.domain.predictive_model import NotEnoughOutcomes

        try:
            return command(args)
        except (InputError, NotEnoughOutcomes) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except KeyboardInterrupt:
            print("interrupted; nothing written", file=sys.stderr)
            return EXIT_INTERRUPTED

    return run


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def _input_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, metavar="INPUT.csv", help="the leads: a UTF-8 CSV file with a header")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The train, evaluate and score subcommands, on the `leadflow model` parser (or a standalone one)."""
    from leadflow.domain.predictive_model import BOOSTING_MIN_PER_CLASS, MIN_EXAMPLES, MIN_PER_CLASS

    parser.description, parser.epilog = _HELP.split("\n\n", 1)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    commands = parser.add_subparsers(dest="model_command", required=True)

    train = commands.add_parser("train", help="learn a model from leads whose outcome is known")
    _input_argument(train)
    train.add_argument("--target", required=True, metavar="COLUMN", help="the outcome column")
    train.add_argument(
        "--exclude",
        nargs="+",
        action="extend",
        default=[],
        metavar="COLUMN",
        help="columns not to learn from (names or patterns such as 'Asymmetrique*'): identifiers, and anything "
        "filled in after the outcome was known",
    )
    train.add_argument("--out", type=Path, required=True, metavar="model.json")
    train.add_argument(
        "--holdout",
        type=_fraction,
        metavar="FRACTION",
        help="train on the rest and measure on this share of the rows (stratified); the saved model is the one "
        "measured, its figures stored with it",
    )
    train.add_argument("--seed", type=int, default=DEFAULT_SEED, help="the holdout split's seed")
    train.add_argument(
        "--kind",
        choices=["boosted", "logistic"],
        help=f"the kind of model (default: boosted trees with {BOOSTING_MIN_PER_CLASS} outcomes of each kind, "
        "logistic regression with fewer)",
    )
    train.add_argument("--min-examples", type=int, default=MIN_EXAMPLES, metavar="N")
    train.add_argument("--min-per-class", type=int, default=MIN_PER_CLASS, metavar="N")
    train.set_defaults(func=_run(_train))

    evaluate = commands.add_parser("evaluate", help="print a model's ROC AUC and top-decile lift on leads")
    _input_argument(evaluate)
    evaluate.add_argument("--model", type=Path, required=True, metavar="model.json")
    evaluate.add_argument("--target", required=True, metavar="COLUMN", help="the outcome column")
    evaluate.set_defaults(func=_run(_evaluate))

    score = commands.add_parser("score", help="add each lead's probability and top reasons to a CSV file")
    _input_argument(score)
    score.add_argument("--model", type=Path, required=True, metavar="model.json")
    score.add_argument("--out", type=Path, required=True, metavar="OUTPUT.csv")
    score.set_defaults(func=_run(_score))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="leadflow model")
    add_arguments(parser)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
