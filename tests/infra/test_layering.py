"""The layering contracts (pyproject.toml, [tool.importlinter]) hold on the repository, and the checker behind them
fails when an import breaks one: a domain module reaching an adapter, the domain calling AWS, a cycle between two
modules of one package.

The checker's own tests run the real contracts against a scratch tree that has every module they name, empty, so
they say whether the contracts as written catch a wrong import, not whether some hand-made copy of them would."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from infra.local.template import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path, *python_path: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(str(path) for path in python_path)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=environment,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def contracts_config() -> dict[str, Any]:
    with (REPO_ROOT / "pyproject.toml").open("rb") as file:
        config: dict[str, Any] = tomllib.load(file)["tool"]["importlinter"]
    return config


def named_modules(config: dict[str, Any]) -> set[str]:
    """Every module of the root packages that a contract names (layers, sources, targets, ignored imports)."""
    names: set[str] = set()
    for contract in config["contracts"]:
        containers = contract.get("containers", [""])
        for layer in contract.get("layers", []):
            for name in layer.replace(":", "|").split("|"):
                names.update(f"{container}.{name.strip()}".strip(".") for container in containers)
        for key in ("source_modules", "forbidden_modules", "modules", "ancestors"):
            names.update(contract.get(key, []))
        for ignored in contract.get("ignore_imports", []):
            names.update(part.strip() for part in ignored.split("->"))
    return {name for name in names if name.split(".")[0] in config["root_packages"]}


def write_module(root: Path, module: str, source: str = "") -> Path:
    """Writes `module` as a file under `root`, each package on the way with an __init__.py."""
    *packages, leaf = module.split(".")
    folder = root
    for package in packages:
        folder /= package
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").touch()
    path = folder / f"{leaf}.py"
    if (folder / leaf).is_dir():
        path = folder / leaf / "__init__.py"
    path.write_text(source, encoding="utf-8")
    return path


@pytest.fixture
def scratch_tree(tmp_path: Path) -> Path:
    """Every module the contracts name, as an empty package (so a test can add modules under any of them), with the
    repository's pyproject.toml: the contracts hold on it."""
    for module in named_modules(contracts_config()):
        folder = tmp_path.joinpath(*module.split("."))
        folder.mkdir(parents=True, exist_ok=True)
        for package in (folder, *folder.relative_to(tmp_path).parents):
            (tmp_path / package / "__init__.py").touch()
    for contract in contracts_config()["contracts"]:
        for ignored in contract.get("ignore_imports", []):  # the exceptions are there, as in the repository
            importer, imported = (part.strip() for part in ignored.split("->"))
            write_module(tmp_path, importer, f"import {imported}\n")
    (tmp_path / "pyproject.toml").write_bytes((REPO_ROOT / "pyproject.toml").read_bytes())
    return tmp_path


def test_the_repository_keeps_every_layering_contract() -> None:
    result = lint_imports(REPO_ROOT, REPO_ROOT / "layers" / "leadflow", REPO_ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_cover_every_layer_not_only_the_domain() -> None:
    layered = {
        layer.strip()
        for contract in contracts_config()["contracts"]
        if contract["type"] == "layers" and contract.get("containers") == ["leadflow"]
        for row in contract["layers"]
        for layer in row.split("|")
    }

    assert {"api", "step_handler", "wiring", "services", "adapters", "domain", "ports", "models"} <= layered


def test_a_clean_tree_keeps_the_contracts(scratch_tree: Path) -> None:
    result = lint_imports(scratch_tree, scratch_tree)

    assert result.returncode == 0, result.stdout + result.stderr


def test_a_domain_module_importing_an_adapter_breaks_the_layers(scratch_tree: Path) -> None:
    # given a domain module that reaches for the DynamoDB adapter
    write_module(scratch_tree, "leadflow.domain.scoring", "from leadflow.adapters import dynamodb\n")

    # when the contracts are checked
    result = lint_imports(scratch_tree, scratch_tree)

    # then the check fails and names the import
    assert result.returncode == 1
    assert "leadflow.domain.scoring -> leadflow.adapters.dynamodb" in result.stdout
    assert "BROKEN" in result.stdout


def test_a_model_importing_a_service_breaks_the_layers(scratch_tree: Path) -> None:
    write_module(scratch_tree, "leadflow.models.lead", "import leadflow.services.pipeline\n")
    write_module(scratch_tree, "leadflow.services.pipeline")

    result = lint_imports(scratch_tree, scratch_tree)

    assert result.returncode == 1
    assert "leadflow.models.lead -> leadflow.services.pipeline" in result.stdout


def test_the_domain_calling_aws_breaks_the_pure_domain_contract(scratch_tree: Path) -> None:
    write_module(scratch_tree, "leadflow.domain.scoring", "import boto3\n")

    result = lint_imports(scratch_tree, scratch_tree)

    assert result.returncode == 1
    assert "leadflow.domain is not allowed to import boto3" in result.stdout


def test_leadflow_importing_the_local_runtime_breaks_the_top_layers(scratch_tree: Path) -> None:
    write_module(scratch_tree, "leadflow.wiring", "import infra.local\n")

    result = lint_imports(scratch_tree, scratch_tree)

    assert result.returncode == 1
    assert "leadflow is not allowed to import infra" in result.stdout


def test_a_product_tool_importing_the_local_runtime_breaks_their_separation(scratch_tree: Path) -> None:
    write_module(scratch_tree, "infra.cli.dedupe", "from infra.local import runtime\n")
    write_module(scratch_tree, "infra.local.runtime")

    result = lint_imports(scratch_tree, scratch_tree)

    assert result.returncode == 1
    assert "infra.cli.dedupe is not allowed to import infra.local" in result.stdout


def test_an_adapter_importing_another_adapter_breaks_their_independence(scratch_tree: Path) -> None:
    write_module(scratch_tree, "leadflow.adapters.slack", "from leadflow.adapters import enrichment\n")

    result = lint_imports(scratch_tree, scratch_tree)

    assert result.returncode == 1
    assert "leadflow.adapters.slack is not allowed to import leadflow.adapters.enrichment" in result.stdout


def test_the_wiring_importing_a_test_twin_breaks_the_twins_contract(scratch_tree: Path) -> None:
    write_module(scratch_tree, "leadflow.wiring", "from leadflow.adapters import memory\n")

    result = lint_imports(scratch_tree, scratch_tree)

    assert result.returncode == 1
    assert "leadflow.wiring is not allowed to import leadflow.adapters.memory" in result.stdout


def test_a_cycle_between_two_domain_modules_breaks_the_acyclic_contract(scratch_tree: Path) -> None:
    # given two domain modules that import each other, one only for the type checker
    write_module(scratch_tree, "leadflow.domain.matching", "from leadflow.domain import match_fields\n")
    write_module(
        scratch_tree,
        "leadflow.domain.match_fields",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from leadflow.domain import matching\n",
    )

    result = lint_imports(scratch_tree, scratch_tree)

    assert result.returncode == 1
    assert "No cycles are allowed in leadflow.domain" in result.stdout


def test_a_route_building_its_own_adapters_through_the_wiring_breaks_the_layers(scratch_tree: Path) -> None:
    # routes are handed their deps by their function's app.py; reaching for the wiring is the shape this forbids
    write_module(scratch_tree, "leadflow.api.read_routes", "from leadflow import wiring\n")

    result = lint_imports(scratch_tree, scratch_tree)

    assert result.returncode == 1
    assert "leadflow.api.read_routes -> leadflow.wiring" in result.stdout
