"""cfn-lint, run offline, finds nothing to fix in the template a user deploys."""

from __future__ import annotations

from pathlib import Path

from cfnlint.api import ManualArgs, lint_file


def test_cfn_lint_reports_no_errors_or_warnings(template_path: Path) -> None:
    matches = lint_file(template_path, config=ManualArgs(regions=["us-east-1"]))

    findings = [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches if m.rule.id[:1] in {"E", "W"}]
    assert findings == []
