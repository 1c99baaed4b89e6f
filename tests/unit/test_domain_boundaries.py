"""The domain, the ports and the models stay pure: besides the standard library and leadflow's own lower layers they
import only a few pure libraries (pydantic, email-validator, phonenumbers, rapidfuzz, jellyfish, and jinja2 rendering
templates from strings in its sandbox) that do no I/O.

Which of leadflow's packages may import which is the layering contracts' job (pyproject.toml, [tool.importlinter],
tests/infra/test_layering.py); this is the allowlist of outside libraries, which those contracts cannot express."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import leadflow
import pytest

PACKAGE = Path(leadflow.__file__).parent
ALLOWED_THIRD_PARTY = {
    "pydantic",
    "pydantic_core",
    "email_validator",
    "phonenumbers",
    "rapidfuzz",
    "jellyfish",
    "jinja2",
}
ALLOWED_LEADFLOW = ("leadflow.models", "leadflow.domain", "leadflow.ports")
PURE_MODULES = sorted(
    [
        *(PACKAGE / "domain").glob("*.py"),
        *(PACKAGE / "models").glob("*.py"),
        *(PACKAGE / "ports").glob("*.py"),
        *PACKAGE.glob("ports.py"),
    ]
)


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("module", PURE_MODULES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_domain_module_imports_nothing_with_side_effects(module: Path) -> None:
    def allowed(name: str) -> bool:
        top = name.split(".", maxsplit=1)[0]
        if top == "leadflow":
            return name.startswith(ALLOWED_LEADFLOW)
        return top in sys.stdlib_module_names or top == "__future__" or top in ALLOWED_THIRD_PARTY

    assert sorted(name for name in imported_modules(module) if not allowed(name)) == []
