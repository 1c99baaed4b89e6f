"""`leadflow dedupe`: list the duplicate leads in a CSV file, judged by the pipeline's own matching code.

    leadflow dedupe leads.csv --out pairs.csv [--config infra/config/matching.yaml] [--no-progress]

The input is a comma-separated UTF-8 file whose first line names its columns: lead_id, first_name, last_name,
email, phone, company, title, city, state, postcode, country, in any order and any case. Only lead_id is required
(one unique, non-empty id per row); other columns are ignored with a note. The output has one line per pair of
leads that are the same person (`merge`) or may be (`possible`): lead_id_1, lead_id_2, decision, probability and
the evidence, the per-field similarities behind the decision, strongest first.

A problem with the input or the output file is reported on stderr as one message naming the line it is on, and
the command exits with status 2; nothing is written then."""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from infra.local.template import REPO_ROOT

if TYPE_CHECKING:
    from leadflow.domain.matching import Evidence, MatchRecord, MatchThresholds, PairDecision

#: The columns the matching code reads, in the order of MatchRecord's fields; lead_id becomes its record_id.
COLUMNS: Final = (
    "lead_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "title",
    "city",
    "state",
    "postcode",
    "country",
)
OUTPUT_COLUMNS: Final = ("lead_id_1", "lead_id_2", "decision", "probability", "evidence")
DEFAULT_CONFIG: Final = REPO_ROOT / "infra" / "config" / "matching.yaml"
EXIT_BAD_INPUT: Final = 2
EXIT_INTERRUPTED: Final = 130
#: find_duplicates skips a blocking key shared by more leads than this: such a key is not about one person.
MAX_BLOCK: Final = 200
MISSING: Final = "missing"  # the evidence level of a field one of the two records has no value for

_UTF8_BOM: Final = b"\xef\xbb\xbf"
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")
_OTHER_DELIMITERS: Final = {";": "semicolons", "\t": "tabs", "|": "pipes"}
_DELIMITER_NAMES: Final = {";": ";-separated", "\t": "tab-separated", "|": "|-separated"}
_REEXPORT: Final = 're-export it as UTF-8 (in Excel: Save As, "CSV UTF-8 (Comma delimited)")'


_HELP: Final = """\
List the duplicate leads in a CSV file, judged by the pipeline's own matching code.

INPUT.csv: comma-separated, UTF-8, a header line naming the columns (any order, any case): lead_id (required,
unique), first_name, last_name, email, phone, company, title, city, state, postcode, country.
OUTPUT.csv: lead_id_1, lead_id_2, decision (merge or possible), probability, evidence.
Exit status 2 on bad input, with a message naming the line."""


class InputError(Exception):
    """A problem with the files the user gave, told in one message (naming the file and line) without a traceback."""


# --- reading the input ------------------------------------------------------------------------------------------


class NumberedLines:
    """The input's lines as text, decoded strictly as UTF-8 one line at a time, so that an error names its line and
    byte. Lines end at \\n, \\r\\n or a lone \\r (old Mac exports). A UTF-8 byte-order mark is skipped. `record`
    keeps the lines of the CSV record being read, for messages about quoting."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self._stream = stream
        self._name = name
        self._queue: list[bytes] = []
        self.number = 0
        self.offset = 0
        self.record: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if not self._queue:
            self._queue = self._stream.readline().splitlines(keepends=True)[::-1]
            if not self._queue:
                raise StopIteration
        raw = self._queue.pop()
        self.number += 1
        start = self.offset
        self.offset += len(raw)
        if self.number == 1:
            raw, start = self._skip_bom(raw, start)
        text = self._decode(raw, start)
        self.record.append((self.number, text))
        return text

    def _skip_bom(self, raw: bytes, start: int) -> tuple[bytes, int]:
        if raw.startswith(_UTF16_BOMS):
            raise InputError(
                f"{self._name}: line 1: the file is UTF-16 (it starts with a UTF-16 byte-order mark); {_REEXPORT}"
            )
        if raw.startswith(_UTF8_BOM):
            return raw[len(_UTF8_BOM) :], start + len(_UTF8_BOM)
        return raw, start

    def _decode(self, raw: bytes, start: int) -> str:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = raw[exc.start : exc.start + 1].hex()
            raise InputError(
                f"{self._name}: line {self.number}: byte 0x{byte} at byte offset {start + exc.start} "
                f"(byte {exc.start + 1} of the line) is not UTF-8; the file is probably Latin-1 or Windows-1252: "
                f"{_REEXPORT}"
            ) from None
        if "\x00" in text:
            raise InputError(f"{self._name}: line {self.number}: contains NUL bytes; is the file UTF-16? {_REEXPORT}")
        return text


@dataclass(frozen=True)
class Header:
    """Where each known column is, how many columns the header names, and the columns that are not used."""

    positions: dict[str, int]
    width: int
    ignored: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LeadRow:
    """One input row: the line it starts on and its known columns' values (stripped; None when empty)."""

    line: int
    values: dict[str, str | None]

    @property
    def lead_id(self) -> str:
        lead_id = self.values["lead_id"]
        assert lead_id is not None  # read_leads refuses a row without one
        return lead_id


class LeadReader:
    """Reads lead rows from a CSV byte stream, checking as it goes; every problem is an InputError naming its line.

    Rows are yielded one at a time (nothing but the ids seen so far is kept), so a large file streams."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self.name = name
        self.lines = NumberedLines(stream, name)
        self._reader = csv.reader(self.lines, strict=True)

    def header(self) -> Header:
        cells = self._next_record()
        if cells is None:
            raise InputError(f"{self.name} is empty; the first line must name the columns ({', '.join(COLUMNS)})")
        return parse_header(cells, self.name)

    def rows(self, header: Header) -> Iterator[LeadRow]:
        seen: dict[str, int] = {}
        while True:
            line = self._reader.line_num + 1
            cells = self._next_record()
            if cells is None:
                return
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, or one of only commas
            row = parse_row(cells, header, line, self.name)
            first = seen.setdefault(row.lead_id, line)
            if first != line:
                raise InputError(
                    f"{self.name}: line {line}: lead_id {row.lead_id!r} is already used on line {first}; "
                    "each row needs its own lead_id"
                )
            yield row

    def _next_record(self) -> list[str] | None:
        self.lines.record.clear()
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise self._quoting_problem(exc) from None

    def _quoting_problem(self, exc: csv.Error) -> InputError:
        text = str(exc)
        opened = unclosed_quote_line(self.lines.record)
        if opened is not None and ("end of data" in text or "field limit" in text):
            return InputError(
                f"{self.name}: line {opened}: a quoted value starts on this line but its closing quote is missing "
                f"(read on to line {self.lines.number} looking for it)"
            )
        line = self._reader.line_num
        if "expected after" in text:
            return InputError(
                f"{self.name}: line {line}: text follows the closing quote of a quoted value; a quote inside a "
                'quoted value must be doubled ("")'
            )
        return InputError(f"{self.name}: line {line}: cannot read the CSV here: {text}")


def parse_header(cells: list[str], name: str) -> Header:
    """Map the header's column names (trimmed, any case) to positions; refuse a header leadflow cannot use."""
    if not any(cell.strip() for cell in cells):
        raise InputError(
            f"{name}: line 1: the header is blank; the first line must name the columns ({', '.join(COLUMNS)})"
        )
    if len(cells) == 1:
        _check_delimiter(cells[0], name)
    names = [cell.strip().lower() for cell in cells]
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, column in enumerate(names):
        if column not in COLUMNS:
            ignored.append(cells[index].strip() or f"(unnamed column {index + 1})")
        elif column in positions:
            raise InputError(
                f"{name}: line 1: the header names {column} twice (columns {positions[column] + 1} and {index + 1})"
            )
        else:
            positions[column] = index
    if "lead_id" not in positions:
        found = ", ".join(cell.strip() for cell in cells)
        raise InputError(
            f"{name}: line 1: the header has no lead_id column (it has: {found}); each row needs a lead_id"
        )
    return Header(positions=positions, width=len(cells), ignored=ignored)


def _check_delimiter(line: str, name: str) -> None:
    for delimiter, plural in _OTHER_DELIMITERS.items():
        if delimiter in line:
            raise InputError(
                f"{name}: line 1: the header has no commas but has {plural} — is the file "
                f"{_DELIMITER_NAMES[delimiter]}? leadflow expects commas"
            )


def parse_row(cells: list[str], header: Header, line: int, name: str) -> LeadRow:
    """The known columns' values of one row; a row may be short (missing values are empty) but not long."""
    if len(cells) > header.width:
        raise InputError(
            f"{name}: line {line}: {len(cells)} values but the header names {header.width} columns; "
            "quote any value that contains a comma"
        )
    values: dict[str, str | None] = {
        column: (cells[index].strip() or None) if index < len(cells) else None
        for column, index in header.positions.items()
    }
    if values["lead_id"] is None:
        raise InputError(f"{name}: line {line}: lead_id is empty; each row needs a lead_id")
    return LeadRow(line=line, values=values)


def unclosed_quote_line(lines: Iterable[tuple[int, str]]) -> int | None:
    """The number of the line where a quoted value opens and never closes, in one CSV record's lines; None if none."""
    opened: int | None = None
    state = "start"
    for number, text in lines:
        for char in text:
            state = _quote_scan_step(state, char)
            if state == "opened":
                state, opened = "quoted", number
    return opened if state == "quoted" else None


def _quote_scan_step(state: str, char: str) -> str:
    """The scan of unclosed_quote_line after `char`, from `state`: start (of a field), unquoted, quoted, closing
    (just after a quote inside a quoted value: the end of the value or the first of a doubled quote) or opened."""
    if state == "quoted":
        return "closing" if char == '"' else "quoted"
    if char == '"' and state in ("start", "closing"):
        return "opened" if state == "start" else "quoted"
    return "start" if char in ",\r\n" else "unquoted"


# --- matching ---------------------------------------------------------------------------------------------------


def load_thresholds(path: Path) -> MatchThresholds:
    """The match thresholds from a `matching` config document, validated as `leadflow config-push` does."""
    import yaml
    from leadflow.models.rules import parse_ruleset

    try:
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the matching config: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid YAML file: {exc}") from None
    if not isinstance(body, dict):
        raise InputError(f"{path}: expected a matching config document (a YAML mapping)")
    try:
        return parse_ruleset("matching", body).thresholds
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None


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


def output_row(pair: PairDecision) -> list[str]:
    return [pair.id_1, pair.id_2, pair.decision, f"{pair.probability:.4f}", evidence_summary(pair)]


# --- the command ------------------------------------------------------------------------------------------------


@dataclass
class Summary:
    leads: int = 0
    decisions: dict[str, int] = field(default_factory=lambda: {"merge": 0, "possible": 0})


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


def dedupe(source: IO[bytes], name: str, target: IO[str], config: Path, show_progress: bool) -> Summary:
    """Read the leads from `source`, find the duplicate pairs and write them to `target` as CSV."""
    from leadflow.domain.matching import DedupeStats, find_duplicates

    thresholds = load_thresholds(config)
    reader = LeadReader(source, name)
    header = reader.header()
    if header.ignored:
        print(f"note: ignoring column(s) not used for matching: {', '.join(header.ignored)}", file=sys.stderr)
    summary, stats = Summary(), DedupeStats()
    progress = Progress(show_progress, _size(source))

    def records() -> Iterator[MatchRecord]:
        for row in reader.rows(header):
            summary.leads += 1
            progress.read_to(reader.lines.offset)
            yield to_record(row, name)
        progress.start_comparing(summary.leads)

    try:
        found = find_duplicates(records(), thresholds, max_block=MAX_BLOCK, progress=progress.compared, stats=stats)
        pairs = sorted(found, key=_output_order)
    finally:
        progress.close()
    if stats.oversized_blocks:
        print(
            f"note: {stats.oversized_blocks} blocking key(s) shared by more than {MAX_BLOCK} leads were skipped "
            f"(the largest by {stats.largest_block}); leads found only through them were not compared",
            file=sys.stderr,
        )
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(OUTPUT_COLUMNS)
    for pair in pairs:
        summary.decisions[pair.decision] += 1
        writer.writerow(output_row(pair))
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


def _open_input(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from None


def _open_output(path: Path, source: Path) -> IO[str]:
    """A temporary file beside `path`, renamed over it once the output is complete (see _finish_output)."""
    if path.exists() and source.exists() and path.samefile(source):
        raise InputError(f"{path}: --out names the input file; give another file name")
    if path.is_dir():
        raise InputError(f"{path}: --out is a directory; give a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{path}: cannot write the output: permission denied")
    directory = path.parent
    if not directory.is_dir():
        raise InputError(f"{path}: cannot write the output: the folder {directory} does not exist")
    try:
        return tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", dir=directory, prefix=f".{path.name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise InputError(f"{path}: cannot write the output: {exc.strerror or exc}") from None


def _finish_output(target: IO[str], path: Path, complete: bool) -> None:
    target.close()
    if not complete:
        Path(target.name).unlink(missing_ok=True)
        return
    try:
        os.replace(target.name, path)
    except OSError as exc:
        Path(target.name).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write the output: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    """The `leadflow dedupe` command, given its parsed arguments; returns the exit status."""
    show_progress = not args.no_progress and sys.stderr.isatty()
    try:
        with _open_input(args.input) as source:
            target = _open_output(args.out, args.input)
            complete = False
            try:
                summary = dedupe(source, str(args.input), target, args.config, show_progress)
                complete = True
            finally:
                _finish_output(target, args.out, complete)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; nothing written", file=sys.stderr)
        return EXIT_INTERRUPTED
    counts = ", ".join(f"{count} {decision}" for decision, count in summary.decisions.items())
    print(f"{summary.leads} leads: {sum(summary.decisions.values())} pair(s) ({counts}) written to {args.out}")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments, on its own parser (main) or on the `leadflow dedupe` subcommand's."""
    parser.description, parser.epilog = _HELP.split("\n\n", 1)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("input", type=Path, metavar="INPUT.csv", help="the leads, a UTF-8 CSV file with a header")
    parser.add_argument("--out", type=Path, required=True, metavar="OUTPUT.csv", help="where to write the pairs")
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
