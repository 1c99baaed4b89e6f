"""The leads file of `leadflow dedupe` read row by row: its header (which columns are where) and each lead's values,
checked as they are read, every problem an InputError naming its line."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Final

from infra.cli.csv_files import OTHER_DELIMITERS, InputError, NumberedLines, unclosed_quote_line

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

_DELIMITER_NAMES: Final = {";": ";-separated", "\t": "tab-separated", "|": "|-separated"}


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
    for delimiter, plural in OTHER_DELIMITERS.items():
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
