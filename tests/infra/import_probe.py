"""What each Lambda function imports on its cold start, and who imports it: the evidence behind the import budget
(tests/infra/test_cold_imports.py, tests/infra/cold_import_budget.json).

One interpreter imports what every function's cold start pays anyway (boto3 and Powertools, the floor of the cold
import benchmark), then forks once per function: each child imports `functions.<name>.app` alone and reports every
module that import added, with the module whose code imported it. One process, a fork per function (as many at once
as there are CPUs): a few seconds for every function, where a fresh interpreter each would take ten or more.

    .venv/bin/python -m tests.infra.import_probe [NAME ...]           the report, as JSON
    .venv/bin/python -m tests.infra.import_probe --write-budget       rewrite the budget from what is imported now
    .venv/bin/python -m tests.infra.import_probe --domain             import the domain, ports and models with boto3,
                                                                      botocore and Powertools blocked
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import tempfile
import traceback
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
BUDGET = Path(__file__).with_name("cold_import_budget.json")
# What a function's environment sets that matters at import: tracing off, as the template sets it outside Lambda.
ENV = {
    "POWERTOOLS_SERVICE_NAME": "leadflow",
    "POWERTOOLS_METRICS_NAMESPACE": "leadflow",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "AWS_DEFAULT_REGION": "us-east-1",
}
FLOOR = ("boto3", "aws_lambda_powertools.event_handler", "aws_lambda_powertools")
# The pure layers, imported with the AWS libraries blocked.
PURE = ("leadflow.domain", "leadflow.ports", "leadflow.models")
AWS = ("boto3", "botocore", "aws_lambda_powertools")


def _importer() -> str:
    """The module whose code is running the import in progress: the first frame outside the import machinery."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not (name.startswith(("importlib", "_frozen_importlib")) or name == __name__):
            return str(name)
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


class ImportRecorder(MetaPathFinder):
    """Notes who imports each module; finds nothing itself (the next finders load it as usual)."""

    def __init__(self) -> None:
        self.importers: dict[str, str] = {}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        self.importers.setdefault(fullname, _importer())
        return None


class Blocked(MetaPathFinder):
    """Refuses the AWS libraries, naming the module that asked."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.split(".", maxsplit=1)[0] in AWS:
            raise ImportError(f"{_importer()} imports {fullname}")
        return None


def function_names() -> list[str]:
    return sorted(path.parent.name for path in (REPO / "functions").glob("*/app.py"))


def probe(names: Sequence[str]) -> dict[str, dict[str, str]]:
    """function name -> {module its cold start adds: the module that imported it}."""
    os.environ.update(ENV)
    for module in FLOOR:
        importlib.import_module(module)
    recorder = ImportRecorder()
    sys.meta_path.insert(0, recorder)
    before = set(sys.modules)
    with tempfile.TemporaryDirectory() as folder:
        running: set[int] = set()
        for name in names:
            if len(running) >= (os.cpu_count() or 1):
                running.discard(os.wait()[0])
            child = os.fork()
            if child == 0:  # the child: import one function, report, and leave without the parent's exit code
                _report(name, before, recorder, Path(folder) / f"{name}.json")
            running.add(child)
        while running:
            running.discard(os.wait()[0])
        found = {name: _read(name, Path(folder) / f"{name}.json") for name in names}
    sys.meta_path.remove(recorder)
    return found


def _report(name: str, before: set[str], recorder: ImportRecorder, out: Path) -> None:
    """In a forked child: import the function, write what it added, and leave without the parent's exit code."""
    status = 1
    try:
        importlib.import_module(f"functions.{name}.app")
        added = {module: recorder.importers.get(module, "?") for module in set(sys.modules) - before}
        out.write_text(json.dumps(dict(sorted(added.items()))), encoding="utf-8")
        status = 0
    except Exception:  # noqa: BLE001 - any failure: its traceback here, and the parent names the function
        traceback.print_exc()
    os._exit(status)


def _read(name: str, report: Path) -> dict[str, str]:
    if not report.exists():
        raise RuntimeError(f"importing functions.{name}.app failed (its traceback is above)")
    modules: dict[str, str] = json.loads(report.read_text(encoding="utf-8"))
    return modules


def import_pure_layers() -> list[str]:
    """Import every module of the domain, ports and models with the AWS libraries blocked; the modules imported."""
    sys.meta_path.insert(0, Blocked())
    imported = []
    for package_name in PURE:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            importlib.import_module(module.name)
            imported.append(module.name)
    return imported


def budget_of(modules: dict[str, str]) -> list[str]:
    """What the budget keeps of a function's imports: leadflow's own modules."""
    return sorted(module for module in modules if module.split(".", maxsplit=1)[0] == "leadflow")


def main(argv: Sequence[str]) -> int:
    if "--domain" in argv:
        print(json.dumps(import_pure_layers()))
        return 0
    names = [arg for arg in argv if not arg.startswith("--")] or function_names()
    found = probe(names)
    if "--write-budget" in argv:
        budget = {name: budget_of(modules) for name, modules in found.items()}
        BUDGET.write_text(json.dumps(budget, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {BUDGET.relative_to(REPO)}: {sum(map(len, budget.values()))} modules for {len(budget)} functions")
        return 0
    print(json.dumps(found, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
