"""What `sam deploy` creates from template.yaml: translated offline to CloudFormation and checked for
the API, access, encryption, logs and dead letters a user relies on."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

ENV_FROM_RESOURCES = {
    "LEADS_TABLE": "LeadsTable",
    "CONFIG_TABLE": "ConfigTable",
    "IDEMPOTENCY_TABLE": "IdempotencyTable",
    "OUTBOX_TABLE": "OutboxTable",
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


def _statements(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement anywhere in a template (roles, inline policies, queue policies, ...)."""
    if isinstance(node, dict):
        statement = node.get("Statement")
        if isinstance(statement, list | dict) and "Action" not in node:
            for item in statement if isinstance(statement, list) else [statement]:
                yield where, item
        for key, value in node.items():
            yield from _statements(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _statements(value, f"{where}[{index}]")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy_templates(function: dict[str, Any]) -> set[tuple[str, str]]:
    """(policy template, Ref target or Sub string) pairs of a SAM function's Policies (inline statements aside)."""
    pairs = set()
    for policy in function["Properties"].get("Policies", []):
        if "Statement" in policy:
            continue
        for template_name, arguments in policy.items():
            (argument,) = arguments.values()
            pairs.add((template_name, argument["Ref"] if "Ref" in argument else argument["Fn::Sub"]))
    return pairs


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


def test_each_function_gets_only_the_table_and_bus_access_it_needs(template: dict[str, Any]) -> None:
    functions = resources_of_type(template, "AWS::Serverless::Function")
    put_events = ("EventBridgePutEventsPolicy", "LeadflowBus")
    expected = {
        "IntakeFunction": {
            ("DynamoDBWritePolicy", "LeadsTable"),
            ("DynamoDBCrudPolicy", "IdempotencyTable"),
            put_events,
        },
        "LeadsApiFunction": {("DynamoDBReadPolicy", "LeadsTable"), ("DynamoDBReadPolicy", "ConfigTable")},
        "ConfigApiFunction": {("DynamoDBCrudPolicy", "ConfigTable")},
        "RoutingApiFunction": {
            ("DynamoDBCrudPolicy", "LeadsTable"),
            ("DynamoDBCrudPolicy", "ConfigTable"),
            put_events,
        },
        "DecayFunction": {("DynamoDBCrudPolicy", "LeadsTable"), ("DynamoDBReadPolicy", "ConfigTable"), put_events},
        "SweepFunction": {put_events},  # + reading the due index and re-filing submissions, tested below
        "TrainModelFunction": {("DynamoDBReadPolicy", "LeadsTable"), ("DynamoDBCrudPolicy", "ConfigTable")},
        "DedupeFunction": {("DynamoDBCrudPolicy", "LeadsTable"), put_events},
        "EnrichFunction": {("DynamoDBCrudPolicy", "LeadsTable"), put_events},
        "ScoreFunction": {("DynamoDBCrudPolicy", "LeadsTable"), ("DynamoDBReadPolicy", "ConfigTable"), put_events},
        "RouteFunction": {("DynamoDBCrudPolicy", "LeadsTable"), ("DynamoDBCrudPolicy", "ConfigTable"), put_events},
        "NotifyFunction": {
            ("DynamoDBCrudPolicy", "OutboxTable"),
            ("DynamoDBReadPolicy", "LeadsTable"),
            ("DynamoDBReadPolicy", "ConfigTable"),
            put_events,
        },
        "DeliverFunction": {("DynamoDBReadPolicy", "ConfigTable")},  # + the inline statements tested below
        "WebhooksFunction": {
            ("DynamoDBCrudPolicy", "LeadsTable"),
            put_events,
        },  # + reading the webhook secrets, tested below
        "CurateFunction": {
            ("DynamoDBCrudPolicy", "LeadsTable"),
            ("DynamoDBReadPolicy", "ConfigTable"),
            put_events,
        },
        "LeadActionsFunction": {
            ("DynamoDBCrudPolicy", "LeadsTable"),
            ("DynamoDBCrudPolicy", "ConfigTable"),
            put_events,
        },
        "RecycleFunction": {
            ("DynamoDBCrudPolicy", "LeadsTable"),
            ("DynamoDBReadPolicy", "ConfigTable"),
            put_events,
        },
        "SlaFunction": {
            ("DynamoDBCrudPolicy", "LeadsTable"),
            ("DynamoDBCrudPolicy", "ConfigTable"),
            ("DynamoDBCrudPolicy", "OutboxTable"),
            put_events,
        },
    }
    assert {name: _policy_templates(function) for name, function in functions.items()} == expected


def test_no_iam_statement_allows_every_action(translated: dict[str, Any]) -> None:
    statements = list(_statements(translated["Resources"]))
    assert statements, "no IAM statements found"
    for where, statement in statements:
        assert "NotAction" not in statement, where
        for action in _as_list(statement.get("Action", [])):
            assert isinstance(action, str), where
            assert action != "*", where
            assert not action.endswith(":*"), f"{where}: Action {action}"


def test_only_log_delivery_is_granted_on_every_resource(translated: dict[str, Any]) -> None:
    for where, statement in _statements(translated["Resources"]):
        if "*" in _as_list(statement.get("Resource", [])) and statement.get("Effect") == "Allow":
            assert set(_as_list(statement["Action"])) <= UNSCOPED_ACTIONS, where


def test_state_machine_may_only_update_the_leads_table(translated: dict[str, Any]) -> None:
    role = translated["Resources"]["LeadPipelineRole"]["Properties"]
    dynamodb = [
        statement
        for _, statement in _statements(role["Policies"])
        if any(action.startswith("dynamodb:") for action in _as_list(statement["Action"]))
    ]
    assert dynamodb == [
        {
            "Sid": "RecordFailedSubmission",
            "Effect": "Allow",
            "Action": "dynamodb:UpdateItem",
            "Resource": {"Fn::GetAtt": ["LeadsTable", "Arn"]},
        }
    ]


def test_every_function_has_a_log_group_with_retention(template: dict[str, Any]) -> None:
    log_groups = {
        resource["Properties"]["LogGroupName"].get("Fn::Sub"): resource["Properties"]
        for resource in resources_of_type(template, "AWS::Logs::LogGroup").values()
    }
    for logical_id in resources_of_type(template, "AWS::Serverless::Function"):
        properties = log_groups.get(f"/aws/lambda/${{{logical_id}}}")
        assert properties is not None, f"{logical_id} has no log group"
        assert "RetentionInDays" in properties


def test_state_machine_logs_to_a_log_group_with_retention(template: dict[str, Any]) -> None:
    logging = template["Resources"]["LeadPipeline"]["Properties"]["Logging"]
    (destination,) = logging["Destinations"]
    log_group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert "RetentionInDays" in template["Resources"][log_group_id]["Properties"]


def test_every_event_rule_target_has_retries_and_a_dead_letter_queue(translated: dict[str, Any]) -> None:
    rules = resources_of_type(translated, "AWS::Events::Rule")
    assert {"LeadPipelineLeadSubmitted", "PipelineFailedRule"} <= set(rules)
    for logical_id, rule in rules.items():
        for target in rule["Properties"]["Targets"]:
            assert "Arn" in target.get("DeadLetterConfig", {}), f"{logical_id} target {target['Id']}"
            assert target.get("RetryPolicy"), f"{logical_id} target {target['Id']}"


def test_rules_may_send_to_their_queues_and_nothing_else_may(translated: dict[str, Any]) -> None:
    """A rule's SQS target or dead-letter queue silently drops events unless the queue policy admits it."""
    resources = translated["Resources"]
    senders: dict[str, set[str]] = {}
    for policy in resources_of_type(translated, "AWS::SQS::QueuePolicy").values():
        (queue,) = policy["Properties"]["Queues"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Principal"] == {"Service": "events.amazonaws.com"}
            assert statement["Action"] == "sqs:SendMessage"
            source_arns = _as_list(statement["Condition"]["ArnEquals"]["aws:SourceArn"])
            senders.setdefault(queue["Ref"], set()).update(arn["Fn::GetAtt"][0] for arn in source_arns)

    for rule_id, rule in resources_of_type(translated, "AWS::Events::Rule").items():
        for target in rule["Properties"]["Targets"]:
            for arn in (target["Arn"], target["DeadLetterConfig"]["Arn"]):
                queue_id = arn.get("Fn::GetAtt", [None])[0] if isinstance(arn, dict) else None
                if queue_id and resources[queue_id]["Type"] == "AWS::SQS::Queue":
                    assert rule_id in senders.get(queue_id, set()), f"{queue_id} does not admit {rule_id}"


def test_pipeline_failures_reach_the_pipeline_dead_letter_queue(template: dict[str, Any]) -> None:
    rule = template["Resources"]["PipelineFailedRule"]["Properties"]
    assert rule["EventBusName"] == {"Ref": "LeadflowBus"}
    assert rule["EventPattern"] == {"source": ["leadflow"], "detail-type": ["lead.pipeline_failed"]}
    assert [t["Arn"] for t in rule["Targets"]] == [{"Fn::GetAtt": ["PipelineDeadLetterQueue", "Arn"]}]
    queue = template["Resources"]["PipelineDeadLetterQueue"]["Properties"]
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue["SqsManagedSseEnabled"] is True


def test_submitted_leads_start_the_pipeline(template: dict[str, Any]) -> None:
    event = template["Resources"]["LeadPipeline"]["Properties"]["Events"]["LeadSubmitted"]
    assert event["Type"] == "EventBridgeRule"
    assert event["Properties"]["EventBusName"] == {"Ref": "LeadflowBus"}
    assert event["Properties"]["Pattern"] == {"source": ["leadflow"], "detail-type": ["lead.submitted"]}
    assert event["Properties"]["RetryPolicy"] == {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 3600}


def test_engagement_events_start_the_pipeline_too(template: dict[str, Any]) -> None:
    event = template["Resources"]["LeadPipeline"]["Properties"]["Events"]["EngagementRecorded"]
    assert event["Properties"]["Pattern"] == {"source": ["leadflow"], "detail-type": ["engagement.recorded"]}
    assert event["Properties"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["EventDeliveryDeadLetterQueue", "Arn"]}}


def test_rescore_requests_start_the_pipeline_too(template: dict[str, Any]) -> None:
    event = template["Resources"]["LeadPipeline"]["Properties"]["Events"]["RescoreRequested"]
    assert event["Properties"]["Pattern"] == {"source": ["leadflow"], "detail-type": ["lead.rescore_requested"]}
    assert event["Properties"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["EventDeliveryDeadLetterQueue", "Arn"]}}


def test_scheduled_jobs_run_on_their_schedules(template: dict[str, Any]) -> None:
    schedules = {
        name: event["Properties"]["Schedule"]
        for name, function in resources_of_type(template, "AWS::Serverless::Function").items()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "Schedule"
    }
    assert schedules == {
        "DecayFunction": "rate(1 hour)",
        "RecycleFunction": "rate(1 day)",
        "TrainModelFunction": "rate(7 days)",
        "SweepFunction": "rate(5 minutes)",
    }


def test_tables_have_the_contract_keys_and_indexes(template: dict[str, Any]) -> None:
    def keys(schema: list[dict[str, str]]) -> list[str]:
        return [key["AttributeName"] for key in schema]

    tables = {name: t["Properties"] for name, t in resources_of_type(template, "AWS::DynamoDB::Table").items()}
    assert {name: keys(table["KeySchema"]) for name, table in tables.items()} == {
        "LeadsTable": ["pk", "sk"],
        "ConfigTable": ["pk", "sk"],
        "IdempotencyTable": ["id"],
        "OutboxTable": ["pk", "sk"],
    }
    indexes = {
        index["IndexName"]: (keys(index["KeySchema"]), index["Projection"]["ProjectionType"])
        for index in tables["LeadsTable"]["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        "by_stage": (["gsi1pk", "gsi1sk"], "ALL"),
        "by_owner": (["gsi2pk", "gsi2sk"], "ALL"),
        "by_due": (["gsi3pk", "gsi3sk"], "KEYS_ONLY"),  # sparse: only leads a scheduled job must look at
    }
    assert tables["IdempotencyTable"]["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    # Webhook event records and parked engagement expire; nothing else in the leads table carries the attribute.
    assert tables["LeadsTable"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert tables["ConfigTable"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_tables_are_on_demand_encrypted_backed_up_and_lead_data_is_kept(template: dict[str, Any]) -> None:
    for name, table in resources_of_type(template, "AWS::DynamoDB::Table").items():
        properties = table["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST", name
        assert properties["SSESpecification"] == {"SSEEnabled": True}, name
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
    for name in ("LeadsTable", "ConfigTable", "OutboxTable"):
        resource = template["Resources"][name]
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain"), name


def test_webhooks_read_each_providers_secret_under_the_path_they_are_given_and_nothing_else(
    template: dict[str, Any],
) -> None:
    properties = template["Resources"]["WebhooksFunction"]["Properties"]
    path = properties["Environment"]["Variables"]["WEBHOOK_SECRETS_PATH"]["Fn::Sub"]
    ssm = [
        statement
        for policy in properties["Policies"]
        for statement in policy.get("Statement", [])
        if "ssm:" in str(statement["Action"])
    ]

    assert path.endswith("/")
    assert {str(statement["Action"]) for statement in ssm} == {"ssm:GetParameter"}
    assert [statement for statement in ssm if statement["Sid"] == "ReadWebhookSecrets"] == [
        {
            "Sid": "ReadWebhookSecrets",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": {
                "Fn::Sub": f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{path}*"
            },
        }
    ]


def test_delivery_may_only_read_and_update_outbox_items_and_email_as_the_configured_sender(
    template: dict[str, Any],
) -> None:
    properties = template["Resources"]["DeliverFunction"]["Properties"]
    (inline,) = [policy["Statement"] for policy in properties["Policies"] if "Statement" in policy]
    grants = {statement["Sid"]: statement for statement in inline}

    outbox = grants["ReadAndRecordOutboxDelivery"]
    assert (outbox["Action"], outbox["Resource"]) == (
        ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        {"Fn::GetAtt": ["OutboxTable", "Arn"]},
    )
    email = grants["SendNotificationEmail"]
    assert email["Action"] == "ses:SendEmail"
    assert email["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "NotificationFromAddress"}}}
    assert properties["Environment"]["Variables"]["SES_FROM_ADDRESS"] == {"Ref": "NotificationFromAddress"}
    assert template["Parameters"]["NotificationFromAddress"]["Default"] == ""  # email delivery off by default


def test_queued_notifications_are_delivered_asynchronously_with_retries_and_dead_letters(
    template: dict[str, Any], translated: dict[str, Any]
) -> None:
    rule = template["Resources"]["NotificationQueuedRule"]["Properties"]
    assert rule["EventPattern"] == {"source": ["leadflow"], "detail-type": ["notification.queued"]}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["DeliverFunction", "Arn"]}

    # A function error is retried by Lambda's asynchronous invoke, not by the rule: it needs its own dead letter.
    invoke = translated["Resources"]["DeliverFunctionEventInvokeConfig"]["Properties"]
    assert invoke["MaximumRetryAttempts"] == 2
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["EventDeliveryDeadLetterQueue", "Arn"]
    }
    permission = template["Resources"]["NotificationQueuedRulePermission"]["Properties"]
    assert (permission["Principal"], permission["SourceArn"]) == (
        "events.amazonaws.com",
        {"Fn::GetAtt": ["NotificationQueuedRule", "Arn"]},
    )


def test_the_sweeper_may_only_read_the_due_index_and_re_file_submissions(
    template: dict[str, Any], translated: dict[str, Any]
) -> None:
    properties = template["Resources"]["SweepFunction"]["Properties"]
    (inline,) = [policy["Statement"] for policy in properties["Policies"] if "Statement" in policy]
    grants = {statement["Sid"]: statement for statement in inline}

    assert set(grants) == {"ReadDueSubmissions", "RefileSubmissions"}
    assert (grants["ReadDueSubmissions"]["Action"], grants["ReadDueSubmissions"]["Resource"]) == (
        "dynamodb:Query",
        {"Fn::Sub": "${LeadsTable.Arn}/index/by_due"},
    )
    refile = grants["RefileSubmissions"]
    assert refile["Action"] == ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    assert refile["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["SUBMISSION#*"]}}
    # Asynchronous (a schedule): a failed run goes to the dead-letter queue after one retry.
    invoke = translated["Resources"]["SweepFunctionEventInvokeConfig"]["Properties"]
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["EventDeliveryDeadLetterQueue", "Arn"]
    }
