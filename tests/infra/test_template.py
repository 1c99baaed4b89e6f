"""What `sam deploy` creates from template.yaml: translated offline to CloudFormation and checked for
the API, its outputs, and the environment and tracing every function gets."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from tests.infra.template_queries import ENV_FROM_RESOURCES, resources_of_type


def test_template_translates_with_api_key_usage_plan_state_machine_and_layer(translated: dict[str, Any]) -> None:
    resources = translated["Resources"]
    types = {logical_id: resource["Type"] for logical_id, resource in resources.items()}

    assert types["LeadflowApi"] == "AWS::ApiGateway::RestApi"
    assert types["LeadflowApiApiKey"] == "AWS::ApiGateway::ApiKey"
    assert types["LeadflowApiUsagePlan"] == "AWS::ApiGateway::UsagePlan"
    assert types["LeadflowApiUsagePlanKey"] == "AWS::ApiGateway::UsagePlanKey"
    assert types["LeadPipeline"] == "AWS::StepFunctions::StateMachine"
    assert resources["LeadPipeline"]["Properties"]["StateMachineType"] == "EXPRESS"
    assert "AWS::Lambda::LayerVersion" in types.values()
    assert types["LeadPipelineLeadSubmitted"] == "AWS::Events::Rule"
    assert not any(t.startswith("AWS::Serverless::") for t in types.values())


def test_api_routes_and_api_key_requirements(translated: dict[str, Any]) -> None:
    paths = translated["Resources"]["LeadflowApi"]["Properties"]["Body"]["paths"]
    routes = {
        (method.upper(), path): (
            operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"].split("${")[-1].split(".")[0],
            {"api_key": []} in operation.get("security", []),
        )
        for path, operations in paths.items()
        for method, operation in operations.items()
    }
    assert routes == {
        ("POST", "/v1/leads"): ("IntakeFunction", False),
        ("OPTIONS", "/v1/leads"): ("IntakeFunction", False),
        ("GET", "/v1/leads"): ("LeadsApiFunction", True),
        ("GET", "/v1/leads/{lead_id}"): ("LeadsApiFunction", True),
        ("GET", "/v1/leads/{lead_id}/score"): ("LeadsApiFunction", True),
        ("GET", "/v1/config/{kind}"): ("ConfigApiFunction", True),
        ("PUT", "/v1/config/{kind}"): ("ConfigApiFunction", True),
        ("GET", "/v1/submissions/{submission_id}"): ("LeadsApiFunction", True),
        ("POST", "/v1/leads/{lead_id}/duplicates/{other_id}"): ("CurateFunction", True),
        ("POST", "/v1/leads/{lead_id}/unmerge"): ("CurateFunction", True),
        ("POST", "/v1/leads/{lead_id}/stage"): ("LeadActionsFunction", True),
        ("POST", "/v1/leads/{lead_id}/outcome"): ("LeadActionsFunction", True),
        ("GET", "/v1/reps"): ("RoutingApiFunction", True),
        ("GET", "/v1/teams"): ("RoutingApiFunction", True),
        ("POST", "/v1/leads/{lead_id}/reassign"): ("RoutingApiFunction", True),
        ("POST", "/v1/leads/{lead_id}/touch"): ("LeadActionsFunction", True),
        ("DELETE", "/v1/leads/{lead_id}"): ("LeadActionsFunction", True),
        ("GET", "/v1/leads/{lead_id}/export"): ("LeadActionsFunction", True),
        ("POST", "/v1/leads/{lead_id}/consent"): ("LeadActionsFunction", True),
        ("GET", "/v1/accounts/{account_id}"): ("LeadsApiFunction", True),
        ("GET", "/v1/openapi.json"): ("LeadsApiFunction", False),
        ("POST", "/v1/webhooks/{provider}"): ("WebhooksFunction", False),
        ("GET", "/v1/unsubscribe"): ("UnsubscribeFunction", False),
        ("POST", "/v1/unsubscribe"): ("UnsubscribeFunction", False),
        ("POST", "/v1/leads/{lead_id}/nurture"): ("NurtureApiFunction", True),
        ("DELETE", "/v1/leads/{lead_id}/nurture"): ("NurtureApiFunction", True),
        ("GET", "/v1/nurture/tracks/{track_id}/stats"): ("NurtureApiFunction", True),
        ("GET", "/v1/reports/funnel"): ("ReportsApiFunction", True),
        ("GET", "/v1/reports/speed-to-lead"): ("ReportsApiFunction", True),
        ("GET", "/v1/reports/sla"): ("ReportsApiFunction", True),
        ("GET", "/v1/reports/leads"): ("ReportsApiFunction", True),
        ("GET", "/v1/reports/headlines"): ("ReportsApiFunction", True),
        ("GET", "/v1/reports/cohorts"): ("ReportsApiFunction", True),
        ("GET", "/v1/reports/attribution"): ("ReportsApiFunction", True),
        ("GET", "/v1/reports/velocity"): ("ReportsApiFunction", True),
        ("GET", "/v1/reports/experiments"): ("ReportsApiFunction", True),
        ("GET", "/dashboard"): ("DashboardFunction", False),
        ("GET", "/dashboard/{asset}"): ("DashboardFunction", False),
        ("GET", "/v1/duplicates"): ("CurateFunction", True),
    }


def test_stack_outputs_what_a_user_needs(template: dict[str, Any], translated: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert {
        "ApiUrl",
        "ApiKeyId",
        "LeadsTableName",
        "ConfigTableName",
        "IdempotencyTableName",
        "OutboxTableName",
        "EventBusName",
        "LeadPipelineArn",
        "PipelineDeadLetterQueueUrl",
    } <= set(outputs)
    assert outputs["ApiKeyId"]["Value"] == {"Ref": "LeadflowApiApiKey"}
    for output in translated["Outputs"].values():
        refs = [output["Value"]["Ref"]] if isinstance(output["Value"], dict) and "Ref" in output["Value"] else []
        for ref in refs:
            assert ref in translated["Resources"], f"output refers to missing {ref}"


def test_every_function_gets_the_contract_environment(template: dict[str, Any], translated: dict[str, Any]) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    for name, resource in ENV_FROM_RESOURCES.items():
        assert variables[name] == {"Ref": resource}
    assert variables["POWERTOOLS_SERVICE_NAME"] == "leadflow"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "leadflow"
    assert variables["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    assert variables["ALLOWED_ORIGINS"] == {"Fn::Join": [",", {"Ref": "AllowedOrigins"}]}

    for logical_id, function in resources_of_type(translated, "AWS::Lambda::Function").items():
        properties = function["Properties"]
        assert set(variables) <= set(properties["Environment"]["Variables"]), logical_id
        assert (properties["Runtime"], properties["Architectures"]) == ("python3.11", ["arm64"])
        assert "TracingConfig" not in properties  # Tracing=Disabled by default
        assert len(properties["Layers"]) == 1
    notify = translated["Resources"]["NotifyFunction"]["Properties"]["Environment"]["Variables"]
    assert "API_BASE_URL" in notify


def test_tracing_is_one_parameter_off_by_default_for_the_api_functions_and_state_machines(
    template: dict[str, Any], translated: dict[str, Any]
) -> None:
    parameter = template["Parameters"]["Tracing"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("Disabled", ["Active", "Disabled"])
    assert template["Conditions"]["TracingIsActive"] == {"Fn::Equals": [{"Ref": "Tracing"}, "Active"]}
    active = {"Fn::If": ["TracingIsActive", True, False]}

    # Powertools' Tracer (and the X-Ray SDK it needs) only where tracing is Active
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACE_DISABLED"] == {"Fn::If": ["TracingIsActive", "false", "true"]}
    assert translated["Resources"]["LeadflowApiStage"]["Properties"]["TracingEnabled"] == active
    for name in ("LeadPipeline", "SlaTimer"):
        assert translated["Resources"][name]["Properties"]["TracingConfiguration"] == {"Enabled": active}
        # SAM grants X-Ray to a state machine only for a literal `Enabled: true`: the template grants it on condition.
        xray = {
            "Fn::If": ["TracingIsActive", "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess", {"Ref": "AWS::NoValue"}]
        }
        assert xray in translated["Resources"][f"{name}Role"]["Properties"]["ManagedPolicyArns"]


def test_functions_are_traced_and_may_upload_traces_only_with_tracing_active(
    template: dict[str, Any], translated: dict[str, Any], translator: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    xray = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"
    active = copy.deepcopy(template)
    active["Parameters"]["Tracing"]["Default"] = "Active"
    traced = translator(active)

    for logical_id in resources_of_type(template, "AWS::Serverless::Function"):
        off, on = translated["Resources"][logical_id]["Properties"], traced["Resources"][logical_id]["Properties"]
        assert "TracingConfig" not in off and on["TracingConfig"] == {"Mode": {"Ref": "Tracing"}}, logical_id
        off_role, on_role = (t["Resources"][f"{logical_id}Role"]["Properties"] for t in (translated, traced))
        assert xray not in off_role["ManagedPolicyArns"] and xray in on_role["ManagedPolicyArns"], logical_id
