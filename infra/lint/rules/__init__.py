"""Custom cfn-lint rules: cfn-lint loads each public module of this folder by file (see .cfnlintrc), so every rule
module stands alone. They run on the template after the SAM transform, where SAM's events, policy templates and
event invoke configs have become plain CloudFormation."""
