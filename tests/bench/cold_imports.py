"""Cold import benchmark: each function's `import functions.<name>.app` against the floor every Lambda pays anyway.

The floor is a fresh interpreter importing boto3, Powertools' REST resolver and Logger, Tracer and Metrics. Every
import runs in a fresh interpreter with the functions' environment, and only the import is timed (not the
interpreter's own start). The machine is shared and noisy, so the floor and the functions run interleaved, round
robin (the floor between every few functions), and each is reported as the median of its runs and as a ratio to
the floor's median. The goal is every function at most 1.2x the floor. Beside them, not counted as a function: the
floor with pydantic and Powertools' event parser, what any function that parses its event pays before its own models.

    .venv/bin/python -m tests.bench.cold_imports [--repeats 5] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.bench.pipeline_latency import FUNCTION_ENV, code_path

REPO = Path(__file__).resolve().parents[2]
FLOOR = "floor"
FLOOR_IMPORTS = (
    "import boto3; "
    "from aws_lambda_powertools.event_handler import APIGatewayRestResolver; "
    "from aws_lambda_powertools import Logger, Tracer, Metrics"
)
# Not a function: the floor with pydantic and Powertools' event parser, which every function that parses its event
# or validates a body pays before any model of its own. Measured beside the functions, so that a ratio can be read
# against what the design's libraries allow.
PARSER = "floor + pydantic parser"
PARSER_IMPORTS = FLOOR_IMPORTS + "; from aws_lambda_powertools.utilities.parser import event_parser"
# Wall time, as a cold start is paid, and the CPU time of the same import: steadier on a loaded machine, as it leaves
# out the time spent waiting for a CPU.
TIMER = (
    "import time; t, c = time.perf_counter(), time.process_time(); {imports}; "
    "print((time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000)"
)
GOAL = 1.2
# The floor runs again after this many functions, so that it sees the same load as the functions around it.
FLOOR_EVERY = 4


def function_names() -> list[str]:
    return sorted(p.name for p in (REPO / "functions").iterdir() if (p / "app.py").is_file())


def _code(name: str) -> str:
    imports = {FLOOR: FLOOR_IMPORTS, PARSER: PARSER_IMPORTS}.get(name, f"import functions.{name}.app")
    return TIMER.format(imports=imports)


def time_import(name: str, env: dict[str, str]) -> tuple[float, float]:
    """Milliseconds (wall, CPU) one fresh interpreter takes to import `name` (a function, or the floor)."""
    done = subprocess.run(
        [sys.executable, "-c", _code(name)], env=env, cwd=REPO, capture_output=True, check=False, timeout=120
    )
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"importing {name} failed: {last[:200]}")
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def round_order(names: list[str]) -> list[str]:
    """One round: the floor first, then again after every FLOOR_EVERY functions; the parser reference once."""
    order = [PARSER]
    for i, name in enumerate(names):
        if i % FLOOR_EVERY == 0:
            order.append(FLOOR)
        order.append(name)
    return order


def measure(repeats: int = 5, names: list[str] | None = None) -> dict[str, Any]:
    """Median cold import per function (ms) and its ratio to the floor's median, with the worst and the mean ratio.
    Each round starts from a different function, so that no function always runs at the same point of a round."""
    names = names or function_names()
    env = {**os.environ, **FUNCTION_ENV, "PYTHONPATH": code_path()}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    everything = [FLOOR, PARSER, *names]
    for name in everything:  # compile and cache the bytecode once, as `make build` ships it (compile_bytecode.py)
        time_import(name, env)
    walls: dict[str, list[float]] = {name: [] for name in everything}
    cpus: dict[str, list[float]] = {name: [] for name in everything}
    for repeat in range(repeats):
        shift = repeat * len(names) // max(repeats, 1)
        for name in round_order(names[shift:] + names[:shift]):
            wall, cpu = time_import(name, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    floor, floor_cpu = statistics.median(walls[FLOOR]), statistics.median(cpus[FLOOR])

    def figures(name: str) -> dict[str, float]:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        return {
            "ms": round(wall, 1),
            "ratio": round(wall / floor, 2),
            "cpu_ms": round(cpu, 1),
            "cpu_ratio": round(cpu / floor_cpu, 2),
        }

    functions = {name: figures(name) for name in names}
    worst = max(functions, key=lambda name: functions[name]["ratio"])
    return {
        "repeats": repeats,
        "floor_ms": round(floor, 1),
        "floor_cpu_ms": round(floor_cpu, 1),
        "floor_runs": len(walls[FLOOR]),
        "parser_reference": figures(PARSER),
        "functions": functions,
        "worst": {"function": worst, "ratio": functions[worst]["ratio"]},
        "mean_ratio": round(statistics.fmean(entry["ratio"] for entry in functions.values()), 2),
        "mean_cpu_ratio": round(statistics.fmean(entry["cpu_ratio"] for entry in functions.values()), 2),
        "over_goal": sorted(name for name, entry in functions.items() if entry["ratio"] > GOAL),
        "goal_ratio": GOAL,
    }


def render(result: dict[str, Any]) -> str:
    reference = result["parser_reference"]
    lines = [
        "floor (boto3 + Powertools resolver, Logger, Tracer, Metrics): "
        f"{result['floor_ms']} ms median ({result['floor_cpu_ms']} ms CPU)",
        f"floor + pydantic and Powertools' event parser (not a function; what parsing an event costs first): "
        f"{reference['ratio']:.2f}x ({reference['cpu_ratio']:.2f}x CPU)",
        f"{'function':<20}{'ms':>8}{'ratio':>8}{'CPU ms':>9}{'ratio':>8}",
    ]
    for name, entry in sorted(result["functions"].items(), key=lambda item: -item[1]["ratio"]):
        flag = "  over" if entry["ratio"] > result["goal_ratio"] else ""
        lines.append(
            f"{name:<20}{entry['ms']:>8.1f}{entry['ratio']:>8.2f}{entry['cpu_ms']:>9.1f}{entry['cpu_ratio']:>8.2f}{flag}"
        )
    worst = result["worst"]
    lines.append(
        f"worst {worst['function']} {worst['ratio']:.2f}x, mean {result['mean_ratio']:.2f}x "
        f"(CPU {result['mean_cpu_ratio']:.2f}x), "
        f"{len(result['over_goal'])} of {len(result['functions'])} over {result['goal_ratio']}x "
        f"({result['repeats']} repeats, median)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per function (median); default 5")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("functions", nargs="*", help="only these functions (default: every one)")
    args = parser.parse_args(argv)
    result = measure(args.repeats, args.functions or None)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
