"""leadflow's own cfn-lint rules: infrastructure rules checked by lint, not by review.

E9101 every function has a log group with retention; E9102 every asynchronous target has a dead-letter queue or an
on-failure destination; E9103 every DynamoDB table has point-in-time recovery; E9104 no IAM statement grants "*".

cfn-lint 1.x lints SAM templates without running the SAM transform, but what these rules judge (the rule a Schedule
event becomes, the statements a policy template expands to, a function's event invoke config) exists only after it.
So they translate the template with SAM's own translator, once per lint, and report on the SAM resource each
generated resource came from. cfn-lint loads this file by path (.cfnlintrc, `--append-rules`), so it stands alone.
"""

from __future__ import annotations

import copy
import logging
import os
import re
from collections.abc import Iterator
from typing import Any
from unittest import mock

from cfnlint.rules import CloudFormationLintRule, RuleMatch

Path = list[str | int]
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# Local folders and files that `sam build` and `sam package` would upload; the translator accepts only S3 URIs.
_LOCAL_URIS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
}


class _NoManagedPolicies:
    """Managed policy names resolved offline: SAM builds the ARNs of AWS managed policies itself."""

    def load(self) -> dict[str, str]:
        return {}


class Translated:
    """The template as CloudFormation will see it after the SAM transform, or why it could not be translated."""

    def __init__(self, template: dict[str, Any], source_ids: set[str], error: str | None = None) -> None:
        self.template = template
        self.error = error
        self._source_ids = sorted(source_ids, key=len, reverse=True)

    def resources(self, *types: str) -> dict[str, dict[str, Any]]:
        resources = self.template.get("Resources", {})
        return {rid: r for rid, r in resources.items() if isinstance(r, dict) and (not types or r.get("Type") in types)}

    def source_path(self, resource_id: str, *inner: str | int) -> Path:
        """Where to report on a resource: itself when the author wrote it, else the SAM resource that generated it
        (IntakeFunctionRole -> IntakeFunction)."""
        if resource_id in self._source_ids:
            return ["Resources", resource_id, *inner]
        origin = next((sid for sid in self._source_ids if resource_id.startswith(sid)), None)
        return ["Resources", origin] if origin else ["Resources"]


def _translate(cfn: Any) -> Translated:
    source = cfn.template
    source_ids = set(source.get("Resources", {}))
    transforms = source.get("Transform", [])
    if SAM_TRANSFORM not in (transforms if isinstance(transforms, list) else [transforms]):
        return Translated(source, source_ids)

    from samtranslator.translator.transform import transform

    sam = copy.deepcopy(dict(source))
    sam.pop("Globals", None)  # cfn-lint has merged Globals into the resources already
    for logical_id, resource in sam.get("Resources", {}).items():
        key = _LOCAL_URIS.get(resource.get("Type", "")) if isinstance(resource, dict) else None
        properties = resource.get("Properties", {}) if key else {}
        if key and isinstance(properties.get(key), str) and not properties[key].startswith("s3://"):
            properties[key] = f"s3://cfn-lint-local/{logical_id}"
    region = (getattr(cfn, "regions", None) or ["us-east-1"])[0]
    # The translator warns about feature toggles it has no config for: noise in a lint report.
    sam_logger = logging.getLogger("samtranslator")
    level = sam_logger.level
    sam_logger.setLevel(logging.ERROR)
    try:
        # The translator takes the region (for ARNs and the partition) from the boto3 session.
        with mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": region}):
            translated: dict[str, Any] = transform(sam, {}, _NoManagedPolicies())
    except Exception as error:  # noqa: BLE001 - any translator failure is reported as a finding, not a crash
        return Translated({}, source_ids, error=f"the SAM transform failed: {error}")
    finally:
        sam_logger.setLevel(level)
    return Translated(translated, source_ids)


def translated(cfn: Any) -> Translated:
    """The translation of this lint's template, shared by the rules (cfn-lint builds one Template per file)."""
    cached: Translated | None = getattr(cfn, "_leadflow_translated", None)
    if cached is None:
        cached = _translate(cfn)
        cfn._leadflow_translated = cached
    return cached


def _untranslatable(template: Translated) -> list[RuleMatch]:
    return [RuleMatch(["Transform"], f"cannot check this rule: {template.error}")] if template.error else []


# ------------------------------------------------------------------------------------------------ E9101 log groups

_SUB_NAME = re.compile(r"^/aws/lambda/\$\{(?P<ref>[A-Za-z0-9]+)\}$")


def _log_group_function(name: Any) -> str | None:
    """The function a LogGroupName names: "/aws/lambda/${Fn}", Join of "/aws/lambda/" and Ref Fn, or a literal."""
    if isinstance(name, str):
        return name.removeprefix("/aws/lambda/") if name.startswith("/aws/lambda/") else None
    if isinstance(name, dict) and isinstance(name.get("Fn::Sub"), str):
        match = _SUB_NAME.match(name["Fn::Sub"])
        return match.group("ref") if match else None
    match name:
        case {"Fn::Join": ["", ["/aws/lambda/", {"Ref": reference}]]}:
            return str(reference)
    return None


class FunctionLogGroupRetention(CloudFormationLintRule):  # type: ignore[misc]
    id = "E9101"
    shortdesc = "Every function has a log group with retention"
    description = (
        "Every Lambda function (SAM functions included) has an AWS::Logs::LogGroup named /aws/lambda/<function>, or "
        "one named by its LoggingConfig.LogGroup, with RetentionInDays: logs expire instead of being kept forever."
    )
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html"
    tags = ["resources", "lambda", "logs"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = translated(cfn)
        retained_groups = {
            group_id: group["Properties"]
            for group_id, group in template.resources("AWS::Logs::LogGroup").items()
            if "RetentionInDays" in group.get("Properties", {})
        }
        retained_for = {_log_group_function(properties.get("LogGroupName")) for properties in retained_groups.values()}

        matches = _untranslatable(template)
        for function_id, function in template.resources("AWS::Lambda::Function").items():
            properties = function.get("Properties", {})
            explicit = properties.get("LoggingConfig", {}).get("LogGroup")
            if isinstance(explicit, dict) and explicit.get("Ref") in retained_groups:
                continue
            if {function_id, properties.get("FunctionName")} & retained_for:
                continue
            matches.append(
                RuleMatch(
                    template.source_path(function_id),
                    f"{function_id} has no AWS::Logs::LogGroup /aws/lambda/${{{function_id}}} with RetentionInDays",
                )
            )
        return matches


# ------------------------------------------------------------------------------------------------ E9102 dead letters

# Services that invoke Lambda asynchronously: Lambda retries a failed event twice, then drops it unless told otherwise.
ASYNC_PRINCIPALS = {
    "events.amazonaws.com",
    "scheduler.amazonaws.com",
    "sns.amazonaws.com",
    "s3.amazonaws.com",
    "ses.amazonaws.com",
    "iot.amazonaws.com",
    "logs.amazonaws.com",
}


def _function_id(value: Any, functions: dict[str, Any]) -> str | None:
    """The logical id of the function an ARN or name expression points at (GetAtt Fn.Arn, Ref Fn), if any."""
    if not isinstance(value, dict):
        return None
    target: Any = None
    if "Fn::GetAtt" in value:
        attribute = value["Fn::GetAtt"]
        target = attribute.split(".")[0] if isinstance(attribute, str) else attribute[0]
    elif "Ref" in value:
        target = value["Ref"]
    return target if target in functions else None


def _has_failure_destination(function_id: str, function: dict[str, Any], invoke_configs: list[dict[str, Any]]) -> bool:
    if function.get("Properties", {}).get("DeadLetterConfig", {}).get("TargetArn"):
        return True
    names = ({"Ref": function_id}, function.get("Properties", {}).get("FunctionName"))
    return any(
        config.get("Properties", {}).get("FunctionName") in names
        and config.get("Properties", {}).get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        for config in invoke_configs
    )


def _event_targets(template: Translated) -> Iterator[tuple[str, Path, str, dict[str, Any]]]:
    """(resource id, path inside it, description, target) of every EventBridge rule and scheduler target."""
    for rule_id, rule in template.resources("AWS::Events::Rule").items():
        for index, target in enumerate(rule.get("Properties", {}).get("Targets", [])):
            if isinstance(target, dict):
                yield rule_id, ["Properties", "Targets", index], f"{rule_id} target {target.get('Id')}", target
    for schedule_id, schedule in template.resources("AWS::Scheduler::Schedule").items():
        target = schedule.get("Properties", {}).get("Target", {})
        yield schedule_id, ["Properties", "Target"], f"{schedule_id} target", target


class AsyncTargetFailureDestination(CloudFormationLintRule):  # type: ignore[misc]
    id = "E9102"
    shortdesc = "A dead-letter queue or on-failure destination for every asynchronous target"
    description = (
        "Every AWS::Events::Rule and AWS::Scheduler::Schedule target (SAM Schedule and EventBridgeRule events "
        "included) has a DeadLetterConfig, and every function invoked asynchronously (by a rule, a schedule, SNS or "
        "S3) has an EventInvokeConfig with DestinationConfig.OnFailure or a DeadLetterQueue: nothing is dropped."
    )
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"
    tags = ["resources", "events", "lambda", "dlq"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = translated(cfn)
        functions = template.resources("AWS::Lambda::Function")
        invoked_async: set[str] = set()
        matches = _untranslatable(template)

        for resource_id, inner, described, target in _event_targets(template):
            if not target.get("DeadLetterConfig", {}).get("Arn"):
                matches.append(
                    RuleMatch(template.source_path(resource_id, *inner), f"{described} has no DeadLetterConfig")
                )
            function_id = _function_id(target.get("Arn"), functions)
            if function_id:
                invoked_async.add(function_id)

        for permission in template.resources("AWS::Lambda::Permission").values():
            properties = permission.get("Properties", {})
            function_id = _function_id(properties.get("FunctionName"), functions)
            if function_id and properties.get("Principal") in ASYNC_PRINCIPALS:
                invoked_async.add(function_id)

        invoke_configs = list(template.resources("AWS::Lambda::EventInvokeConfig").values())
        for function_id in sorted(invoked_async):
            if not _has_failure_destination(function_id, functions[function_id], invoke_configs):
                matches.append(
                    RuleMatch(
                        template.source_path(function_id),
                        f"{function_id} is invoked asynchronously but has neither an EventInvokeConfig with "
                        "DestinationConfig.OnFailure nor a DeadLetterQueue: an event its retries fail is dropped",
                    )
                )
        return matches


# ------------------------------------------------------------------------------------------------ E9103 PITR


class TablePointInTimeRecovery(CloudFormationLintRule):  # type: ignore[misc]
    id = "E9103"
    shortdesc = "Point-in-time recovery on every DynamoDB table"
    description = (
        "Every AWS::DynamoDB::Table (a SAM SimpleTable included, which cannot turn it on) has "
        "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true: data lost to a bad deploy or script "
        "can be restored to any second of the last 35 days."
    )
    source_url = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html"
    tags = ["resources", "dynamodb", "backup"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = translated(cfn)
        matches = _untranslatable(template)
        for table_id, table in template.resources("AWS::DynamoDB::Table").items():
            specification = table.get("Properties", {}).get("PointInTimeRecoverySpecification", {})
            if specification.get("PointInTimeRecoveryEnabled") not in (True, "true", "True"):
                matches.append(
                    RuleMatch(
                        template.source_path(table_id, "Properties"),
                        f"{table_id} has no PointInTimeRecoverySpecification with PointInTimeRecoveryEnabled: true",
                    )
                )
        return matches


# ------------------------------------------------------------------------------------------------ E9104 IAM

# The only actions that may be granted on "*": AWS authorizes them on no resource type (Service Authorization
# Reference), and the stack needs them - X-Ray's trace upload for Tracing=Active, the logs delivery calls for Step
# Functions to log executions. Other resource-less actions (ssm:DescribeParameters, listing calls) are not needed.
RESOURCELESS_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def _statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every statement of every policy document under node (roles, policies, queue and topic policies...)."""
    if isinstance(node, dict):
        statements = node.get("Statement")
        if isinstance(statements, list | dict) and ("Version" in node or "Action" not in node):
            for statement in statements if isinstance(statements, list) else [statements]:
                if isinstance(statement, dict):
                    yield statement
        for key, value in node.items():
            if key != "Statement":
                yield from _statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from _statements(value)


def _literals(value: Any) -> list[str]:
    """The literal strings a statement field may take, through Fn::If branches (other intrinsics are not wildcards)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [literal for item in value for literal in _literals(item)]
    if isinstance(value, dict) and isinstance(value.get("Fn::If"), list):
        return [literal for branch in value["Fn::If"][1:] for literal in _literals(branch)]
    return []


def wildcard_problems(statement: dict[str, Any]) -> list[str]:
    """What is too broad in one statement (nothing when it allows named actions on named resources)."""
    if statement.get("Effect") != "Allow":
        return []
    found = [f"{key} allows everything it does not name" for key in ("NotAction", "NotResource") if key in statement]
    actions = _literals(statement.get("Action", []))
    found += [f'Action "{action}" allows every action' for action in actions if action == "*" or action.endswith(":*")]
    if "*" in _literals(statement.get("Resource", [])):
        unexempt = sorted(set(actions) - RESOURCELESS_ACTIONS)
        if unexempt:
            found.append(
                f'Resource "*" for {", ".join(unexempt)}: name the resources, or drop an action that works only on "*" '
                "(X-Ray trace upload and log delivery are the only ones allowed)"
            )
    return found


class PolicyNoWildcard(CloudFormationLintRule):  # type: ignore[misc]
    id = "E9104"
    shortdesc = 'No "*" action or resource in IAM policy statements'
    description = (
        'No Allow statement (SAM policy templates included) has Action "*" or "service:*", NotAction, NotResource, '
        'or Resource "*" for any action but X-Ray trace upload and log delivery.'
    )
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    tags = ["resources", "iam", "least-privilege"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        template = translated(cfn)
        matches = _untranslatable(template)
        for resource_id, resource in template.resources().items():
            for statement in _statements(resource.get("Properties", {})):
                sid = f" {statement['Sid']}" if isinstance(statement.get("Sid"), str) else ""
                for problem in wildcard_problems(statement):
                    message = f"{resource_id} statement{sid}: {problem}"
                    matches.append(RuleMatch(template.source_path(resource_id), message))
        return matches
