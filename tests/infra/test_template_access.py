"""What each function and state machine the template deploys may do: only the tables, indexes, secrets and
senders it needs, and no statement that allows every action or every resource beyond log delivery."""

from __future__ import annotations

from typing import Any

from tests.infra.template_queries import UNSCOPED_ACTIONS, as_list, iam_statements, policy_templates, resources_of_type


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
        "RecordEngagementFunction": {
            ("DynamoDBCrudPolicy", "LeadsTable"),
            ("DynamoDBReadPolicy", "ConfigTable"),
            put_events,
        },
        "RescoreFunction": {("DynamoDBCrudPolicy", "LeadsTable"), ("DynamoDBReadPolicy", "ConfigTable"), put_events},
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
        # + reading the unsubscribe secret and the suppression salt (their own parameters only)
        "UnsubscribeFunction": {("DynamoDBCrudPolicy", "LeadsTable"), put_events},
        "MailEventsFunction": {("DynamoDBCrudPolicy", "LeadsTable"), put_events},
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
        # + starting and stopping NurtureTrack executions, sending as the marketing sender: tested below
        "NurtureFunction": {
            ("DynamoDBCrudPolicy", "LeadsTable"),
            ("DynamoDBCrudPolicy", "ConfigTable"),
            ("DynamoDBCrudPolicy", "OutboxTable"),
            put_events,
        },
        "NurtureStepFunction": {
            ("DynamoDBCrudPolicy", "LeadsTable"),
            ("DynamoDBReadPolicy", "ConfigTable"),
            ("DynamoDBCrudPolicy", "OutboxTable"),
            put_events,
        },
        "NurtureApiFunction": {
            ("DynamoDBCrudPolicy", "LeadsTable"),
            ("DynamoDBReadPolicy", "ConfigTable"),
            ("DynamoDBReadPolicy", "OutboxTable"),
            put_events,
        },
        # Keeps the projections from the leads it reads; never writes a lead or publishes.
        "ReportsFunction": {("DynamoDBReadPolicy", "LeadsTable"), ("DynamoDBCrudPolicy", "ReportsTable")},
        # Reads only: the projections, the MQLs (the live count) and the targets' rule set.
        "ReportsApiFunction": {
            ("DynamoDBReadPolicy", "ReportsTable"),
            ("DynamoDBReadPolicy", "LeadsTable"),
            ("DynamoDBReadPolicy", "ConfigTable"),
        },
        "DashboardFunction": set(),  # serves files only: the page reads data through the API, with the user's key
    }
    assert {name: policy_templates(function) for name, function in functions.items()} == expected


def test_no_iam_statement_allows_every_action(translated: dict[str, Any]) -> None:
    statements = list(iam_statements(translated["Resources"]))
    assert statements, "no IAM statements found"
    for where, statement in statements:
        assert "NotAction" not in statement, where
        if statement.get("Effect") == "Deny":  # a denial grants nothing (the archive bucket refuses s3:* without TLS)
            continue
        for action in as_list(statement.get("Action", [])):
            assert isinstance(action, str), where
            assert action != "*", where
            assert not action.endswith(":*"), f"{where}: Action {action}"


def test_only_log_delivery_is_granted_on_every_resource(translated: dict[str, Any]) -> None:
    for where, statement in iam_statements(translated["Resources"]):
        if "*" in as_list(statement.get("Resource", [])) and statement.get("Effect") == "Allow":
            assert set(as_list(statement["Action"])) <= UNSCOPED_ACTIONS, where


def test_state_machine_may_only_update_the_leads_table(translated: dict[str, Any]) -> None:
    role = translated["Resources"]["LeadPipelineRole"]["Properties"]
    dynamodb = [
        statement
        for _, statement in iam_statements(role["Policies"])
        if any(action.startswith("dynamodb:") for action in as_list(statement["Action"]))
    ]
    assert dynamodb == [
        {
            "Sid": "RecordFailedSubmission",
            "Effect": "Allow",
            "Action": "dynamodb:UpdateItem",
            "Resource": {"Fn::GetAtt": ["LeadsTable", "Arn"]},
        }
    ]


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
