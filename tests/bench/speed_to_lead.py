"""Speed-to-lead where it is paid for, in one run (`make bench`): what a lead costs in time and in AWS requests.

1. Cold starts: each function's import as a ratio of the floor every Lambda pays anyway (tests/bench/cold_imports.py).
2. The local runtime under load, the same runtime, template, rules and demo data `make run` starts
   (tests/bench/pipeline_latency.py): a closed loop (500 leads from 8 clients) and an open loop (5 leads/s offered
   for 60 s): leads/s processed, capture -> assigned p50 / p95 / p99.
3. The AWS request ledger (tests/bench/request_ledger.py): requests per lead by service, priced at the dated list
   prices `leadflow cost` uses, and the sequential round trips on capture -> assigned and -> notified.

    .venv/bin/python -m tests.bench.speed_to_lead [--quick] [--json PATH]

`--quick` runs each part small (a smoke run of the benchmark itself, not figures to report).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from infra.cli.cost import load_prices, render
from tests.bench import cold_imports, pipeline_latency, request_ledger
from tests.bench.pipeline_latency import Load

GOALS = {
    "cold import ratio": "<= 1.2x the floor, every function",
    "leads/s processed": ">= 20",
    "capture->assigned p95 at 5 leads/s offered": "<= 1 s",
    "$ per million leads captured and routed": "<= 10",
    "sequential round trips capture->notified": "<= 12",
}


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def _latency_row(result: dict[str, Any]) -> str:
    spread = result["capture_to_assigned_s"]
    figures = " / ".join(_ms(spread.get(q)) for q in ("p50", "p95", "p99"))
    counts = result["counts"]
    return (
        f"{pipeline_latency.load_line(result)}: {result['pipeline_leads_per_s']:.1f} leads/s processed, "
        f"capture->assigned p50 / p95 / p99 {figures} ms (n={spread['n']}); "
        f"processed {counts['processed']}, failed {counts['failed']}, not finished {counts['not finished']}"
    )


def _imports_rows(result: dict[str, Any]) -> list[str]:
    rows = [
        f"floor (boto3 + REST resolver + Logger, Tracer, Metrics): {result['floor_ms']:.0f} ms, median of "
        f"{result['floor_runs']} runs; worst {result['worst']['function']} {result['worst']['ratio']:.2f}x, "
        f"mean {result['mean_ratio']:.2f}x; over {result['goal_ratio']}x: {', '.join(result['over_goal']) or 'none'}"
    ]
    per_function = sorted(result["functions"].items(), key=lambda item: -item[1]["ratio"])
    rows.extend(f"  {name:<20} {entry['ms']:7.1f} ms  {entry['ratio']:.2f}x" for name, entry in per_function)
    return rows


def run(quick: bool) -> dict[str, Any]:
    started = time.monotonic()
    figures: dict[str, Any] = {}
    figures["cold_imports"] = cold_imports.measure(repeats=1 if quick else 5)
    figures["closed_loop"] = pipeline_latency.measure(Load(leads=40 if quick else 500, concurrency=8))
    figures["open_loop"] = pipeline_latency.measure(Load(rate=5, duration=8 if quick else 60))
    figures["ledger"] = request_ledger.measure(leads=10 if quick else 200)
    figures["seconds"] = round(time.monotonic() - started)
    return figures


def report(figures: dict[str, Any]) -> str:
    lines = ["== cold import per function, as a ratio of the floor", *_imports_rows(figures["cold_imports"])]
    lines += ["", "== the local runtime under load (same runtime, template, rules and demo data as `make run`)"]
    lines += [_latency_row(figures["closed_loop"]), _latency_row(figures["open_loop"])]
    lines += ["", "== AWS requests per lead and what they cost (leadflow cost, the ledger just measured)"]
    lines += [render(figures["ledger"], load_prices(), leads=1_000_000)]
    lines += ["", "== goals", *(f"  {name}: {goal}" for name, goal in GOALS.items())]
    lines += [f"(whole run: {figures['seconds']} s)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="each part small: a smoke run, not figures")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)
    figures = run(args.quick)
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
