"""Reading a user's CSV file and writing an output file safely, for the command-line tools: every problem is one
InputError naming the file (and the line and byte), told on stderr with exit status 2, never a traceback."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Final

EXIT_BAD_INPUT: Final = 2
EXIT_INTERRUPTED: Final = 130
#: Delimiters a spreadsheet may have exported instead of commas, named for the message that says so.
OTHER_DELIMITERS: Final = {";": "semicolons", "\t": "tabs", "|": "pipes"}

_UTF8_BOM: Final = b"\xef\xbb\xbf"
_UTF16_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")
_REEXPORT: Final = 're-export it as UTF-8 (in Excel: Save As, "CSV UTF-8 (Comma delimited)")'


class InputError(Exception):
    """A problem with the files the user gave, told in one message (naming the file and line) without a traceback."""


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


def open_input(path: Path) -> IO[bytes]:
    """The file opened for reading bytes; an InputError saying why it cannot be."""
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a CSV file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from None


def write_atomically(path: Path, source: Path, write: Callable[[IO[str]], object]) -> None:
    """Write through a temporary file beside `path`, renamed over it only once complete: an error or an interrupt
    never leaves a half-written file behind."""
    if path.exists() and source.exists() and path.samefile(source):
        raise InputError(f"{path}: --out names the input file; give another file name")
    if path.is_dir():
        raise InputError(f"{path}: --out is a directory; give a file name")
    if not path.parent.is_dir():
        raise InputError(f"{path}: cannot write it: the folder {path.parent} does not exist")
    temporary: Path | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as target:
            temporary = Path(target.name)
            write(target)
        temporary.replace(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot write it: {exc.strerror or exc}") from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
