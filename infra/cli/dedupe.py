"""`leadflow dedupe`: list the duplicate leads in a CSV file, judged by the pipeline's own matching code.

    leadflow dedupe leads.csv --out pairs.csv [--config infra/config/matching.yaml] [--no-progress]
    leadflow dedupe leads.csv --train [--model-out infra/config/matching_model.yaml]

The input is a comma-separated UTF-8 file whose first line names its columns: lead_id, first_name, last_name,
email, phone, company, title, city, state, postcode, country, in any order and any case. Only lead_id is required
(one unique, non-empty id per row); other columns are ignored with a note. The output has one line per pair of
leads that are the same person (`merge`) or may be (`possible`): lead_id_1, lead_id_2, the cluster the pair's
first lead ends in, decision, the rule that decided it (`same email`, or `probability`), probability and the
evidence, the per-field similarities behind the decision, strongest first. A match report goes to stdout.

With --train nothing is matched: the matcher's weights are fitted on the file (leadflow.domain.match_training) and
written as the model file that `leadflow config-push` publishes with the `matching` rule set.

A problem with the input or the output file is reported on stderr as one message naming the line it is on, and
the command exits with status 2; nothing is written then."""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, TypeVar

from infra.cli import CONFIG_DIR
from infra.cli.csv_files import EXIT_BAD_INPUT, EXIT_INTERRUPTED, InputError, open_input
from infra.cli.dedupe_input import LeadReader, LeadRow
from infra.cli.dedupe_report import MatchReport

if TYPE_CHECKING:
    from leadflow.domain.match_batch import PairDecision
    from leadflow.domain.matching import Evidence, MatchRecord
    from leadflow.models.rules import MatchingRuleSet

OUTPUT_COLUMNS: Final = ("lead_id_1", "lead_id_2", "cluster_id", "decision", "rule", "probability", "evidence")
DEFAULT_CONFIG: Final = CONFIG_DIR / "matching.yaml"
T = TypeVar("T")

#: find_duplicates skips a blocking key shared by more leads than this: such a key is not about one person.
MAX_BLOCK: Final = 200
MISSING: Final = "missing"  # the evidence level of a field one of the two records has no value for

_HELP: Final = """\
List the duplicate leads in a CSV file, judged by the pipeline's own matching code.

INPUT.csv: comma-separated, UTF-8, a header line naming the columns (any order, any case): lead_id (required,
unique), first_name, last_name, email, phone, company, title, city, state, postcode, country.
OUTPUT.csv: lead_id_1, lead_id_2, cluster_id, decision (merge or possible), rule, probability, evidence.
A fitted model beside the config (matching_model.yaml) is used when there is one.
Exit status 2 on bad input, with a message naming the line."""


def load_rules(path: Path) -> MatchingRuleSet:
    """The `matching` rule set of a config document (with the fitted model file beside it, if any), validated as
    `leadflow config-push` does."""
    import yaml
    from leadflow.models.rules import MatchingRuleSet, parse_ruleset

    from infra.config_documents import with_model_file

    try:
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(body, dict):
            body = with_model_file("matching", body, path.parent)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the matching config: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid YAML file: {exc}") from None
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    if not isinstance(body, dict):
        raise InputError(f"{path}: expected a matching config document (a YAML mapping)")
    try:
        rules = parse_ruleset("matching", body)
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    assert isinstance(rules, MatchingRuleSet)
    return rules


def to_record(row: LeadRow, name: str) -> MatchRecord:
    """The row as the matching code's record; a value the record refuses is an InputError naming the line."""
    from leadflow.domain.matching import MatchRecord
    from pydantic import ValidationError

    fields = {column: value for column, value in row.values.items() if column != "lead_id"}
    try:
        return MatchRecord(record_id=row.lead_id, **fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors())
        raise InputError(f"{name}: line {row.line}: {problems}") from None


def evidence_summary(pair: PairDecision) -> str:
    """The evidence as "email=1.00; last_name=0.95; company=0.88": the similarity of each field both records have,
    the heaviest evidence for or against first; a rule that applied by its name alone; last, why a pair was only
    linked for review whatever its probability."""
    ranked = sorted((item for item in pair.evidence if item.level != MISSING), key=lambda item: -abs(item.weight))
    parts = [_describe_evidence(item) for item in ranked]
    if pair.review_only:
        parts.append(f"review only: {pair.review_only}")
    return "; ".join(parts)


def _describe_evidence(item: Evidence) -> str:
    if item.a_value is None and item.b_value is None:
        return item.field  # a rule about the pair (the namesake rule), not a comparison of values
    return f"{item.field}={item.similarity:.2f}"


def output_row(pair: PairDecision, cluster_id: str) -> list[str]:
    return [
        pair.id_1,
        pair.id_2,
        cluster_id,
        pair.decision,
        pair.rule,
        f"{pair.probability:.4f}",
        evidence_summary(pair),
    ]


@dataclass
class Summary:
    leads: int = 0
    decisions: dict[str, int] = field(default_factory=lambda: {"merge": 0, "possible": 0})
    report: MatchReport | None = None


class Progress:
    """Progress on stderr: a bar over the input's bytes while reading, then one over the leads while comparing.
    Disabled, it draws nothing."""

    def __init__(self, enabled: bool, size: int | None) -> None:
        self._enabled = enabled
        self._bar = _progress_bar(enabled, total=size, desc="reading", unit="B", unit_scale=True)

    def read_to(self, offset: int) -> None:
        self._bar.update(offset - self._bar.n)

    def start_comparing(self, leads: int) -> None:
        self._bar.close()
        self._bar = _progress_bar(self._enabled, total=leads, desc="comparing", unit=" leads")

    def compared(self, leads: int) -> None:
        self._bar.update(leads)

    def close(self) -> None:
        self._bar.close()


def read_records(source: IO[bytes], name: str, progress: Progress, summary: Summary) -> list[MatchRecord]:
    """Every lead of the file as a MatchRecord, checked as it is read."""
    reader = LeadReader(source, name)
    header = reader.header()
    if header.ignored:
        print(f"note: ignoring column(s) not used for matching: {', '.join(header.ignored)}", file=sys.stderr)
    records = []
    for row in reader.rows(header):
        summary.leads += 1
        progress.read_to(reader.lines.offset)
        records.append(to_record(row, name))
    return records


def dedupe(source: IO[bytes], name: str, target: IO[str], config: Path, show_progress: bool) -> Summary:
    """Read the leads from `source`, find the duplicate pairs and their clusters, and write them to `target`."""
    from leadflow.domain.match_batch import DedupeStats, find_duplicates
    from leadflow.domain.match_clusters import cluster
    from leadflow.domain.matching import prepare

    rules = load_rules(config)
    summary, stats = Summary(), DedupeStats()
    progress = Progress(show_progress, _size(source))
    try:
        records = read_records(source, name, progress, summary)
        progress.start_comparing(summary.leads)
        found = find_duplicates(
            records, rules.thresholds, model=rules.model, max_block=MAX_BLOCK, progress=progress.compared, stats=stats
        )
        pairs = sorted(found, key=_output_order)
    finally:
        progress.close()
    if stats.oversized_blocks:
        print(
            f"note: {stats.oversized_blocks} blocking key(s) shared by more than {MAX_BLOCK} leads were skipped "
            f"(the largest by {stats.largest_block}); leads found only through them were not compared",
            file=sys.stderr,
        )
    prepared = {record.record_id: prepare(record) for record in records}
    clusters = cluster(prepared, pairs, prepared)
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(OUTPUT_COLUMNS)
    for pair in pairs:
        summary.decisions[pair.decision] += 1
        writer.writerow(output_row(pair, clusters.of[pair.id_1]))
    summary.report = MatchReport.of(pairs, clusters, rules)
    return summary


def _output_order(pair: PairDecision) -> tuple[int, float, str, str]:
    """Merges first, then the likeliest pairs, so the pairs worth a look come first."""
    return (pair.decision != "merge", -pair.probability, pair.id_1, pair.id_2)


def _size(stream: IO[bytes]) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (OSError, ValueError):
        return None


def _progress_bar(enabled: bool, **options: Any) -> Any:
    from tqdm import tqdm  # type: ignore[import-untyped]

    return tqdm(disable=not enabled, file=sys.stderr, dynamic_ncols=True, **options)


def _check_output(path: Path, source: Path, option: str = "--out") -> None:
    """Refuse, before any work, an output `path` that cannot be written or would replace the input."""
    if path.exists() and source.exists() and path.samefile(source):
        raise InputError(f"{path}: {option} names the input file; give another file name")
    if path.is_dir():
        raise InputError(f"{path}: {option} is a directory; give a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{path}: cannot write the output: permission denied")
    if not path.parent.is_dir():
        raise InputError(f"{path}: cannot write the output: the folder {path.parent} does not exist")


def _open_output(path: Path, source: Path) -> IO[str]:
    """A temporary file beside `path`, renamed over it once the output is complete (see _finish_output)."""
    _check_output(path, source)
    try:
        return tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise InputError(f"{path}: cannot write the output: {exc.strerror or exc}") from None


def _write_output(path: Path, source: Path, write: Callable[[IO[str]], T]) -> T:
    """`write` into a temporary file beside `path`, then the file renamed over `path`; nothing is left on failure."""
    target = _open_output(path, source)
    complete = False
    try:
        written = write(target)
        complete = True
    finally:
        _finish_output(target, path, complete)
    return written


def _exit_status(command: Callable[[], object]) -> int:
    """Run `command`: 0, or the exit status of bad input (its message on stderr) or of an interruption."""
    try:
        command()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; nothing written", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def _finish_output(target: IO[str], path: Path, complete: bool) -> None:
    target.close()
    if not complete:
        Path(target.name).unlink(missing_ok=True)
        return
    try:
        Path(target.name).replace(path)
    except OSError as exc:
        Path(target.name).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write the output: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    """The `leadflow dedupe` command, given its parsed arguments; returns the exit status."""
    show_progress = not args.no_progress and sys.stderr.isatty()
    if args.train:
        args.model_out = args.model_out or args.config.parent / "matching_model.yaml"
        return run_training(args, show_progress)
    if args.out is None:
        print("error: --out OUTPUT.csv is required (or --train to fit the matcher's weights)", file=sys.stderr)
        return EXIT_BAD_INPUT

    def find_pairs() -> None:
        with open_input(args.input) as source:
            summary = _write_output(
                args.out, args.input, lambda target: dedupe(source, str(args.input), target, args.config, show_progress)
            )
        counts = ", ".join(f"{count} {decision}" for decision, count in summary.decisions.items())
        print(f"{summary.leads} leads: {sum(summary.decisions.values())} pair(s) ({counts}) written to {args.out}")
        if summary.report is not None:
            print(summary.report.render())

    return _exit_status(find_pairs)


def run_training(args: argparse.Namespace, show_progress: bool) -> int:
    """`--train`: fit the weights on the file and write the model file; nothing is written on bad input."""
    from infra.cli import dedupe_train

    def fit() -> None:
        _check_output(args.model_out, args.input, "--model-out")
        with open_input(args.input) as source:
            progress = Progress(show_progress, _size(source))
            try:
                records = read_records(source, str(args.input), progress, Summary())
            finally:
                progress.close()
        model = dedupe_train.train(records)
        _write_output(args.model_out, args.input, lambda target: dedupe_train.write_model(model, target))
        dedupe_train.report(model, args.model_out)

    return _exit_status(fit)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, on its own parser (main) or on the `leadflow dedupe` subcommand's."""
    parser.description, parser.epilog = _HELP.split("\n\n", 1)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("input", type=Path, metavar="INPUT.csv", help="the leads, a UTF-8 CSV file with a header")
    parser.add_argument("--out", type=Path, metavar="OUTPUT.csv", help="where to write the pairs")
    parser.add_argument(
        "--train",
        action="store_true",
        help="fit the matcher's weights on the file instead, and write them to --model-out",
    )
    parser.add_argument(
        "--model-out",
        type=Path,
        default=None,
        metavar="MODEL.yaml",
        help="where --train writes the fitted model (default: matching_model.yaml beside --config)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="the matching config with the merge and possible thresholds (default: infra/config/matching.yaml)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar (none is shown unless stderr is a terminal)"
    )
    parser.set_defaults(func=run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="leadflow dedupe")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
