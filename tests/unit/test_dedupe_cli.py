"""`leadflow dedupe`: reading a CSV of leads, refusing bad input with a message naming the line, writing the pairs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from infra.cli import dedupe as dedupe_cli
from infra.cli import main as cli
from infra.cli.csv_files import EXIT_BAD_INPUT, unclosed_quote_line
from infra.cli.dedupe_input import COLUMNS

HEADER = "lead_id,first_name,last_name,email,phone,company,title,city,state,postcode,country"
JANE = "L-1,Jane,Doe,jane.doe@acme.com,+1 415 555 0100,Acme Inc,VP Sales,San Francisco,CA,94105,US"
JANE_AGAIN = "L-2,Jane,Doe,Jane.Doe+webinar@ACME.com,(415) 555-0100,ACME,VP of Sales,San Francisco,CA,94105,US"
OTHER = "L-3,Rajesh,Kumar,rkumar@globex.io,+44 20 7946 0958,Globex Ltd,CTO,London,,EC1A 1BB,GB"


def write(tmp_path: Path, content: str | bytes, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def lines(*rows: str) -> str:
    return "".join(f"{row}\n" for row in rows)


def dedupe(tmp_path: Path, content: str | bytes, *extra: str) -> tuple[int, Path]:
    source = write(tmp_path, content)
    out = tmp_path / "pairs.csv"
    return dedupe_cli.main([str(source), "--out", str(out), "--no-progress", *extra]), out


def read_output(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        assert tuple(reader.fieldnames or ()) == dedupe_cli.OUTPUT_COLUMNS
        return list(reader)


def refused(capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | bytes) -> str:
    """Run the command on bad input: it exits 2, writes nothing, and says why in one line on stderr."""
    status, out = dedupe(tmp_path, content)
    captured = capsys.readouterr()
    assert status == EXIT_BAD_INPUT
    assert not out.exists()
    assert not list(tmp_path.glob(".pairs.csv.*"))  # the temporary output is removed too
    assert "Traceback" not in captured.err
    message = captured.err.strip()
    assert message.startswith("error: ") and "\n" not in message
    return message


# --- good input ---------------------------------------------------------------------------------------------------


def test_the_same_person_twice_is_one_merge_pair(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = dedupe(tmp_path, lines(HEADER, JANE, OTHER, JANE_AGAIN))

    assert status == 0
    rows = read_output(out)
    assert [(row["lead_id_1"], row["lead_id_2"], row["decision"]) for row in rows] == [("L-1", "L-2", "merge")]
    probability = rows[0]["probability"]
    assert len(probability.split(".")[1]) == 4 and 0.0 < float(probability) <= 1.0
    assert "email=1.00" in rows[0]["evidence"].split("; ")
    assert "3 leads: 1 pair(s) (1 merge, 0 possible) written to" in capsys.readouterr().out


def test_a_file_with_only_a_header_gives_an_output_with_only_a_header(tmp_path: Path) -> None:
    status, out = dedupe(tmp_path, lines(HEADER))

    assert status == 0
    assert out.read_text(encoding="utf-8") == ",".join(dedupe_cli.OUTPUT_COLUMNS) + "\n"


def test_the_leadflow_command_runs_dedupe(tmp_path: Path) -> None:
    source = write(tmp_path, lines(HEADER, JANE, JANE_AGAIN))
    out = tmp_path / "pairs.csv"

    assert cli.main(["dedupe", str(source), "--out", str(out), "--no-progress"]) == 0
    assert [row["decision"] for row in read_output(out)] == ["merge"]


def test_column_names_ignore_case_and_spaces_and_columns_may_be_missing_or_in_any_order(tmp_path: Path) -> None:
    content = lines(
        " Email , LEAD_ID,Last_Name ,First_Name",
        "jane.doe@acme.com,L-1,Doe,Jane",
        "rkumar@globex.io,L-3,Kumar,Rajesh",
        "JANE.DOE+news@acme.com,L-2,Doe,Jane",
    )
    status, out = dedupe(tmp_path, content)

    assert status == 0
    assert {(row["lead_id_1"], row["lead_id_2"]) for row in read_output(out)} == {("L-1", "L-2")}


def test_unknown_columns_are_ignored_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _ = dedupe(tmp_path, lines(f"{HEADER},source,notes", f"{JANE},webinar,called twice"))

    assert status == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line]
    assert notes == ["note: ignoring column(s) not used for matching: source, notes"]


def test_a_utf8_byte_order_mark_quoted_values_and_blank_lines_are_read(tmp_path: Path) -> None:
    quoted = 'L-3,"Rajesh","Kumar","rkumar@globex.io",,"Globex, ""the"" Ltd","CTO,\nEMEA",London,,,GB'
    content = b"\xef\xbb\xbf" + lines(HEADER, JANE, "", quoted, ",,,,", JANE_AGAIN).encode()
    status, out = dedupe(tmp_path, content)

    assert status == 0
    assert [(row["lead_id_1"], row["lead_id_2"]) for row in read_output(out)] == [("L-1", "L-2")]


def test_crlf_and_lone_cr_line_endings_are_read(tmp_path: Path) -> None:
    for ending in ("\r\n", "\r"):
        status, out = dedupe(tmp_path, ending.join([HEADER, JANE, JANE_AGAIN, ""]))
        assert status == 0
        assert [row["decision"] for row in read_output(out)] == ["merge"]


def test_progress_goes_to_stderr_only_when_it_is_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, lines(HEADER, JANE, JANE_AGAIN))

    assert dedupe_cli.main([str(source), "--out", str(tmp_path / "pairs.csv")]) == 0
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal


# --- bad input: exit status 2 and a message naming the line ---------------------------------------------------------


def test_an_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, tmp_path, b"")
    assert message.endswith("leads.csv is empty; the first line must name the columns (" + ", ".join(COLUMNS) + ")")


def test_a_blank_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "leads.csv: line 1: the header is blank" in refused(capsys, tmp_path, lines("", HEADER, JANE))


def test_a_header_without_lead_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, tmp_path, lines("id,first_name,email", "1,Jane,jane@acme.com"))
    assert "leads.csv: line 1: the header has no lead_id column (it has: id, first_name, email)" in message


def test_a_header_naming_a_column_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, tmp_path, lines("lead_id,email,Email", "L-1,a@acme.com,b@acme.com"))
    assert "line 1: the header names email twice (columns 2 and 3)" in message


@pytest.mark.parametrize(
    ("delimiter", "described"),
    [(";", "has semicolons — is the file ;-separated?"), ("\t", "has tabs — is the file tab-separated?")],
)
def test_a_file_separated_by_something_else_than_commas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], delimiter: str, described: str
) -> None:
    content = lines(HEADER.replace(",", delimiter), JANE.replace(",", delimiter))
    message = refused(capsys, tmp_path, content)
    assert f"leads.csv: line 1: the header has no commas but {described} leadflow expects commas" in message


def test_a_quote_that_is_never_closed_is_reported_where_it_opens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = lines(HEADER, JANE, 'L-3,Rajesh,Kumar,rkumar@globex.io,,"Globex Ltd,CTO,London,,,GB', OTHER, OTHER)
    message = refused(capsys, tmp_path, content)
    assert "leads.csv: line 3: a quoted value starts on this line but its closing quote is missing" in message


def test_a_runaway_quote_in_a_large_file_is_reported_where_it_opens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"L-{n},First{n},Last{n},person{n}@example{n}.com,,Company {n},,,,," for n in range(4, 3004)]
    content = lines(HEADER, JANE, '"L-2,Jane,Doe', *rows)
    assert "leads.csv: line 3: a quoted value starts on this line" in refused(capsys, tmp_path, content)


def test_text_after_a_closing_quote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = lines(HEADER, JANE, 'L-3,Rajesh,Kumar,rkumar@globex.io,,"Globex" Ltd,CTO,London,,,GB')
    message = refused(capsys, tmp_path, content)
    assert "leads.csv: line 3: text follows the closing quote of a quoted value" in message
    assert 'a quote inside a quoted value must be doubled ("")' in message


def test_bytes_that_are_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = lines(HEADER, JANE).encode() + "L-3,René,Müller,rene@acme.de,,,,,,,DE\n".encode("cp1252")
    offset = len(lines(HEADER, JANE).encode()) + len("L-3,Ren")
    message = refused(capsys, tmp_path, content)
    assert f"leads.csv: line 3: byte 0xe9 at byte offset {offset} (byte 8 of the line) is not UTF-8" in message
    assert "re-export it as UTF-8" in message


def test_a_utf16_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, tmp_path, lines(HEADER, JANE).encode("utf-16"))
    assert "leads.csv: line 1: the file is UTF-16" in message and "re-export it as UTF-8" in message


def test_a_row_with_more_values_than_the_header_has_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = lines(HEADER, JANE, "L-3,Rajesh,Kumar,rkumar@globex.io,,Globex, Ltd,CTO,London,,,GB")
    message = refused(capsys, tmp_path, content)
    assert "leads.csv: line 3: 12 values but the header names 11 columns" in message


def test_a_lead_id_used_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    multiline = 'L-9,Ana,Lima,ana@lima.br,,"Lima\nLtda",,,,,BR'  # lines 3 and 4
    message = refused(capsys, tmp_path, lines(HEADER, JANE, multiline, OTHER, JANE_AGAIN.replace("L-2", " L-1 ")))
    assert "leads.csv: line 6: lead_id 'L-1' is already used on line 2" in message


def test_an_empty_lead_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(capsys, tmp_path, lines(HEADER, JANE, "  " + OTHER.removeprefix("L-3")))
    assert "leads.csv: line 3: lead_id is empty" in message


# --- files that cannot be read or written ---------------------------------------------------------------------------


def test_a_missing_input_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.csv"
    assert dedupe_cli.main([str(missing), "--out", str(tmp_path / "pairs.csv")]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == f"error: {missing}: no such file\n"


@pytest.mark.parametrize("out", ["no-such-folder/pairs.csv", "."])
def test_an_output_that_cannot_be_written(tmp_path: Path, capsys: pytest.CaptureFixture[str], out: str) -> None:
    source = write(tmp_path, lines(HEADER, JANE))
    target = tmp_path / out

    assert dedupe_cli.main([str(source), "--out", str(target)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"error: {target}: ") and ("does not exist" in err or "is a directory" in err)


def test_the_output_may_not_replace_the_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, lines(HEADER, JANE))

    assert dedupe_cli.main([str(source), "--out", str(source)]) == EXIT_BAD_INPUT
    assert "--out names the input file" in capsys.readouterr().err
    assert source.read_text(encoding="utf-8") == lines(HEADER, JANE)


def test_a_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, "thresholds: [unclosed\n", name="matching.yaml")
    status, _ = dedupe(tmp_path, lines(HEADER, JANE), "--config", str(config))

    assert status == EXIT_BAD_INPUT
    assert capsys.readouterr().err.startswith(f"error: {config}: not a valid YAML file")


# --- the quote scan behind the unclosed-quote message ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (['a,"b""c",d\n'], None),
        (['a,"b""\n', "c\n"], 1),
        (['a,"b\n', 'c",d,"e\n'], 2),
        (['a,b"c,d\n'], None),
        (['"a""",""\n'], None),
    ],
)
def test_unclosed_quote_line(record: list[str], expected: int | None) -> None:
    assert unclosed_quote_line(enumerate(record, start=1)) == expected
