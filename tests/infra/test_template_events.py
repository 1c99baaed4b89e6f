"""What the template wires between functions, rules, queues and logs: every log group kept, every rule target
retried into a dead-letter queue, the pipeline started by the events it takes, the jobs on their schedules."""

from __future__ import annotations

from typing import Any

from tests.infra.template_queries import as_list, resources_of_type


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
            source_arns = as_list(statement["Condition"]["ArnEquals"]["aws:SourceArn"])
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


def test_the_reports_rule_delivers_every_event_the_projection_acts_on(template: dict[str, Any]) -> None:
    from leadflow.services.reports import PROJECTED_EVENTS

    rule = template["Resources"]["ReportsEventsRule"]["Properties"]
    assert rule["EventPattern"]["source"] == ["leadflow"]
    assert sorted(rule["EventPattern"]["detail-type"]) == sorted(PROJECTED_EVENTS)
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["ReportsQueue", "Arn"]}


def test_the_reports_queue_feeds_the_projection_in_batches_and_only_the_reports_rule_may_send_to_it(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    (source,) = resources["ReportsFunction"]["Properties"]["Events"].values()
    assert source["Type"] == "SQS" and source["Properties"]["Queue"] == {"Fn::GetAtt": ["ReportsQueue", "Arn"]}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]  # a failure returns alone
    queue = resources["ReportsQueue"]["Properties"]
    timeout = resources["ReportsFunction"]["Properties"]["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * timeout  # Lambda's advice: a batch is never handed out twice at once
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["EventDeliveryDeadLetterQueue", "Arn"]}
    (statement,) = resources["ReportsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": ["ReportsEventsRule", "Arn"]}
