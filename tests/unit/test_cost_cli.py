"""`leadflow cost`: the request ledger priced at the dated list prices, per service and per scenario, with the round
trips on a lead's path; a bad flag or file exits 2 with one line naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.cli import main as cli
from infra.cli.cost import LEDGER_PATH, PRICES_PATH, dollars_per_unit_of_work, load_prices


def ledger_file(tmp_path: Path, capture: dict[str, float], **scenarios: dict[str, Any]) -> Path:
    document = {
        "measured_at": "2026-12-06T02:00:00+00:00",
        "command": "python -m tests.bench.request_ledger --leads 2",
        "leads": 2,
        "scenarios": {
            "capture": {
                "per": "lead",
                "units": capture,
                "round_trips": {"assigned": {"leads": 1, "min": 9, "median": 9, "max": 9}},
            },
            **scenarios,
        },
    }
    path = tmp_path / "ledger.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def cost(*argv: str | Path) -> int:
    return cli.main(["cost", *map(str, argv)])


def test_requests_per_lead_are_priced_per_service_at_the_listed_prices() -> None:
    prices = load_prices()
    per_lead = dollars_per_unit_of_work(
        {"apigateway.requests": 1, "dynamodb.write_units": 10, "dynamodb.read_units": 8, "ses.mail_logged": 0.5},
        prices,
    )
    assert per_lead["API Gateway"] * 1e6 == pytest.approx(3.50)
    assert per_lead["DynamoDB"] * 1e6 == pytest.approx(10 * 0.625 + 8 * 0.125)
    assert per_lead["SES"] * 1e6 == pytest.approx(50.0)  # the mail log's emails are what SES would send
    assert per_lead["Lambda"] == 0


def test_the_table_gives_each_service_the_total_for_the_leads_the_scenarios_and_the_round_trips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ledger_file(
        tmp_path,
        {"apigateway.requests": 1, "lambda.invocations": 5, "lambda.gb_seconds": 0.25},
        sla_timer={"per": "assignment", "units": {"states.standard_transitions": 8}},
    )
    assert cost("--leads", "2_000_000", "--ledger", path) == 0
    out = capsys.readouterr().out
    assert "as of 2026-12-06" in out
    api = next(line for line in out.splitlines() if line.startswith("API Gateway"))
    assert api.split()[-2:] == ["3.50", "7.00"]  # $ per million, total for two million leads
    lambda_dollars = 5 * 0.20 + 0.25 * 0.0000133334 * 1e6
    assert f"{lambda_dollars:.2f}" in next(line for line in out.splitlines() if line.startswith("Lambda"))
    assert "SLA timer" in out and "200.00" in out  # 8 transitions at $25 per million, per million assignments
    assert "capture -> assigned" in out


def test_json_output_has_the_dollars_per_million_and_the_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = ledger_file(tmp_path, {"events.events": 2})
    assert cost("--leads", "500000", "--ledger", path, "--json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["per_million"]["EventBridge"] == 2.0
    assert document["total"] == pytest.approx(1.0)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5"])
def test_a_bad_number_of_leads_names_the_flag(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cost("--leads", value)
    assert exit_.value.code == 2
    assert "--leads" in capsys.readouterr().err


def test_a_missing_ledger_or_a_bad_price_names_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cost("--ledger", tmp_path / "none.json") == 2
    assert capsys.readouterr().err.startswith("leadflow cost: --ledger ")
    prices = tmp_path / "prices.yaml"
    prices.write_text("region: us-east-1\nas_of: 2026-12-06\nprices:\n  apigateway.requests: cheap\n", encoding="utf-8")
    assert cost("--prices", prices) == 2
    error = capsys.readouterr().err
    assert error.startswith("leadflow cost: --prices ") and "apigateway.requests" in error


def test_the_prices_are_dated_and_the_reference_ledger_is_priced(capsys: pytest.CaptureFixture[str]) -> None:
    prices = load_prices(PRICES_PATH)
    assert prices.region == "us-east-1" and prices.as_of
    assert LEDGER_PATH.exists()
    assert cost() == 0
    assert "capture -> notified" in capsys.readouterr().out
