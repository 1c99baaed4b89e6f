"""`leadflow dedupe`: clusters beside the pairs, the match report, and weights fitted with --train."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from infra.cli import dedupe as dedupe_cli
from infra.cli.csv_files import EXIT_BAD_INPUT
from infra.cli.dedupe_input import COLUMNS
from tests.unit.test_dedupe_cli import HEADER, JANE, JANE_AGAIN, OTHER, dedupe, lines, read_output, write

CONFIG_FILE = Path(__file__).resolve().parents[2] / "infra" / "config" / "matching.yaml"
# Jane three times: her work address twice (one with a +tag and her mobile), then a personal address with the same
# mobile written nationally. The first and the last share nothing the matcher compares them on; the chain joins them.
JANE_WORK = "J-3,Jane,Doe,jane.doe@acme.example,,Acme,,,,,GB"
JANE_WEBINAR = "J-2,Jane,Doe,Jane.Doe+webinar@ACME.example,+44 7911 123456,Acme,,,,,GB"
JANE_PERSONAL = "J-1,Jane,Doe,janedoe1984@gmail.com,07911 123456,,,,,,GB"
RAJESH_AGAIN = "L-5,Raj,Kumar,RKumar+events@Globex.io,020 7946 0958,Globex,CTO,London,,EC1A 1BB,GB"
TOM = "T-1,Tom,Baker,tom.baker@acme.example,+44 20 7946 0001,Acme,,,,,GB"
PEOPLE = {"J-1": "jane", "J-2": "jane", "J-3": "jane", "L-3": "rajesh", "L-5": "rajesh", "T-1": "tom"}


def config_folder(tmp_path: Path) -> Path:
    """A config folder of its own, with the real matching.yaml in it."""
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "matching.yaml").write_text(CONFIG_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_every_pair_of_one_person_carries_the_person_s_cluster_and_the_rule_that_found_it(tmp_path: Path) -> None:
    status, out = dedupe(tmp_path, lines(HEADER, JANE_WORK, OTHER, JANE_WEBINAR, TOM, JANE_PERSONAL, RAJESH_AGAIN))

    assert status == 0
    rows = read_output(out)
    assert {(row["lead_id_1"], row["lead_id_2"]): row["rule"] for row in rows if row["decision"] == "merge"} == {
        ("J-3", "J-2"): "same email",
        ("J-2", "J-1"): "probability",
        ("L-3", "L-5"): "same email",
    }
    clusters_of: dict[str, set[str]] = {}
    for row in rows:
        assert PEOPLE[row["lead_id_1"]] == PEOPLE[row["lead_id_2"]]
        for lead_id in (row["lead_id_1"], row["lead_id_2"]):
            clusters_of.setdefault(lead_id, set()).add(row["cluster_id"])
    assert clusters_of == {"J-1": {"J-1"}, "J-2": {"J-1"}, "J-3": {"J-1"}, "L-3": {"L-3"}, "L-5": {"L-3"}}


def test_the_match_report_counts_the_clusters_and_the_pairs_by_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _ = dedupe(tmp_path, lines(HEADER, JANE_WORK, OTHER, JANE_WEBINAR, TOM, JANE_PERSONAL, RAJESH_AGAIN))

    assert status == 0
    report = capsys.readouterr().out
    assert "match report: 6 leads in 3 clusters (3 leads merged into another)" in report
    assert "cluster sizes: 1: 1, 2: 1, 3: 1" in report
    assert "pairs by rule: merge by probability 1, merge by same email 2" in report
    assert "merges by probability (>= 0.97)" in report and "by the hand-set weights" in report


def write_lead_file(tmp_path: Path) -> Path:
    from tests.unit.match_leads import generate

    with (tmp_path / "leads.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(generate(people=60, seed=5).rows)
    return tmp_path / "leads.csv"


def test_train_writes_a_model_file_that_the_next_run_with_that_config_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from leadflow.models.rules import parse_ruleset

    from infra.config_documents import read_document

    source, folder = write_lead_file(tmp_path), config_folder(tmp_path)
    config = ["--config", str(folder / "matching.yaml"), "--no-progress"]
    out = tmp_path / "pairs.csv"

    assert dedupe_cli.main([str(source), "--out", str(out), *config]) == 0
    assert "by the hand-set weights" in capsys.readouterr().out

    assert dedupe_cli.main([str(source), "--train", *config]) == 0
    model_file = folder / "matching_model.yaml"
    assert f"written to {model_file}" in capsys.readouterr().out
    rules = parse_ruleset("matching", read_document("matching", folder))  # as config-push publishes it
    rows = list(csv.DictReader(source.open(encoding="utf-8", newline="")))
    assert rules.model is not None and rules.model.stats is not None
    assert rules.model.stats.records == len(rows)

    assert dedupe_cli.main([str(source), "--out", str(out), *config]) == 0
    report = capsys.readouterr().out
    assert "merges by probability (>= 0.99)" in report  # the model's own merge threshold
    assert "by the fitted model" in report
    assert [row for row in read_output(out) if row["decision"] == "merge"]


def test_train_into_a_folder_that_does_not_exist_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path, lines(HEADER, JANE, JANE_AGAIN, OTHER))
    model_out = tmp_path / "no-such-folder" / "matching_model.yaml"
    folder = config_folder(tmp_path)
    before = sorted(tmp_path.rglob("*"))

    status = dedupe_cli.main(
        [str(source), "--train", "--model-out", str(model_out), "--config", str(folder / "matching.yaml")]
    )

    assert status == EXIT_BAD_INPUT
    assert sorted(tmp_path.rglob("*")) == before
    err = capsys.readouterr().err
    assert err.startswith(f"error: {model_out}: ") and f"the folder {model_out.parent} does not exist" in err


def test_train_on_bad_input_writes_no_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path, lines(HEADER, JANE, JANE_AGAIN.replace("L-2", "L-1")))
    folder = config_folder(tmp_path)

    status = dedupe_cli.main([str(source), "--train", "--config", str(folder / "matching.yaml")])

    assert status == EXIT_BAD_INPUT
    assert "line 3: lead_id 'L-1' is already used on line 2" in capsys.readouterr().err
    assert not (folder / "matching_model.yaml").exists()


def test_without_out_or_train_the_command_says_out_is_needed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path, lines(HEADER, JANE, JANE_AGAIN))

    assert dedupe_cli.main([str(source), "--no-progress"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--out" in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["leads.csv"]


INLINE_MODEL = """
model:
  prior_bits: -7.0
  levels: {}
"""


def test_a_model_both_inline_and_in_the_model_file_is_refused_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra.config_documents import read_document

    folder = config_folder(tmp_path)
    with (folder / "matching.yaml").open("a", encoding="utf-8") as config:
        config.write(INLINE_MODEL)
    (folder / "matching_model.yaml").write_text("prior_bits: -7.0\nlevels: {}\n", encoding="utf-8")

    with pytest.raises(ValueError, match=r"model given both inline and in matching_model\.yaml"):
        read_document("matching", folder)

    status, out = dedupe(tmp_path, lines(HEADER, JANE, JANE_AGAIN), "--config", str(folder / "matching.yaml"))
    assert status == EXIT_BAD_INPUT and not out.exists()
    assert "model given both inline and in matching_model.yaml" in capsys.readouterr().err


def test_an_inline_model_alone_or_a_model_file_alone_is_read(tmp_path: Path) -> None:
    from leadflow.models.rules import parse_ruleset

    from infra.config_documents import read_document

    folder = config_folder(tmp_path)
    assert parse_ruleset("matching", read_document("matching", folder)).model is None
    (folder / "matching_model.yaml").write_text("prior_bits: -7.0\nlevels: {}\n", encoding="utf-8")
    from_file = parse_ruleset("matching", read_document("matching", folder)).model
    (folder / "matching_model.yaml").unlink()
    with (folder / "matching.yaml").open("a", encoding="utf-8") as config:
        config.write(INLINE_MODEL)
    inline = parse_ruleset("matching", read_document("matching", folder)).model

    assert from_file is not None and from_file == inline and from_file.prior_bits == -7.0
