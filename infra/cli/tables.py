"""A CSV table of leads read whole for `leadflow model`: its header checked (each column named once) and its rows
with the lines they start on, every problem an InputError naming its line."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.cli.csv_files import OTHER_DELIMITERS, InputError, NumberedLines, open_input, unclosed_quote_line

Cells = dict[str, str | None]


@dataclass(frozen=True)
class Table:
    """A CSV file read whole: its header (trimmed) and its rows, each with the line it starts on. Empty cells are
    None, which the feature code treats as missing."""

    name: str
    columns: list[str]
    rows: list[Cells]
    lines: list[int]


def read_table(path: Path) -> Table:
    """The whole file, checked: UTF-8, a header naming each column once, no row wider than the header."""
    name = str(path)
    with open_input(path) as stream:
        numbered = NumberedLines(stream, name)
        reader = csv.DictReader(numbered, strict=True)
        columns = _header(reader, numbered, name)
        rows: list[Cells] = []
        lines: list[int] = []
        for line, raw in _records(reader, numbered, name):
            if None in raw:
                raise InputError(
                    f"{name}: line {line}: more values than the header has columns ({len(columns)}); "
                    "quote any value that contains a comma"
                )
            rows.append({column: _cell(raw.get(column)) for column in columns})
            lines.append(line)
    return Table(name=name, columns=columns, rows=rows, lines=lines)


def _header(reader: csv.DictReader[str], numbered: NumberedLines, name: str) -> list[str]:
    try:
        raw = reader.fieldnames
    except csv.Error as exc:
        raise _csv_problem(exc, numbered, name) from None
    if raw is None:
        raise InputError(f"{name} is empty; the first line must name the columns")
    columns = [column.strip() for column in raw]
    if not any(columns):
        raise InputError(f"{name}: line 1: the header is blank; the first line must name the columns")
    if len(columns) == 1:
        for delimiter, plural in OTHER_DELIMITERS.items():
            if delimiter in columns[0]:
                raise InputError(f"{name}: line 1: the header has no commas but has {plural}; leadflow expects commas")
    seen: dict[str, int] = {}
    for position, column in enumerate(columns, start=1):
        label = column or f"(unnamed column {position})"
        if seen.setdefault(label, position) != position:
            raise InputError(f"{name}: line 1: the header names {label!r} twice (columns {seen[label]} and {position})")
        columns[position - 1] = label
    reader.fieldnames = columns
    return columns


def _records(reader: csv.DictReader[str], numbered: NumberedLines, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row with the line it starts on; blank lines are skipped by DictReader."""
    while True:
        numbered.record.clear()
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _csv_problem(exc, numbered, name) from None
        line = next((number for number, text in numbered.record if text.strip()), reader.line_num)
        if None in raw or any(isinstance(value, str) and value.strip() for value in raw.values()):
            yield line, raw  # a line of only commas is as blank as an empty one


def _csv_problem(exc: csv.Error, numbered: NumberedLines, name: str) -> InputError:
    opened = unclosed_quote_line(numbered.record)
    if opened is not None:
        return InputError(f"{name}: line {opened}: a quoted value starts on this line but its closing quote is missing")
    return InputError(f"{name}: line {numbered.number}: cannot read the CSV here: {exc}")


def _cell(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None
