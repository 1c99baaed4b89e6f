"""The project's own cfn-lint rules (infra/lint/rules), loaded through .cfnlintrc by cfn-lint and
`sam validate --lint`."""
