"""`leadflow model`: train on a CSV of leads with known outcomes, evaluate, score; bad input exits 2 with one line."""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

import pytest

from infra.cli import main as cli
from infra.cli.csv_files import EXIT_BAD_INPUT

HEADER = ["Lead ID", "Origin", "Time On Site", "Occupation", "Converted"]


def leads_csv(tmp_path: Path, count: int = 400, seed: int = 5, name: str = "leads.csv") -> Path:
    """Leads who convert mostly when they came through a form and spent long on the site."""
    rng = random.Random(seed)
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for number in range(count):
            origin = rng.choice(["Form", "Chat", "Import"])
            seconds = rng.randint(0, 2000)
            chance = 0.05 + (0.5 if origin == "Form" else 0.0) + seconds / 5000
            occupation = rng.choice(["Student", "Working Professional", ""])
            writer.writerow([f"L-{number}", origin, seconds, occupation, "Yes" if rng.random() < chance else "No"])
    return path


def model_cli(*argv: str | Path) -> int:
    return cli.main(["model", *map(str, argv)])


def refused(capsys: pytest.CaptureFixture[str], status: int) -> str:
    """The command exited 2 with one line on stderr and no traceback; returns that line."""
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert status == EXIT_BAD_INPUT
    assert message.startswith("error: ")
    return message


def test_train_evaluate_and_score_a_csv_of_leads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, model, scored = leads_csv(tmp_path), tmp_path / "model.json", tmp_path / "scored.csv"

    assert model_cli("train", source, "--target", "Converted", "--exclude", "Lead ID", "--out", model) == 0
    assert "trained on 400 rows" in capsys.readouterr().out
    stored = json.loads(model.read_text(encoding="utf-8"))
    assert stored["target"] == "Converted" and stored["excluded"] == ["Lead ID"]

    assert model_cli("evaluate", source, "--model", model, "--target", "Converted") == 0
    printed = capsys.readouterr().out
    assert "ROC AUC" in printed and "top-decile lift" in printed

    assert model_cli("score", source, "--model", model, "--out", scored) == 0
    with scored.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 400
    assert list(rows[0]) == [*HEADER, "probability", "reasons"]
    assert all(0.0 < float(row["probability"]) < 1.0 for row in rows)
    assert any(reason.startswith("Origin = Form (+") for row in rows for reason in row["reasons"].split("; "))


def test_evaluate_prints_roc_auc_and_top_decile_lift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source, model = leads_csv(tmp_path), tmp_path / "model.json"
    model_cli("train", source, "--target", "Converted", "--exclude", "Lead ID", "--out", model)
    capsys.readouterr()

    assert (
        model_cli("evaluate", leads_csv(tmp_path, seed=6, name="new.csv"), "--model", model, "--target", "Converted")
        == 0
    )

    printed = capsys.readouterr().out
    found = re.fullmatch(r"400 rows \(\d+ positive\): ROC AUC (0\.\d{4}), top-decile lift (\d\.\d\d)\n", printed)
    assert found is not None, printed
    assert float(found[1]) > 0.7 and float(found[2]) > 1.0


def test_a_holdout_is_measured_and_its_figures_stored_with_the_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, model = leads_csv(tmp_path), tmp_path / "model.json"

    status = model_cli(
        "train", source, "--target", "Converted", "--exclude", "Lead*", "--holdout", "0.25", "--out", model
    )

    assert status == 0
    assert "held out 100 rows: ROC AUC" in capsys.readouterr().out
    stored = json.loads(model.read_text(encoding="utf-8"))
    assert stored["training_rows"] == 300 and set(stored["metrics"]) == {"roc_auc", "top_decile_lift", "holdout_rows"}


def test_the_kind_of_model_follows_the_outcomes_unless_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    few, many, model = leads_csv(tmp_path), leads_csv(tmp_path, count=1500, name="many.csv"), tmp_path / "model.json"

    model_cli("train", few, "--target", "Converted", "--exclude", "Lead ID", "--out", model)
    assert ": logistic regression, " in capsys.readouterr().out  # fewer than 200 conversions
    assert json.loads(model.read_text(encoding="utf-8"))["kind"] == "logistic"

    model_cli("train", many, "--target", "Converted", "--exclude", "Lead ID", "--out", model)
    assert re.search(r": boosted trees \(\d+ trees\), ", capsys.readouterr().out)
    assert json.loads(model.read_text(encoding="utf-8"))["kind"] == "boosted"

    model_cli("train", many, "--target", "Converted", "--exclude", "Lead ID", "--kind", "logistic", "--out", model)
    assert json.loads(model.read_text(encoding="utf-8"))["kind"] == "logistic"
    assert model_cli("score", many, "--model", model, "--out", tmp_path / "scored.csv") == 0


def test_a_target_column_that_is_not_an_outcome_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.json"

    status = model_cli("train", leads_csv(tmp_path), "--target", "Origin", "--out", model)

    message = refused(capsys, status)
    assert "line 2: column 'Origin' (--target):" in message and "is not an outcome" in message
    assert not model.exists() and not list(tmp_path.glob(".model.json.*"))


def test_a_target_column_that_does_not_exist_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = model_cli("train", leads_csv(tmp_path), "--target", "Won", "--out", tmp_path / "model.json")
    assert "no column 'Won' for --target" in refused(capsys, status)


def test_an_exclude_naming_no_column_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = model_cli(
        "train", leads_csv(tmp_path), "--target", "Converted", "--exclude", "Tags", "--out", tmp_path / "model.json"
    )
    assert "--exclude 'Tags' names no column" in refused(capsys, status)


def test_a_missing_input_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = model_cli("train", tmp_path / "nope.csv", "--target", "Converted", "--out", tmp_path / "model.json")
    assert refused(capsys, status).endswith("nope.csv: no such file")


def test_too_few_outcomes_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.json"
    status = model_cli("train", leads_csv(tmp_path, count=50), "--target", "Converted", "--out", model)
    assert "not enough outcomes" in refused(capsys, status)
    assert not model.exists()


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.json"
    model.write_text('{"kind": "logistic"}', encoding="utf-8")
    out = tmp_path / "scored.csv"

    status = model_cli("score", leads_csv(tmp_path), "--model", model, "--out", out)

    assert "model.json: not a leadflow model" in refused(capsys, status)
    assert not out.exists()


def test_a_row_wider_than_the_header_is_refused_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "leads.csv"
    source.write_text("Origin,Converted\nForm,1\nChat,0,extra\n", encoding="utf-8")

    status = model_cli("train", source, "--target", "Converted", "--out", tmp_path / "model.json")

    assert "line 3: more values than the header has columns" in refused(capsys, status)


def test_scoring_a_file_without_some_columns_counts_them_as_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, scored = tmp_path / "model.json", tmp_path / "scored.csv"
    model_cli("train", leads_csv(tmp_path), "--target", "Converted", "--exclude", "Lead ID", "--out", model)
    partial = tmp_path / "partial.csv"
    partial.write_text("Origin\nForm\nChat\n", encoding="utf-8")

    assert model_cli("score", partial, "--model", model, "--out", scored) == 0

    assert "not in the input, so count as unknown: Time On Site, Occupation" in capsys.readouterr().err
    with scored.open(encoding="utf-8", newline="") as stream:
        form, chat = csv.DictReader(stream)
    assert float(form["probability"]) > float(chat["probability"])
