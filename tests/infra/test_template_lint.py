"""cfn-lint, run offline with the project's own rules (infra/lint/rules), finds nothing to fix in the template a user
deploys."""

from __future__ import annotations

from pathlib import Path

from cfnlint.api import ManualArgs, lint_file
from cfnlint.config import ConfigMixIn
from cfnlint.runner import Runner


def test_cfn_lint_reports_no_errors_or_warnings(template_path: Path, repo_root: Path) -> None:
    # The same rules .cfnlintrc adds for cfn-lint and `sam validate --lint` run from the repository root.
    config = ManualArgs(regions=["us-east-1"], append_rules=[str(repo_root / "infra" / "lint" / "rules")])

    matches = lint_file(template_path, config=config)

    findings = [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches if m.rule.id[:1] in {"E", "W"}]
    assert findings == []
    assert {"E9101", "E9102", "E9103", "E9104"} <= set(Runner(ConfigMixIn(**config)).rules)
