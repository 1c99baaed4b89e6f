"""The lead pipeline definition is complete, wired to the template and runnable by the local interpreter."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")

# Service integrations the pipeline may use: each runs on AWS and in the local runtime.
KNOWN_INTEGRATIONS = {
    "arn:aws:states:::lambda:invoke",
    "arn:aws:states:::dynamodb:updateItem",
    "arn:aws:states:::dynamodb:putItem",
    "arn:aws:states:::events:putEvents",
}
TERMINAL_TYPES = {"Succeed", "Fail"}


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == resource_type}


def _walk(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, including those of Parallel branches and Map processors."""
    for name, state in states.items():
        yield name, state
        for branch in state.get("Branches", []):
            yield from _walk(branch["States"])
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from _walk(processor["States"])


def _transitions(state: dict[str, Any]) -> list[str]:
    targets = [state["Next"]] if "Next" in state else []
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [state["Default"]] if "Default" in state else []
    targets += [catcher["Next"] for catcher in state.get("Catch", [])]
    return targets


def test_definition_placeholders_and_substitutions_match(asl_text: str, state_machine: dict[str, Any]) -> None:
    placeholders = set(PLACEHOLDER.findall(asl_text))
    substitutions = set(state_machine["Properties"]["DefinitionSubstitutions"])
    assert placeholders - substitutions == set(), "placeholders without a DefinitionSubstitutions entry"
    assert substitutions - placeholders == set(), "DefinitionSubstitutions entries the definition never uses"


def test_substitutions_point_at_template_resources(template: dict[str, Any], state_machine: dict[str, Any]) -> None:
    resources = template["Resources"]
    for name, value in state_machine["Properties"]["DefinitionSubstitutions"].items():
        target = value.get("Ref") or value.get("Fn::GetAtt", [None])[0]
        assert target in resources, f"{name} refers to {target}, which the template does not declare"
        if name.endswith("FunctionArn"):
            assert value == {"Fn::GetAtt": [name.removesuffix("Arn"), "Arn"]}


def test_every_task_uses_a_known_integration(asl: dict[str, Any], template: dict[str, Any]) -> None:
    functions = resources_of_type(template, "AWS::Serverless::Function")
    for name, state in _walk(asl["States"]):
        if state["Type"] != "Task":
            continue
        assert state["Resource"] in KNOWN_INTEGRATIONS, f"{name}: unknown integration {state['Resource']}"
        if state["Resource"] == "arn:aws:states:::lambda:invoke":
            placeholder = PLACEHOLDER.fullmatch(state["Parameters"]["FunctionName"])
            assert placeholder, f"{name}: FunctionName must be a ${{...FunctionArn}} substitution"
            assert placeholder.group(1).removesuffix("Arn") in functions, name
            assert state["OutputPath"] == "$.Payload", f"{name} must pass the function's result on"


def test_every_transition_targets_an_existing_state_and_every_state_is_reachable(asl: dict[str, Any]) -> None:
    def check(machine: dict[str, Any]) -> None:
        states = machine["States"]
        assert machine["StartAt"] in states
        for name, state in states.items():
            for target in _transitions(state):
                assert target in states, f"{name} -> {target}: no such state"
            if state["Type"] not in TERMINAL_TYPES | {"Choice"}:
                assert ("Next" in state) != bool(state.get("End")), f"{name} needs exactly one of Next / End"
            for branch in state.get("Branches", []):
                check(branch)
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if processor:
                check(processor)

        reachable, pending = set(), [machine["StartAt"]]
        while pending:
            name = pending.pop()
            if name not in reachable:
                reachable.add(name)
                pending.extend(_transitions(states[name]))
        assert set(states) - reachable == set(), "unreachable states"

    check(asl)


def test_pipeline_has_the_contract_shape(asl: dict[str, Any]) -> None:
    states = asl["States"]

    def path_from(name: str) -> list[str]:
        path = [name]
        while "Next" in states[name]:
            name = states[name]["Next"]
            path.append(name)
        return path

    # Three causes, each entering at its own first step: a submission (dedupe, enrich, score), an engagement event
    # about a known lead (record it, re-score) or a rescore request from the decay job (re-score).
    assert asl["StartAt"] == "Start"
    assert states["Start"]["Choices"] == [
        {"Variable": "$.detail.activity", "IsPresent": True, "Next": "FromEngagement"},
        {"Variable": "$.detail.requested_at", "IsPresent": True, "Next": "FromRescoreRequest"},
    ]
    assert states["Start"]["Default"] == "FromSubmission"
    assert path_from("FromSubmission") == ["FromSubmission", "Dedupe", "Enrich", "Score", "IsMql"]
    assert path_from("FromEngagement") == ["FromEngagement", "RecordEngagement", "IsMql"]
    assert path_from("FromRescoreRequest") == ["FromRescoreRequest", "Rescore", "IsMql"]
    # Each entry tags the state with its run's kind: the steps' state models are a union discriminated by it.
    kinds = {
        name: states[name]["Parameters"]["kind"] for name in ("FromSubmission", "FromEngagement", "FromRescoreRequest")
    }
    assert kinds == {"FromSubmission": "submission", "FromEngagement": "engagement", "FromRescoreRequest": "rescore"}
    # Both route and notify a new MQL the same way; so does a replayed run whose lead's rep was never told (Route
    # keeps the owner).
    assert [c["Next"] for c in states["IsMql"]["Choices"]] == ["Route", "Route"]
    assert states["IsMql"]["Default"] == "IsSubmission"
    assert (states["Route"]["Next"], states["Notify"]["Next"]) == ("Notify", "IsSubmission")
    assert [c["Next"] for c in states["IsSubmission"]["Choices"]] == ["MarkProcessed"]
    assert states["IsSubmission"]["Default"] == "Done"
    assert states["MarkProcessed"]["Resource"] == "arn:aws:states:::dynamodb:updateItem"
    assert states["MarkProcessed"]["Next"] == "Done"
    assert states["Done"]["Type"] == "Succeed"
    for step in ("Dedupe", "Enrich", "Score", "RecordEngagement", "Rescore", "Route", "Notify"):
        assert states[step]["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "PublishFailure"}
        ]
        assert "Lambda.TooManyRequestsException" in states[step]["Retry"][0]["ErrorEquals"]
    # The failure is in the dead-letter queue before the submission is marked failed (and leaves the sweeper's
    # index): a crash between the two leaves it received, so the sweeper still finds it.
    assert states["MarkProcessed"]["Catch"][0]["Next"] == "PublishFailure"
    assert states["PublishFailure"]["Next"] == "FailureOfSubmission"
    assert [c["Next"] for c in states["FailureOfSubmission"]["Choices"]] == ["RecordFailure"]
    assert states["FailureOfSubmission"]["Default"] == "Failed"
    assert states["RecordFailure"]["Next"] == "Failed"
    assert states["Failed"]["Type"] == "Fail"
    entry = states["PublishFailure"]["Parameters"]["Entries"][0]
    assert (entry["Source"], entry["DetailType"]) == ("leadflow", "lead.pipeline_failed")


def test_local_step_functions_interpreter_accepts_the_definition(asl_text: str, state_machine: dict[str, Any]) -> None:
    values = {
        name: (
            f"arn:aws:lambda:us-east-1:123456789012:function:{name.removesuffix('Arn')}"
            if name.endswith("FunctionArn")
            else name
        )
        for name in state_machine["Properties"]["DefinitionSubstitutions"]
    }
    definition = PLACEHOLDER.sub(lambda match: values[match.group(1)], asl_text)
    json.loads(definition)
    AmazonStateLanguageParser.parse(definition)


def test_an_owned_lead_goes_through_route_and_notify_only_while_its_notification_is_owed(
    asl: dict[str, Any],
) -> None:
    unowned, owed = asl["States"]["IsMql"]["Choices"]
    assert unowned["And"] == [
        {"Variable": "$.lead.stage", "StringEquals": "mql"},
        {"Variable": "$.lead.owner_id", "IsNull": True},
    ]
    assert {"Variable": "$.needs_notification", "BooleanEquals": True} in owed["And"]
    # Notify is idempotent per assignment, so a timeout or a lost race is retried like the other steps.
    retried = {error for retry in asl["States"]["Notify"]["Retry"] for error in retry["ErrorEquals"]}
    assert {"ConcurrentUpdate", "Sandbox.Timedout", "Lambda.TooManyRequestsException"} <= retried


def test_a_finished_or_failed_submission_leaves_the_sweepers_due_index(asl: dict[str, Any]) -> None:
    from leadflow.adapters.layout import SUBMISSION_DUE_ATTRIBUTES

    for state in ("MarkProcessed", "RecordFailure"):
        expression = asl["States"][state]["Parameters"]["UpdateExpression"]
        removed = {name.strip() for name in expression.split(" REMOVE ")[1].split(",")}
        assert set(SUBMISSION_DUE_ATTRIBUTES) <= removed, state


def test_a_lambda_that_times_out_is_retried_in_every_step(asl: dict[str, Any]) -> None:
    for step in ("Dedupe", "Enrich", "Score", "Route", "Notify"):
        assert "Sandbox.Timedout" in asl["States"][step]["Retry"][0]["ErrorEquals"], step
