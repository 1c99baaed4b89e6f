"""Every Python module stays small enough to read in one sitting: at most 400 lines, tests and tooling included.

A module that grows past it is split by topic (shared helpers into a conftest or a helper module), not exempted."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

MAX_LINES = 400


def tracked_python_files(root: Path) -> list[Path]:
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("needs a git checkout: the rule covers the files git tracks")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", "*.py"], cwd=root, capture_output=True, check=True, text=True
    ).stdout
    return [root / name for name in listed.split("\0") if name and not name.startswith(".venv/")]


def line_count(path: Path) -> int:
    with path.open(encoding="utf-8") as lines:
        return sum(1 for _ in lines)


def test_no_python_module_is_over_400_lines(repo_root: Path) -> None:
    # Given every Python file git tracks (one deleted in the working tree but not yet in git is not there to read)
    files = [path for path in tracked_python_files(repo_root) if path.is_file()]
    assert files, "git lists no Python file"

    # When each is counted
    over = {str(path.relative_to(repo_root)): line_count(path) for path in files}
    offenders = {name: lines for name, lines in sorted(over.items()) if lines > MAX_LINES}

    # Then none is over the limit, and the failure names each offender with its size
    assert offenders == {}, "modules over 400 lines: " + ", ".join(f"{n} ({c})" for n, c in offenders.items())
