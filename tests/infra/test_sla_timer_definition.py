"""The SlaTimer definition is lean, wired to the template (substitutions, rule, logs) and runnable locally."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def _machine(template: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = template["Resources"]["SlaTimer"]
    return resource


def _asl_text(template: dict[str, Any], repo_root: Path) -> str:
    return (repo_root / _machine(template)["Properties"]["DefinitionUri"]).read_text(encoding="utf-8")


def test_sla_timer_is_a_standard_machine_started_by_lead_assigned_with_retries_and_dead_letters(
    template: dict[str, Any],
) -> None:
    properties = _machine(template)["Properties"]
    assert properties["Type"] == "STANDARD"
    assert properties["DefinitionUri"] == "infra/statemachines/sla_timer.asl.json"
    event = properties["Events"]["LeadAssigned"]
    assert event["Type"] == "EventBridgeRule"
    assert event["Properties"]["Pattern"] == {"source": ["leadflow"], "detail-type": ["lead.assigned"]}
    assert event["Properties"]["RetryPolicy"] == {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 3600}
    assert event["Properties"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["EventDeliveryDeadLetterQueue", "Arn"]}}
    (destination,) = properties["Logging"]["Destinations"]
    log_group = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert "RetentionInDays" in template["Resources"][log_group]["Properties"]


def test_every_placeholder_has_a_substitution_pointing_at_a_template_function(
    template: dict[str, Any], repo_root: Path
) -> None:
    substitutions = _machine(template)["Properties"]["DefinitionSubstitutions"]
    assert set(PLACEHOLDER.findall(_asl_text(template, repo_root))) == set(substitutions) == {"SlaFunctionArn"}
    assert substitutions["SlaFunctionArn"] == {"Fn::GetAtt": ["SlaFunction", "Arn"]}
    assert {"FunctionName": {"Ref": "SlaFunction"}} in [
        policy["LambdaInvokePolicy"]
        for policy in _machine(template)["Properties"]["Policies"]
        if "LambdaInvokePolicy" in policy
    ]


def test_the_timer_waits_checks_reassigns_in_a_loop_and_escalates(template: dict[str, Any], repo_root: Path) -> None:
    asl = json.loads(_asl_text(template, repo_root))
    states = asl["States"]

    assert asl["StartAt"] == "Start" and states["Start"]["Next"] == "ComputeDeadline"
    assert states["Start"]["Parameters"]["timer_id.$"] == "$$.Execution.Id"
    choices = {c["StringEquals"]: c["Next"] for c in states["WhatNext"]["Choices"]}
    assert choices == {"wait": "WaitForDeadline", "reassign": "BreachAndReassign", "escalate": "Escalate"}
    assert states["WhatNext"]["Default"] == "Done"
    assert states["WaitForDeadline"]["TimestampPath"] == "$.deadline"
    assert states["WaitForDeadline"]["Next"] == "CheckTouched"
    for name, action in {
        "ComputeDeadline": "start",
        "CheckTouched": "check",
        "BreachAndReassign": "reassign",
        "Escalate": "escalate",
    }.items():
        state = states[name]
        assert state["Resource"] == "arn:aws:states:::lambda:invoke", name
        assert state["Parameters"]["Payload"] == {"action": action, "timer.$": "$"}, name
        assert state["OutputPath"] == "$.Payload", name
        assert "Lambda.TooManyRequestsException" in state["Retry"][0]["ErrorEquals"], name
        assert state["Next"] == ("Done" if name == "Escalate" else "WhatNext"), name
    assert states["BreachAndReassign"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Escalate"}
    ]
    # Billed per transition: a loop is Wait, CheckTouched, WhatNext, BreachAndReassign, WhatNext.
    assert len(states) == 8


def test_local_step_functions_interpreter_accepts_the_definition(template: dict[str, Any], repo_root: Path) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:SlaFunction"
    AmazonStateLanguageParser.parse(PLACEHOLDER.sub(arn, _asl_text(template, repo_root)))
