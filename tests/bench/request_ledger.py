"""AWS requests per lead and what they cost: the local runtime (in-process, the real template, handlers and demo
config) counts every billable request through its ledger (infra/local/ledger.py, reset and read through the control
plane: DELETE and GET /_local/ledger) in four scenarios, each measured on its own:

- capture -> notified: leads like pipeline_latency's mix (40% MQLs) posted one at a time, each alone in the ledger,
  so its calls are its own: requests per lead by service, and the sequential round trips capture -> assigned,
  -> notified (the Notify step) and -> delivered (the Deliver function); the SLA timers and nurture enrolments the
  leads start are left to their own scenarios;
- an SLA timer: one MQL's assignment, untouched, through its deadline (the clock moved through the control plane),
  with every timer its reassignment starts;
- a decay run: the hourly schedule fired once over the leads stored by then, per lead per day (24 runs);
- a nurture enrolment: one lead's welcome track from enrolment to its end, the clock moved to each wake-up.

Before counting, a few leads warm every function up: a warm function is what a steady flow of leads meets (AWS bills
a cold start's initialisation too, a few times a day per function, which is nothing per million leads). Schedules are
paused while leads are captured, so a sweep firing in real time is not billed to a lead.

    .venv/bin/python -m tests.bench.request_ledger [--leads 200] [--json PATH]

`--json infra/config/aws_request_ledger.json` writes the reference that `leadflow cost` prices.
"""

from __future__ import annotations

import os

# As the tests run the runtime: the functions' metric lines (CloudWatch's embedded format, on stdout) would bury the
# figures; they are log lines, not AWS requests, so the ledger is the same either way.
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

import argparse
import json
import random
import statistics
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.cli.cost import dollars_per_unit_of_work, load_prices, render
from infra.local.ledger_paths import CallTree, lead_path
from infra.local.runtime import LocalRuntime, RuntimeOptions
from tests.bench.pipeline_latency import make_leads
from tests.http_client import Client

STANDARD_WORKFLOWS = ("SlaTimer", "NurtureTrack")
DECAY_RUNS_PER_DAY = 24  # DecayFunction's schedule: rate(1 hour)
NURTURE_MAX_WAKE_UPS = 20
SLA_MAX_DAYS = 7


def _reset(client: Client) -> None:
    reply = client.request("DELETE", "/_local/ledger")
    assert reply.status == 200, reply.body


def _read(client: Client, *, calls: bool = False) -> dict[str, Any]:
    reply = client.request("GET", "/_local/ledger" + ("?calls=1" if calls else ""))
    assert reply.status == 200, reply.body
    document: dict[str, Any] = reply.json()
    return document


def _without_workflows(ledger: dict[str, Any]) -> Counter[str]:
    units = Counter(ledger["units"])
    for name in STANDARD_WORKFLOWS:
        units.subtract(ledger["workflows"].get(name, {}))
    return units


def _per(units: Counter[str], count: float) -> dict[str, float]:
    return {name: round(value / count, 6) for name, value in sorted(units.items()) if value}


def _post(client: Client, body: dict[str, Any]) -> str:
    reply = client.post_lead(body)
    assert reply.status == 202, reply.body
    return str(reply.json()["submission_id"])


def capture(runtime: LocalRuntime, client: Client, leads: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    units: Counter[str] = Counter()
    requests: Counter[str] = Counter()
    tables: Counter[str] = Counter()
    callers: Counter[str] = Counter()
    paths: dict[str, list[int]] = {"assigned": [], "notified": [], "delivered": []}
    example: list[str] = []
    assert runtime.scheduler is not None
    with runtime.scheduler.paused():
        for _kind, body in leads:
            runtime.wait_for_executions()
            _reset(client)
            _post(client, body)
            runtime.wait_for_executions()
            ledger = _read(client, calls=True)
            units.update(_without_workflows(ledger))
            for caller, counted in ledger["caller_units"].items():
                callers.update({f"{caller} {unit}": value for unit, value in counted.items() if "dynamodb" in unit})
            for table, counted in ledger["tables"].items():
                tables.update({f"{table} {unit}": value for unit, value in counted.items()})
            for service, operations in ledger["requests"].items():
                requests.update({f"{service} {op}": n for op, n in operations.items()})
            path = lead_path(ledger["calls"])
            for name, reached in paths.items():
                if path[name] is not None:
                    reached.append(path[name])
            if path["notified"] is not None and not example:
                example = path["notified_path"]
    return {
        "per": "lead",
        "count": len(leads),
        "units": _per(units, len(leads)),
        "requests": _per(requests, len(leads)),
        "tables": _per(tables, len(leads)),
        "dynamodb_by_function": _per(callers, len(leads)),
        "round_trips": {name: _spread(values) for name, values in paths.items()},
        "notified_path": example,
    }


def _spread(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"leads": 0}
    return {"leads": len(values), "min": min(values), "median": statistics.median(values), "max": max(values)}


def _mql(tag: str) -> dict[str, Any]:
    return {
        "first_name": "Farid",
        "last_name": "Varga",
        "email": f"farid.{tag}.varga@snowflake.com",
        "company": "Snowflake",
        "title": "VP Sales",
        "form_id": "demo-request",
        "consent": True,
    }


def _own_run(client: Client, machine: str) -> dict[str, Any] | None:
    """The execution of `machine` the window's first API request started (its SLA timer, its enrolment), as a call."""
    tree = CallTree(_read(client, calls=True)["calls"])
    found = tree.find(
        lambda c: (
            c["service"] == "states"
            and c["operation"] == machine
            and not any(a["service"] == "states" and a["operation"] == machine for a in tree.ancestors(c))
            and any(a["service"] == "apigateway" for a in tree.ancestors(c))
        )
    )
    return min(found, key=lambda c: c["id"]) if found else None


def _run_units(client: Client, run: dict[str, Any]) -> tuple[Counter[str], bool]:
    """What the run and every run it started cost so far, and whether it has ended."""
    ledger = _read(client, calls=True)
    units = Counter(ledger["workflow_runs"].get(f"{run['operation']}#{run['id']}", {}))
    ended = any(c["id"] == run["id"] and c["ended"] > 0 for c in ledger["calls"])
    return units, ended


def sla_timer(runtime: LocalRuntime, client: Client) -> dict[str, Any]:
    runtime.wait_for_executions()
    _reset(client)
    _post(client, _mql(f"sla{random.randrange(10**6)}"))
    runtime.wait_for_executions()
    run = _own_run(client, "SlaTimer")
    assert run is not None, "the MQL was not assigned: no SLA timer started"
    days = 0
    units, ended = _run_units(client, run)
    while not ended and days < SLA_MAX_DAYS:  # the deadline, the next rep's, the escalation: a business day each
        runtime.advance_clock(days=1, settle_timeout=600)
        days += 1
        units, ended = _run_units(client, run)
    return {"per": "assignment", "count": 1, "units": _per(units, 1), "days": days, "ended": ended}


def decay_run(runtime: LocalRuntime, client: Client, stored: int) -> dict[str, Any]:
    runtime.wait_for_executions()
    assert runtime.scheduler is not None
    with runtime.scheduler.paused():  # this one run only, not one the background timetable fires meanwhile
        _reset(client)
        runtime.fire_schedule("DecayFunction")  # as POST /_local/schedules/DecayFunction/fire, on this thread
        run = _without_workflows(_read(client))
    per_lead_day = Counter({name: value * DECAY_RUNS_PER_DAY for name, value in run.items()})
    return {"per": "lead per day", "count": stored, "units": _per(per_lead_day, stored), "run": _per(run, 1)}


def nurture_enrolment(runtime: LocalRuntime, client: Client) -> dict[str, Any]:
    """The clock is moved to each wake-up the enrolment asks for: a jump of whole days would wake it at the same
    hour every time, and an email outside the lead's send window is put off again and again."""
    runtime.wait_for_executions()
    _reset(client)
    submission = _post(
        client,
        {
            "email": f"sam.{random.randrange(10**6)}.quinn@gmail.com",
            "first_name": "Sam",
            "last_name": "Quinn",
            "title": "Student",
            "country": "GB",
            "form_id": "ebook-download",
            "consent": True,
        },
    )
    runtime.wait_for_executions()
    run = _own_run(client, "NurtureTrack")
    assert run is not None, "the lead was not enrolled in a nurture track"
    lead_id = client.get(f"/v1/submissions/{submission}").json()["lead_id"]
    wake_ups = 0
    units, ended = _run_units(client, run)
    while not ended and wake_ups < NURTURE_MAX_WAKE_UPS:
        [enrolment] = client.get(f"/v1/leads/{lead_id}").json()["nurture"][:1]
        if not enrolment.get("wake_at"):
            break
        wake = datetime.fromisoformat(enrolment["wake_at"].replace("Z", "+00:00"))
        runtime.advance_clock(seconds=max(60.0, (wake - runtime.clock.now()).total_seconds() + 60), settle_timeout=600)
        wake_ups += 1
        units, ended = _run_units(client, run)
    return {"per": "enrolment", "count": 1, "units": _per(units, 1), "wake_ups": wake_ups, "ended": ended}


def measure(leads: int = 200, seed: int = 7) -> dict[str, Any]:
    """Every scenario's requests per unit of work, in the ledger document `leadflow cost` reads."""
    rng = random.Random(seed)
    with LocalRuntime(RuntimeOptions(port=0, log_level="ERROR")) as runtime:  # logs are not requests
        client = Client(runtime.url)
        for _kind, body in make_leads(3, random.Random(seed + 1)):  # warm every function up, outside the count
            body["email"] = "warm." + body["email"]
            _post(client, body)
        runtime.wait_for_executions()
        # The timer and the enrolment first: moving the clock later would also run every timer the capture started.
        scenarios = {"sla_timer": sla_timer(runtime, client), "nurture_enrolment": nurture_enrolment(runtime, client)}
        scenarios["capture"] = capture(runtime, client, make_leads(leads, rng))
        scenarios["decay_run"] = decay_run(runtime, client, stored=leads + 5)
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python -m tests.bench.request_ledger --leads {leads} --seed {seed}",
        "commit": _commit(),
        "leads": leads,
        "scenarios": scenarios,
    }


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the ledger document here (leadflow cost --ledger reads it)")
    args = parser.parse_args(argv)
    document = measure(args.leads, args.seed)
    if args.json:
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    prices = load_prices()
    print(render(document, prices, leads=1_000_000))
    capture_cost = sum(dollars_per_unit_of_work(document["scenarios"]["capture"]["units"], prices).values())
    print(f"\ncapture -> notified: ${capture_cost * 1e6:.2f} per million leads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
