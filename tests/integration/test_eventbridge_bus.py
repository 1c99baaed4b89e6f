"""EventBridgeBus under moto: what it publishes reaches a rule's target with leadflow's source and detail-type."""

from __future__ import annotations

import json

import boto3
import pytest
from leadflow.adapters.eventbridge import EventBridgeBus
from leadflow.models.events import LeadScored
from moto import mock_aws

from infra.local.runtime import MOTO_CONFIG

pytestmark = pytest.mark.usefixtures("aws_credentials")


@mock_aws(config=MOTO_CONFIG)  # the runtime fixture may share this process's moto
def test_a_published_event_reaches_the_rule_for_its_detail_type() -> None:
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name="leadflow-test-bus")
    queue_url = sqs.create_queue(QueueName="scored")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {"source": ["leadflow"], "detail-type": ["lead.scored"]}
    events.put_rule(Name="scored", EventBusName="leadflow-test-bus", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="scored", EventBusName="leadflow-test-bus", Targets=[{"Id": "q", "Arn": queue_arn}])
    scored = [
        LeadScored(
            lead_id=f"lead-{i}",
            fit=40,
            engagement=i,
            total=40 + i,
            grade="B",
            level=3,
            qualifies=False,
            ruleset_version=3,
        )
        for i in range(12)
    ]

    EventBridgeBus(events, "leadflow-test-bus").publish(scored)

    received = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        received.extend(LeadScored.model_validate(json.loads(message["Body"])["detail"]) for message in batch)
        sqs.delete_message_batch(
            QueueUrl=queue_url, Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in batch]
        )
    assert sorted(received, key=lambda event: event.engagement) == scored
