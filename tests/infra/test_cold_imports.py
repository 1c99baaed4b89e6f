"""A Lambda function's cold start pays for every module it imports, so each function imports only what its own step
needs (tests/bench/cold_imports.py measures what that costs). Held here without timing anything:

- the domain, ports and models import with boto3, botocore and Powertools blocked (they do no I/O);
- each function's cold start imports no leadflow module beyond its budget (cold_import_budget.json), and a failure
  names the new module and the chain of imports that brought it in;
- no function loads at import what only some invocations use: the X-Ray SDK (tracing is off), Powertools' envelopes
  (every envelope's model) and OpenAPI models (only for the document), jinja2 (the first mail), phonenumbers and
  email_validator (the first phone or address checked), and only dedupe and curation load the fuzzy matchers.

Every function is imported in one subprocess, forked once per function (tests/infra/import_probe.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.infra.import_probe import BUDGET, REPO, budget_of, function_names

REGENERATE = "`.venv/bin/python -m tests.infra.import_probe --write-budget`"
# module -> the functions that may import it at cold start (none: no function).
LOADED_ON_FIRST_USE: dict[str, frozenset[str]] = {
    "aws_xray_sdk": frozenset(),
    "aws_lambda_powertools.utilities.parser.envelopes": frozenset(),
    "aws_lambda_powertools.event_handler.openapi.models": frozenset(),
    "jinja2": frozenset(),
    "phonenumbers": frozenset(),
    "email_validator": frozenset(),
    "rapidfuzz": frozenset({"dedupe", "curate"}),
    "jellyfish": frozenset({"dedupe", "curate"}),
}


def run_probe(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(REPO / "layers/leadflow"), str(REPO)))}
    command = [sys.executable, "-m", "tests.infra.import_probe", *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture(scope="module")
def imported() -> dict[str, dict[str, str]]:
    """function -> {module its cold start imports: the module that imported it}."""
    done = run_probe()
    assert done.returncode == 0, done.stderr[-3000:]
    found: dict[str, dict[str, str]] = json.loads(done.stdout)
    return found


def chain(module: str, importers: dict[str, str], stop: set[str]) -> str:
    """`module <- its importer <- ...`, up to a module of `stop` (already in the budget) or the function itself."""
    links = [module]
    while module in importers and module not in stop and not module.startswith("functions.") and len(links) < 20:
        module = importers[module]
        links.append(module)
    return " <- ".join(links)


def test_the_domain_ports_and_models_import_without_the_aws_libraries() -> None:
    done = run_probe("--domain")
    assert done.returncode == 0, f"a pure module reached an AWS library:\n{done.stderr.strip().splitlines()[-1]}"
    imported = set(json.loads(done.stdout))
    on_disk = {
        ".".join(path.relative_to(REPO / "layers/leadflow").with_suffix("").parts)
        for layer in ("domain", "ports", "models")
        for path in (REPO / "layers/leadflow/leadflow" / layer).glob("*.py")
        if path.name != "__init__.py"
    }
    assert on_disk <= imported, f"not imported: {sorted(on_disk - imported)}"


def test_every_function_has_a_budget(imported: dict[str, dict[str, str]]) -> None:
    budget: dict[str, Any] = json.loads(BUDGET.read_text(encoding="utf-8"))
    assert sorted(imported) == function_names()
    assert sorted(budget) == function_names(), f"a function was added or removed: regenerate it with {REGENERATE}"


def test_no_function_imports_a_leadflow_module_beyond_its_budget(imported: dict[str, dict[str, str]]) -> None:
    budget: dict[str, list[str]] = json.loads(BUDGET.read_text(encoding="utf-8"))
    problems = []
    for name, importers in imported.items():
        allowed = set(budget.get(name, []))
        for module in sorted(set(budget_of(importers)) - allowed):
            problems.append(f"functions.{name}: {chain(module, importers, allowed)}")
    assert not problems, (
        "a function's cold start imports more of leadflow than its budget (each line: the new module and who imported "
        "it). Import it where it is used (inside the function, or under TYPE_CHECKING for an annotation); if the "
        f"function's step really needs it at every call, regenerate the budget with {REGENERATE}:\n"
        + "\n".join(problems)
    )


def test_no_function_loads_at_import_what_only_some_invocations_use(imported: dict[str, dict[str, str]]) -> None:
    problems = []
    for name, importers in imported.items():
        for module, allowed in LOADED_ON_FIRST_USE.items():
            if module in importers and name not in allowed:
                problems.append(f"functions.{name}: {chain(module, importers, set())}")
    assert not problems, "imported at cold start, by:\n" + "\n".join(problems)
