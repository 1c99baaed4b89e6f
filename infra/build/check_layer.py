"""The Lambda layer's budget, checked on what `make build` produced: the layer, unzipped, stays under its size budget,
ships nothing the runtime already has (boto3, botocore) or only tracing needs (the X-Ray SDK, which brings
botocore), and carries the bytecode of every module (infra/build/compile_bytecode.py), so that no cold start compiles
one. Run by `make build` and CI: `python -m infra.build.check_layer [--budget-mib N] [LAYER_DIR]`."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024
# Measured at 31.1 MiB with the pins of layers/leadflow/requirements.txt: 21.0 MiB of sources and data, 10.1 MiB of
# bytecode (without bytecode it was 42.4 MiB when it carried the X-Ray SDK and botocore). The bytecode is bought on
# purpose: without it each cold start compiled what it imported (dedupe's import 734 ms against 364 ms with it on the
# build machine: tests/bench/built_stack_imports.py). The budget leaves room for a dependency or two, not for a
# second SDK. Lambda's own limit is 250 MiB for the function and all its layers together.
DEFAULT_BUDGET_MIB = 36
# The template's runtime (python3.11) reads only bytecode with its cache tag.
RUNTIME_CACHE_TAG = "cpython-311"
DEFAULT_LAYER_DIR = Path(".aws-sam/build/LeadflowLayer")

# Top-level packages (import names) that must not be in the layer, and why.
FORBIDDEN = {
    "boto3": "the Lambda runtime provides boto3",
    "botocore": "the Lambda runtime provides botocore",
    "s3transfer": "the Lambda runtime provides s3transfer (boto3's)",
    "aws_xray_sdk": "the X-Ray SDK is added only to trace with Tracing=Active (see README)",
}

_DIST_INFO = re.compile(r"^(?P<name>[A-Za-z0-9_.]+?)-[^-]+\.(dist|egg)-info$")


@dataclass(frozen=True)
class LayerReport:
    total_bytes: int
    file_count: int
    # Bytes per top-level entry of the layer's import path (a package, a module or a .dist-info folder).
    by_entry: dict[str, int] = field(default_factory=dict)
    forbidden: dict[str, str] = field(default_factory=dict)
    # Modules with no bytecode for the runtime beside them: Lambda compiles each at every cold start that imports it.
    without_bytecode: list[str] = field(default_factory=list)

    def problems(self, budget_bytes: int) -> list[str]:
        found = [f"{name} is in the layer: {why}" for name, why in sorted(self.forbidden.items())]
        if self.without_bytecode:
            found.append(
                f"{len(self.without_bytecode)} modules have no {RUNTIME_CACHE_TAG} bytecode (first: "
                f"{self.without_bytecode[0]}): each cold start would compile them; run "
                "`python -m infra.build.compile_bytecode` after `sam build` (`make build` does)"
            )
        if self.total_bytes > budget_bytes:
            found.append(f"the layer is {_mib(self.total_bytes)} unzipped, over its budget of {_mib(budget_bytes)}")
        return found

    def summary(self, budget_bytes: int, top: int = 6) -> str:
        largest = sorted(self.by_entry.items(), key=lambda item: -item[1])[:top]
        return (
            f"LeadflowLayer: {_mib(self.total_bytes)} unzipped in {self.file_count} files "
            f"(budget {_mib(budget_bytes)})\n  largest: " + ", ".join(f"{name} {_mib(size)}" for name, size in largest)
        )


def _mib(size: int) -> str:
    return f"{size / MIB:.1f} MiB"


def _import_roots(layer_dir: Path) -> list[Path]:
    """Where Lambda looks for Python code in a layer: python/ and python/lib/pythonX.Y/site-packages/."""
    roots = [layer_dir / "python", *sorted(layer_dir.glob("python/lib/python3*/site-packages"))]
    return [root for root in roots if root.is_dir()]


def _import_name(entry: str) -> str:
    match = _DIST_INFO.match(entry)
    name = match.group("name") if match else entry.removesuffix(".py")
    return name.replace("-", "_").replace(".", "_").lower()


def _size_of(path: Path) -> tuple[int, int]:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size, 1
    total, count = 0, 0
    for folder, _, files in os.walk(path):
        for name in files:
            total += (Path(folder) / name).lstat().st_size
            count += 1
    return total, count


def measure(layer_dir: Path) -> LayerReport:
    total, count = _size_of(layer_dir)
    by_entry: dict[str, int] = {}
    forbidden: dict[str, str] = {}
    for root in _import_roots(layer_dir):
        for entry in root.iterdir():
            if entry.name == "lib" and root == layer_dir / "python":
                continue  # site-packages is a root of its own
            by_entry[entry.name] = by_entry.get(entry.name, 0) + _size_of(entry)[0]
            name = _import_name(entry.name)
            if name in FORBIDDEN:
                forbidden[name] = FORBIDDEN[name]
    return LayerReport(total, count, by_entry, forbidden, _without_bytecode(layer_dir))


def _without_bytecode(layer_dir: Path) -> list[str]:
    return [
        str(source.relative_to(layer_dir))
        for source in sorted(layer_dir.rglob("*.py"))
        if not (source.parent / "__pycache__" / f"{source.stem}.{RUNTIME_CACHE_TAG}.pyc").is_file()
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("layer_dir", nargs="?", type=Path, default=DEFAULT_LAYER_DIR)
    parser.add_argument("--budget-mib", type=float, default=DEFAULT_BUDGET_MIB)
    args = parser.parse_args(argv)
    if not _import_roots(args.layer_dir):
        print(f"no built layer with a python/ folder at {args.layer_dir}: run `make build` first", file=sys.stderr)
        return 2
    budget = int(args.budget_mib * MIB)
    report = measure(args.layer_dir)
    print(report.summary(budget))
    problems = report.problems(budget)
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
