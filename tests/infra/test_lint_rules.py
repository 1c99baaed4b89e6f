"""leadflow's own cfn-lint rules (infra/lint/rules, E91xx): each flags a small template that breaks it, accepts the
fixed one, and the real template passes them all (tests/infra/test_template_lint.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint
from cfnlint.rules import RulesCollection

from infra.local.template import REPO_ROOT

RULES_DIR = REPO_ROOT / "infra" / "lint" / "rules"
SAM = "AWS::Serverless-2016-10-31"
DLQ_ARN = {"Fn::GetAtt": ["DeadLetters", "Arn"]}


@pytest.fixture(scope="module")
def leadflow_rules() -> RulesCollection:
    rules = RulesCollection()
    rules.create_from_directory(str(RULES_DIR))
    return rules


def findings(rules: RulesCollection, resources: dict[str, Any], transform: str | None = SAM) -> list[str]:
    template: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if transform:
        template["Transform"] = transform
    return [f"{m.rule.id} {m.message}" for m in lint(json.dumps(template), rules=rules, regions=["us-east-1"])]


def sam_function(**properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Runtime": "python3.11", "Handler": "app.handler", "CodeUri": "src/", **properties},
    }


def log_group(function: str, **properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {"LogGroupName": {"Fn::Sub": f"/aws/lambda/${{{function}}}"}, **properties},
    }


QUEUE = {"DeadLetters": {"Type": "AWS::SQS::Queue"}}
ON_FAILURE = {"DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": DLQ_ARN}}}


def test_the_rules_load_from_their_folder(leadflow_rules: RulesCollection) -> None:
    assert {"E9101", "E9102", "E9103", "E9104"} <= {rule.id for rule in leadflow_rules}


# E9101 ------------------------------------------------------------------------------------------------------------


def test_a_function_without_a_log_group_is_flagged(leadflow_rules: RulesCollection) -> None:
    assert findings(leadflow_rules, {"Worker": sam_function()}) == [
        "E9101 Worker has no AWS::Logs::LogGroup /aws/lambda/${Worker} with RetentionInDays"
    ]


def test_a_log_group_without_retention_is_flagged(leadflow_rules: RulesCollection) -> None:
    resources = {"Worker": sam_function(), "WorkerLogs": log_group("Worker")}

    assert [f[:5] for f in findings(leadflow_rules, resources)] == ["E9101"]


def test_a_function_with_its_log_group_retained_passes(leadflow_rules: RulesCollection) -> None:
    resources = {"Worker": sam_function(), "WorkerLogs": log_group("Worker", RetentionInDays=30)}

    assert findings(leadflow_rules, resources) == []


def test_a_function_logging_to_a_named_retained_log_group_passes(leadflow_rules: RulesCollection) -> None:
    resources = {
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}},
        "Worker": sam_function(LoggingConfig={"LogGroup": {"Ref": "Logs"}}),
    }

    assert findings(leadflow_rules, resources) == []


# E9102 ------------------------------------------------------------------------------------------------------------


def test_an_eventbridge_rule_target_without_a_dead_letter_queue_is_flagged(leadflow_rules: RulesCollection) -> None:
    rule = {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "EventPattern": {"source": ["leadflow"]},
            "Targets": [{"Id": "Keep", "Arn": DLQ_ARN}],
        },
    }

    assert findings(leadflow_rules, {**QUEUE, "Rule": rule}, transform=None) == [
        "E9102 Rule target Keep has no DeadLetterConfig"
    ]


def test_a_scheduled_function_without_an_on_failure_destination_is_flagged(leadflow_rules: RulesCollection) -> None:
    # Given a SAM schedule whose rule has a dead-letter queue, but whose function drops an event its retries fail
    schedule = {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)", "DeadLetterConfig": {"Arn": DLQ_ARN}}}
    resources = {
        **QUEUE,
        "Job": sam_function(Events={"Hourly": schedule}),
        "JobLogs": log_group("Job", RetentionInDays=7),
    }

    (finding,) = findings(leadflow_rules, resources)
    assert finding.startswith("E9102 Job is invoked asynchronously but has neither an EventInvokeConfig")

    # When the function sends failed events to the queue, then nothing is flagged
    resources["Job"] = sam_function(Events={"Hourly": schedule}, EventInvokeConfig=ON_FAILURE)
    assert findings(leadflow_rules, resources) == []


def test_a_schedule_without_a_dead_letter_queue_is_flagged(leadflow_rules: RulesCollection) -> None:
    resources = {
        **QUEUE,
        "Job": sam_function(
            Events={"Hourly": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}}},
            EventInvokeConfig=ON_FAILURE,
        ),
        "JobLogs": log_group("Job", RetentionInDays=7),
    }

    assert findings(leadflow_rules, resources) == [
        "E9102 JobHourly target JobHourlyLambdaTarget has no DeadLetterConfig"
    ]


def test_a_function_subscribed_to_a_topic_needs_a_dead_letter_queue_too(leadflow_rules: RulesCollection) -> None:
    topic_event = {"Type": "SNS", "Properties": {"Topic": {"Ref": "Topic"}}}
    resources = {
        **QUEUE,
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Listener": sam_function(Events={"Published": topic_event}),
        "ListenerLogs": log_group("Listener", RetentionInDays=7),
    }

    assert [f[:20] for f in findings(leadflow_rules, resources)] == ["E9102 Listener is in"]

    resources["Listener"] = sam_function(
        Events={"Published": topic_event}, DeadLetterQueue={"Type": "SQS", "TargetArn": DLQ_ARN}
    )
    assert findings(leadflow_rules, resources) == []


# E9103 ------------------------------------------------------------------------------------------------------------


def _table(**properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            **properties,
        },
    }


def test_a_table_without_point_in_time_recovery_is_flagged(leadflow_rules: RulesCollection) -> None:
    assert findings(leadflow_rules, {"Leads": _table()}) == [
        "E9103 Leads has no PointInTimeRecoverySpecification with PointInTimeRecoveryEnabled: true"
    ]
    pitr = {"PointInTimeRecoveryEnabled": True}
    assert findings(leadflow_rules, {"Leads": _table(PointInTimeRecoverySpecification=pitr)}) == []


def test_a_sam_simple_table_is_flagged_as_it_cannot_have_point_in_time_recovery(
    leadflow_rules: RulesCollection,
) -> None:
    assert [f[:5] for f in findings(leadflow_rules, {"Cache": {"Type": "AWS::Serverless::SimpleTable"}})] == ["E9103"]


# E9104 ------------------------------------------------------------------------------------------------------------


def _role(*statements: dict[str, Any]) -> dict[str, Any]:
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [trust]},
            "Policies": [
                {"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)}}
            ],
        },
    }


def test_the_ssm_policy_template_describing_every_parameter_is_flagged(leadflow_rules: RulesCollection) -> None:
    # Given SAM's policy template for reading a parameter path: it also grants ssm:DescribeParameters on "*"
    policy = {"SSMParameterWithSlashPrefixReadPolicy": {"ParameterName": "/app/secrets/*"}}
    resources = {"Reader": sam_function(Policies=[policy]), "ReaderLogs": log_group("Reader", RetentionInDays=7)}

    # Then the statement the template expands to is flagged, on the function that asked for it
    (finding,) = findings(leadflow_rules, resources)
    assert finding.startswith('E9104 ReaderRole statement: Resource "*" for ssm:DescribeParameters')


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"}, 'Action "s3:*" allows every action'),
        ({"Action": "*", "Resource": "arn:aws:s3:::bucket/*"}, 'Action "*" allows every action'),
        ({"Action": "dynamodb:GetItem", "Resource": "*"}, 'Resource "*" for dynamodb:GetItem'),
        ({"NotAction": "iam:*", "Resource": "arn:aws:s3:::bucket"}, "NotAction allows everything it does not name"),
        (
            {"Action": "sqs:SendMessage", "Resource": {"Fn::If": ["Wide", "*", {"Ref": "AWS::NoValue"}]}},
            'Resource "*" for sqs:SendMessage',
        ),
    ],
)
def test_a_wildcard_action_or_resource_is_flagged(
    leadflow_rules: RulesCollection, statement: dict[str, Any], expected: str
) -> None:
    resources = {"Role": _role({"Sid": "Broad", "Effect": "Allow", **statement})}

    (finding,) = findings(leadflow_rules, resources, transform=None)
    assert finding.startswith(f"E9104 Role statement Broad: {expected}")


def test_actions_that_exist_only_on_every_resource_and_denials_pass(leadflow_rules: RulesCollection) -> None:
    resources = {
        "Role": _role(
            {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["logs:CreateLogDelivery", "logs:DescribeLogGroups"], "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
        )
    }

    assert findings(leadflow_rules, resources, transform=None) == []


def test_a_template_sam_cannot_translate_is_reported_not_passed(leadflow_rules: RulesCollection) -> None:
    broken = {"Worker": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": "python3.11"}}}

    reported = findings(leadflow_rules, broken)
    assert reported and all("cannot check this rule: the SAM transform failed" in f for f in reported)


def test_the_rules_are_what_cfn_lint_and_sam_validate_load_from_the_repository(repo_root: Path) -> None:
    config = (repo_root / ".cfnlintrc").read_text(encoding="utf-8")
    assert "append_rules:\n  - infra/lint/rules" in config
