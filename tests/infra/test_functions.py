"""Every function the template deploys has code where the template says, with the handler it names."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

FUNCTIONS = {
    "IntakeFunction": "functions/intake/",
    "LeadsApiFunction": "functions/leads_api/",
    "CurateFunction": "functions/curate/",
    "DedupeFunction": "functions/dedupe/",
    "EnrichFunction": "functions/enrich/",
    "ScoreFunction": "functions/score/",
    "RecordEngagementFunction": "functions/record_engagement/",
    "RescoreFunction": "functions/rescore/",
    "RouteFunction": "functions/route/",
    "NotifyFunction": "functions/notify/",
    "DeliverFunction": "functions/deliver/",
    "WebhooksFunction": "functions/webhooks/",
    "LeadActionsFunction": "functions/lead_actions/",
    "RecycleFunction": "functions/recycle/",
    "DecayFunction": "functions/decay/",
    "SweepFunction": "functions/sweep/",
    "TrainModelFunction": "functions/train_model/",
    "ConfigApiFunction": "functions/config_api/",
    "RoutingApiFunction": "functions/routing_api/",
    "SlaFunction": "functions/sla/",
}


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == resource_type}


def _handler(template: dict[str, Any], logical_id: str) -> tuple[str, str]:
    properties = template["Resources"][logical_id]["Properties"]
    globals_ = template.get("Globals", {}).get("Function", {})
    return properties["CodeUri"], properties.get("Handler", globals_.get("Handler", ""))


def test_template_deploys_exactly_the_contract_functions(template: dict[str, Any]) -> None:
    functions = resources_of_type(template, "AWS::Serverless::Function")
    assert {name: fn["Properties"]["CodeUri"] for name, fn in functions.items()} == FUNCTIONS


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_code_folder_defines_its_handler(template: dict[str, Any], repo_root: Path, logical_id: str) -> None:
    code_uri, handler = _handler(template, logical_id)
    module_name, _, function_name = handler.rpartition(".")
    source_path = repo_root / code_uri / f"{module_name.replace('.', '/')}.py"
    assert source_path.is_file(), f"{logical_id}: {source_path.relative_to(repo_root)} does not exist"

    # Parsed, not imported: the handler's imports need the layer and AWS configuration.
    tree = ast.parse(source_path.read_text(encoding="utf-8"), filename=str(source_path))
    definitions = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function_name
    ]
    assignments = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == function_name for target in node.targets)
    ]
    assert definitions or assignments, f"{Path(code_uri) / source_path.name} defines no top-level {function_name}"
    for definition in definitions:
        positional = definition.args.posonlyargs + definition.args.args
        assert len(positional) >= 2 or definition.args.vararg, f"{function_name} must accept (event, context)"
