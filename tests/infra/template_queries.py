"""Queries over a SAM or translated CloudFormation template that the template tests share: resources of a type,
IAM statements anywhere, and a function's policy templates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

ENV_FROM_RESOURCES = {
    "LEADS_TABLE": "LeadsTable",
    "CONFIG_TABLE": "ConfigTable",
    "IDEMPOTENCY_TABLE": "IdempotencyTable",
    "OUTBOX_TABLE": "OutboxTable",
    "REPORTS_TABLE": "ReportsTable",
    "EVENT_BUS_NAME": "LeadflowBus",
}

# Statements allowed on Resource "*": CloudWatch Logs delivery for Express executions has no
# resource-level permissions.
UNSCOPED_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == resource_type}


def iam_statements(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement anywhere in a template (roles, inline policies, queue policies, ...)."""
    if isinstance(node, dict):
        statement = node.get("Statement")
        if isinstance(statement, list | dict) and "Action" not in node:
            for item in statement if isinstance(statement, list) else [statement]:
                yield where, item
        for key, value in node.items():
            yield from iam_statements(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iam_statements(value, f"{where}[{index}]")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_templates(function: dict[str, Any]) -> set[tuple[str, str]]:
    """(policy template, Ref target or Sub string) pairs of a SAM function's Policies (inline statements aside)."""
    pairs = set()
    for policy in function["Properties"].get("Policies", []):
        if "Statement" in policy:
            continue
        for template_name, arguments in policy.items():
            (argument,) = arguments.values()
            pairs.add((template_name, argument["Ref"] if "Ref" in argument else argument["Fn::Sub"]))
    return pairs
