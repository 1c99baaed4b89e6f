"""The Lambda layer `sam build` produces: dependencies pinned alike for the layer and the dev install, nothing in
it that the runtime already has, every handler importable from it, and the budget check that CI runs on it."""

from __future__ import annotations

import marshal
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.build import check_layer, compile_bytecode

MIB = 1024 * 1024
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "aws-xray-sdk"}


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            name, version = requirement.split("==")
            pins[re.sub(r"\[.*\]", "", name).lower()] = version
    return pins


def _pyproject_dependencies(repo_root: Path) -> list[str]:
    import tomllib

    project = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dependencies: list[str] = project["dependencies"]
    return dependencies


def test_the_layer_and_the_dev_install_pin_the_same_versions(repo_root: Path) -> None:
    layer = _pins((repo_root / "layers/leadflow/requirements.txt").read_text(encoding="utf-8").splitlines())
    project = _pins(_pyproject_dependencies(repo_root))

    assert {name: version for name, version in project.items() if name != "boto3"} == layer


def test_the_layer_requirements_leave_out_what_the_runtime_provides_and_tracing_extras(repo_root: Path) -> None:
    lines = (repo_root / "layers/leadflow/requirements.txt").read_text(encoding="utf-8").splitlines()

    assert not RUNTIME_PROVIDED & set(_pins(lines))
    assert not [line for line in lines if "[" in line.split("#", 1)[0]], "an extra pulls in more than its package"


def test_every_handler_imports_in_lambda_without_the_xray_sdk(repo_root: Path) -> None:
    # Given Lambda's environment as the template deploys it by default (tracing off), and no X-Ray SDK importable
    names = sorted(path.parent.name for path in (repo_root / "functions").glob("*/app.py"))
    script = (
        "import sys\n"
        "sys.modules['aws_xray_sdk'] = None\n"
        f"for name in {names!r}:\n"
        "    __import__(f'functions.{name}.app')\n"
        "print('aws_xray_sdk' in sys.modules and sys.modules['aws_xray_sdk'] is not None)\n"
    )
    env = {
        **os.environ,
        "LAMBDA_TASK_ROOT": "/var/task",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PYTHONPATH": os.pathsep.join([str(repo_root / "layers/leadflow"), str(repo_root)]),
    }

    # When every handler module is imported
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=repo_root, env=env, capture_output=True, text=True, check=False
    )

    # Then all of them load, and none loaded the SDK
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "False"


def _fake_layer(root: Path, packages: dict[str, int]) -> Path:
    """A built layer's folder with one file of the given size per top-level entry (a native library: no bytecode to
    compile)."""
    site = root / "LeadflowLayer" / "python"
    for entry, size in packages.items():
        folder = site / entry
        folder.mkdir(parents=True)
        (folder / ("METADATA" if entry.endswith(".dist-info") else "_native.so")).write_bytes(b"x" * size)
    return root / "LeadflowLayer"


def _built_stack(root: Path) -> Path:
    """What `sam build` leaves: a layer with a package of modules, a function's handler, no bytecode."""
    package = root / "LeadflowLayer" / "python" / "leadflow"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "scoring.py").write_text("def fit(points: int) -> int:\n    return min(points, 100)\n", encoding="utf-8")
    (root / "RouteFunction").mkdir()
    (root / "RouteFunction" / "app.py").write_text("from leadflow import scoring\n", encoding="utf-8")
    return root


def _code_in(pyc: Path) -> Any:
    return marshal.loads(pyc.read_bytes()[16:])  # after PEP 552's header: magic, flags, source hash


def test_a_layer_without_bytecode_fails_and_names_a_module_each_cold_start_would_compile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = _built_stack(tmp_path)

    assert check_layer.main([str(built / "LeadflowLayer")]) == 1
    err = capsys.readouterr().err
    assert "2 modules have no cpython-311 bytecode (first: python/leadflow/__init__.py)" in err
    assert "infra.build.compile_bytecode" in err


def test_the_built_stack_compiled_carries_hash_checked_bytecode_naming_the_deployed_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = _built_stack(tmp_path)

    assert compile_bytecode.main([str(built)]) == 0
    assert check_layer.main([str(built / "LeadflowLayer")]) == 0
    capsys.readouterr()
    module = built / "LeadflowLayer/python/leadflow/__pycache__/scoring.cpython-311.pyc"
    flags = int.from_bytes(module.read_bytes()[4:8], "little")
    assert flags == 0b11  # hash-based and checked: valid whatever dates the zip gives, stale if the source changes
    assert _code_in(module).co_filename == "/opt/python/leadflow/scoring.py"
    handler = built / "RouteFunction/__pycache__/app.cpython-311.pyc"
    assert _code_in(handler).co_filename == "/var/task/app.py"


def test_a_source_that_does_not_compile_fails_the_build_naming_its_artifact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = _built_stack(tmp_path)
    (built / "RouteFunction" / "app.py").write_text("def broken(:\n", encoding="utf-8")

    assert compile_bytecode.main([str(built)]) == 1
    assert "a source in RouteFunction does not compile" in capsys.readouterr().err


def test_a_layer_within_its_budget_passes_and_its_size_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layer = _fake_layer(tmp_path, {"pydantic": 3 * MIB, "rapidfuzz": 2 * MIB, "leadflow": MIB // 2})

    assert check_layer.main([str(layer), "--budget-mib", "6"]) == 0
    out = capsys.readouterr().out
    assert "5.5 MiB unzipped in 3 files (budget 6.0 MiB)" in out
    assert "largest: pydantic 3.0 MiB, rapidfuzz 2.0 MiB" in out


def test_a_layer_over_its_budget_fails_naming_its_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layer = _fake_layer(tmp_path, {"pydantic": 3 * MIB, "rapidfuzz": 2 * MIB})

    assert check_layer.main([str(layer), "--budget-mib", "4"]) == 1
    assert "the layer is 5.0 MiB unzipped, over its budget of 4.0 MiB" in capsys.readouterr().err


@pytest.mark.parametrize("entry", ["botocore", "boto3", "aws_xray_sdk", "aws_xray_sdk-2.15.0.dist-info"])
def test_a_layer_shipping_what_the_runtime_has_or_only_tracing_needs_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str
) -> None:
    layer = _fake_layer(tmp_path, {"pydantic": 1024, entry: 1024})

    assert check_layer.main([str(layer)]) == 1
    name = entry.split("-", maxsplit=1)[0]
    assert f"{name} is in the layer" in capsys.readouterr().err


def test_no_built_layer_is_an_error_that_says_to_build_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check_layer.main([str(tmp_path / "missing")]) == 2
    assert "run `make build` first" in capsys.readouterr().err
