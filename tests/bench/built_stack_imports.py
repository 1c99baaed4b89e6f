"""Cold import from what `make build` built, with the bytecode it ships and without it (as a bare `sam build` left it).

Lambda cannot write beside the layer's modules (/opt is read-only), so a module without valid bytecode is compiled at
every cold start; tests/bench/cold_imports.py measures from the checkout, where bytecode is cached, as if the layer
shipped it. This measures the difference: each function's handler imported in a fresh interpreter that writes no
bytecode, from a copy of the built stack with its .pyc files and from a copy stripped of them, alternating, median of
`--repeats` runs. The layer is built for arm64: on another machine its native packages (pydantic_core, rapidfuzz, ...)
come from the dev install instead, the same in both copies.

    make build && .venv/bin/python -m tests.bench.built_stack_imports [--repeats 5] [--functions route,intake]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.build import compile_bytecode
from tests.bench.pipeline_latency import FUNCTION_ENV

REPO = Path(__file__).resolve().parents[2]
TIMER = "import time; t = time.perf_counter(); import app; print((time.perf_counter() - t) * 1000)"


def _native_overlay(layer_python: Path, overlay: Path) -> None:
    """Link this machine's build of every layer package holding a native library, to be found first."""
    overlay.mkdir()
    for package in layer_python.iterdir():
        if package.is_dir() and any(package.rglob("*.so")):
            spec = importlib.util.find_spec(package.name)
            if spec and spec.submodule_search_locations:
                (overlay / package.name).symlink_to(next(iter(spec.submodule_search_locations)))


def _copy(build: Path, functions: list[str], into: Path, bytecode: bool) -> Path:
    for artifact in ["LeadflowLayer", *functions]:
        shutil.copytree(build / artifact, into / artifact, ignore=None if bytecode else shutil.ignore_patterns("*.pyc"))
    if bytecode:
        compile_bytecode.main([str(into)])  # a no-op where make build already compiled them
    return into


def _time_import(stack: Path, overlay: Path, function: str) -> float:
    path = os.pathsep.join(map(str, (overlay, stack / function, stack / "LeadflowLayer" / "python")))
    env = {**os.environ, **FUNCTION_ENV, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", TIMER], env=env, cwd=stack, capture_output=True, check=True)
    return float(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", type=Path, default=REPO / ".aws-sam/build")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--functions", default="route,intake,dedupe,score,notify")
    args = parser.parse_args(argv)
    names = [f"{''.join(p.title() for p in n.split('_'))}Function" for n in args.functions.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        stacks = {
            "with bytecode": _copy(args.build_dir, names, root / "with", bytecode=True),
            "sources only": _copy(args.build_dir, names, root / "without", bytecode=False),
        }
        _native_overlay(args.build_dir / "LeadflowLayer" / "python", root / "native")
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeats):
            for name in names:
                for kind, stack in stacks.items():
                    times.setdefault((name, kind), []).append(_time_import(stack, root / "native", name))
    print(f"cold import of the built handler, median of {args.repeats} (ms): with bytecode / sources only / ratio")
    for name in names:
        with_, without = (statistics.median(times[(name, kind)]) for kind in stacks)
        print(f"  {name:<20} {with_:7.0f} {without:7.0f}  {without / with_:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
