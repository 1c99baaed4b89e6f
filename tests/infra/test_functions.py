"""Every function the template deploys has code where the template says, with the handler it names."""

from __future__ import annotations

import ast
import importlib
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
    "NurtureFunction": "functions/nurture/",
    "NurtureStepFunction": "functions/nurture_step/",
    "NurtureApiFunction": "functions/nurture_api/",
    "UnsubscribeFunction": "functions/unsubscribe/",
    "MailEventsFunction": "functions/mail_events/",
    "ReportsFunction": "functions/reports/",
    "ReportsApiFunction": "functions/reports_api/",
    "DashboardFunction": "functions/dashboard/",
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


def _route_modules(app_source: ast.Module) -> set[str]:
    """The leadflow.api route modules an app.py imports (`from leadflow.api import x_routes` or
    `from leadflow.api.x_routes import ...`)."""
    found: set[str] = set()
    for node in ast.walk(app_source):
        if isinstance(node, ast.ImportFrom) and node.module == "leadflow.api":
            found |= {f"leadflow.api.{alias.name}" for alias in node.names if alias.name.endswith("_routes")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("_routes"):
            found.add(str(node.module))
    return found


def _provided_names(app_source: ast.Module) -> set[str]:
    """The use cases an app.py provides: the first argument of each `provide(...)` call, by its last name."""
    names: set[str] = set()
    for node in ast.walk(app_source):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "provide":
            target = node.args[0]
            names.add(target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", ""))
    return names


API_FUNCTIONS = sorted(
    logical_id
    for logical_id, code_uri in FUNCTIONS.items()
    if "api_handler" in (Path(__file__).parents[2] / code_uri / "app.py").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("logical_id", API_FUNCTIONS)
def test_an_api_function_hands_its_routes_the_deps_of_every_use_case_they_serve(
    repo_root: Path, logical_id: str
) -> None:
    # given the route modules an API function serves, and the use cases they declare
    from leadflow.api.deps import UseCase

    app_source = ast.parse((repo_root / FUNCTIONS[logical_id] / "app.py").read_text(encoding="utf-8"))
    declared = {
        name
        for module in _route_modules(app_source)
        for name, value in vars(importlib.import_module(module)).items()
        if isinstance(value, UseCase)
    }

    # then its app.py provides every one of them (a route asking for one it lacks would fail its requests)
    assert declared, f"{logical_id} serves no route that declares a use case"
    assert declared <= _provided_names(app_source), (
        f"{logical_id} does not provide {declared - _provided_names(app_source)}"
    )
