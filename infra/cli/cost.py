"""`leadflow cost --leads 1000000`: what leads cost on AWS at list prices.

It prices a request ledger, the AWS requests a lead makes as the local runtime counted them per unit of work
(tests/bench/request_ledger.py writes one; the reference measured on the demo config is
infra/config/aws_request_ledger.json, with its date, command and commit), at the prices in
infra/config/aws_prices.yaml (dated, with their sources). It prints, per service, the requests per lead, the dollars
per million leads and the total for --leads; the other scenarios (an SLA timer, the decay job, a nurture enrolment)
per unit of their own; and the sequential AWS round trips from capture to assignment and notification.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.cli import CONFIG_DIR

PRICES_PATH = CONFIG_DIR / "aws_prices.yaml"
LEDGER_PATH = CONFIG_DIR / "aws_request_ledger.json"
MILLION = 1_000_000
# The ledger's units by the service that bills them, in the order the table lists them.
SERVICES: dict[str, tuple[str, ...]] = {
    "API Gateway": ("apigateway.requests",),
    "Lambda": ("lambda.invocations", "lambda.gb_seconds"),
    "DynamoDB": ("dynamodb.write_units", "dynamodb.read_units"),
    "EventBridge": ("events.events", "events.scheduled_rule_events"),
    "Step Functions": (
        "states.express_executions",
        "states.express_gb_seconds",
        "states.standard_transitions",
        "states.standard_executions",
    ),
    "SES": ("ses.sends",),
    "SQS": ("sqs.requests",),
    "EventBridge Scheduler": ("scheduler.invocations",),
}
UNIT_NAMES = {
    "apigateway.requests": "requests",
    "lambda.invocations": "invocations",
    "lambda.gb_seconds": "GB-s",
    "dynamodb.write_units": "WRU",
    "dynamodb.read_units": "RRU",
    "events.events": "events",
    "events.scheduled_rule_events": "scheduled events",
    "states.express_executions": "Express runs",
    "states.express_gb_seconds": "Express GB-s",
    "states.standard_transitions": "transitions",
    "states.standard_executions": "Standard runs",
    "ses.sends": "emails",
    "sqs.requests": "requests",
    "scheduler.invocations": "invocations",
}
SCENARIOS = {
    "sla_timer": "SLA timer (untouched lead, through its deadline)",
    "decay_run": "decay job (hourly)",
    "nurture_enrolment": "nurture enrolment (welcome track)",
}


class CostError(ValueError):
    """A file `leadflow cost` cannot use; the message names the option that chose it."""


@dataclass(frozen=True)
class Prices:
    region: str
    as_of: str
    per_unit: dict[str, float]
    sources: dict[str, str]


def load_prices(path: Path = PRICES_PATH) -> Prices:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CostError(f"--prices {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("prices"), dict):
        raise CostError(f"--prices {path}: expected a mapping with `prices:` (unit: dollars)")
    if not document.get("as_of") or not document.get("region"):
        raise CostError(f"--prices {path}: `region:` and `as_of:` (the date the prices were checked) are required")
    per_unit: dict[str, float] = {}
    for unit, price in document["prices"].items():
        if isinstance(price, bool) or not isinstance(price, int | float) or price < 0:
            raise CostError(f"--prices {path}: {unit}: {price!r} is not a price in dollars (a number, 0 or more)")
        per_unit[str(unit)] = float(price)
    return Prices(str(document["region"]), str(document["as_of"]), per_unit, dict(document.get("sources") or {}))


def load_ledger(path: Path = LEDGER_PATH) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CostError(f"--ledger {path}: {exc}") from exc
    capture = document.get("scenarios", {}).get("capture") if isinstance(document, dict) else None
    if not isinstance(capture, dict) or not isinstance(capture.get("units"), dict):
        raise CostError(f"--ledger {path}: no scenarios.capture.units (write one with tests/bench/request_ledger.py)")
    return dict(document)


def billed_units(units: Mapping[str, float]) -> dict[str, float]:
    """The ledger's units as AWS bills them: an email the mail log recorded is one SES sends once a sender is
    configured (locally none is, so the log is the count)."""
    billed = dict(units)
    billed["ses.sends"] = max(units.get("ses.sends", 0.0), units.get("ses.mail_logged", 0.0))
    billed.pop("ses.mail_logged", None)
    return billed


def dollars_per_unit_of_work(units: Mapping[str, float], prices: Prices) -> dict[str, float]:
    """Dollars by service for one unit of work (a lead, an assignment, ...)."""
    billed = billed_units(units)
    return {
        service: sum(billed.get(unit, 0.0) * prices.per_unit.get(unit, 0.0) for unit in members)
        for service, members in SERVICES.items()
    }


def _amounts(units: Mapping[str, float], members: tuple[str, ...]) -> str:
    shown = [
        f"{units[u]:.4g} {UNIT_NAMES[u].removesuffix('s') if units[u] == 1 else UNIT_NAMES[u]}"
        for u in members
        if units.get(u)
    ]
    return ", ".join(shown) or "-"


def render(ledger: Mapping[str, Any], prices: Prices, *, leads: int) -> str:
    scenarios = ledger["scenarios"]
    capture = billed_units(scenarios["capture"]["units"])
    per_service = dollars_per_unit_of_work(capture, prices)
    lines = [
        f"AWS cost of {leads:,} leads captured and routed, at {prices.region} list prices as of {prices.as_of}",
        f"(requests per lead measured {ledger.get('measured_at', '?')} on {ledger.get('leads', '?')} leads, "
        f"commit {ledger.get('commit') or '?'}: {ledger.get('command', '?')})",
        "",
        f"{'service':<22} {'per lead':<44} {'$ per million':>14} {'total $':>12}",
    ]
    for service, members in SERVICES.items():
        if per_service[service] or any(capture.get(u) for u in members):
            dollars = per_service[service]
            lines.append(
                f"{service:<22} {_amounts(capture, members):<44} {dollars * MILLION:>14.2f} {dollars * leads:>12.2f}"
            )
    total = sum(per_service.values())
    lines.append(f"{'total':<22} {'':<44} {total * MILLION:>14.2f} {total * leads:>12.2f}")
    lines += ["", f"{'scenario':<52} {'per':<14} {'$ per million':>14}"]
    for key, label in SCENARIOS.items():
        if key in scenarios:
            scenario = scenarios[key]
            dollars = sum(dollars_per_unit_of_work(scenario["units"], prices).values())
            lines.append(f"{label:<52} {scenario['per']:<14} {dollars * MILLION:>14.2f}")
    trips = scenarios["capture"].get("round_trips", {})
    if trips:
        lines += ["", "sequential AWS round trips (median, max over the leads that got there):"]
        for name in ("assigned", "notified", "delivered"):
            spread = trips.get(name) or {}
            if spread.get("leads"):
                lines.append(
                    f"  capture -> {name:<10} {spread['median']:>5g} {spread['max']:>5g}  ({spread['leads']} leads)"
                )
    return "\n".join(lines)


def _positive_count(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of leads") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of leads above 0")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--leads", type=_positive_count, default=MILLION, help="leads to price (default 1,000,000)")
    parser.add_argument(
        "--ledger",
        type=Path,
        default=LEDGER_PATH,
        help=f"requests per lead, as the benchmark wrote them ({LEDGER_PATH})",
    )
    parser.add_argument("--prices", type=Path, default=PRICES_PATH, help=f"dated list prices ({PRICES_PATH})")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        prices, ledger = load_prices(args.prices), load_ledger(args.ledger)
    except CostError as exc:
        print(f"leadflow cost: {exc}", file=sys.stderr)
        return 2
    if args.json:
        per_service = dollars_per_unit_of_work(ledger["scenarios"]["capture"]["units"], prices)
        document = {
            "leads": args.leads,
            "as_of": prices.as_of,
            "per_million": {service: round(d * MILLION, 4) for service, d in per_service.items()},
            "total": round(sum(per_service.values()) * args.leads, 4),
            "round_trips": ledger["scenarios"]["capture"].get("round_trips", {}),
        }
        print(json.dumps(document, indent=1))
        return 0
    print(render(ledger, prices, leads=args.leads))
    return 0
