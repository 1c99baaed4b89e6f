"""The report projection's inbox: the bus puts the events that change a lead's counts on ReportsQueue, and the
Reports function takes them in batches (the template's SQS event, run locally by the runtime's event source). A
batch's failures come back, only they, and a batch that keeps failing ends in the dead-letter queue, never lost."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.deployment import QueueSource
from infra.local.queue_sources import QueuePoller
from infra.local.runtime import MOTO_CONFIG, LocalRuntime
from tests.events import load_event
from tests.http_client import Client
from tests.integration.test_lead_pipeline import submit_and_wait, unique_email, vp_demo_request

ACCOUNT, REGION = "123456789012", "us-east-1"


def contributions(runtime: LocalRuntime) -> set[str]:
    return {str(item["lead_id"]) for item in runtime.table_items("ReportsTable") if "lead_id" in item}


def test_a_captured_lead_is_projected_from_the_queue_and_the_queue_is_left_empty(
    client: Client, runtime: LocalRuntime
) -> None:
    done = submit_and_wait(client, vp_demo_request(unique_email("dana", "snowflake.com")))
    runtime.wait_for_executions()

    assert done["lead_id"] in contributions(runtime)
    sqs = boto3.client("sqs", region_name=REGION)
    url = runtime.deployment.queues["ReportsQueue"]  # type: ignore[union-attr]
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


def test_a_batch_answers_only_the_messages_it_could_not_read_as_failed(client: Client, runtime: LocalRuntime) -> None:
    done = submit_and_wait(client, vp_demo_request(unique_email("sam", "snowflake.com")))
    runtime.wait_for_executions()
    batch = load_event("reports/queued_batch.json")
    good, bad = batch["Records"][0], {**batch["Records"][1], "messageId": "not-an-event", "body": '{"hello": 1}'}
    good["body"] = json.dumps({**json.loads(good["body"]), "detail": {"lead_id": done["lead_id"]}})

    answer = runtime.invoke("ReportsFunction", {"Records": [good, bad]})

    assert answer == {"batchItemFailures": [{"itemIdentifier": "not-an-event"}]}


# --- the local event source on its own: what Lambda's SQS event source mapping does with a batch's outcome -------


@pytest.fixture
def queues(aws_credentials: None) -> Iterator[tuple[Any, str, str]]:
    """A queue whose messages move to a dead-letter queue after two receives: the client, their names."""
    with mock_aws(config=MOTO_CONFIG):
        sqs = boto3.client("sqs", region_name=REGION)
        dead_name = f"dead-{uuid.uuid4().hex[:6]}"
        dead = sqs.create_queue(QueueName=dead_name)["QueueUrl"]
        dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        name = f"inbox-{uuid.uuid4().hex[:6]}"
        redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 2})
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "1", "RedrivePolicy": redrive})
        yield sqs, name, dead_name


def run_poller(name: str, invoke: Callable[[str, Any], Any], until: Callable[[], bool], batch_size: int = 10) -> None:
    poller = QueuePoller(
        QueueSource("fn", name, batch_size=batch_size, report_failures=True), invoke, account_id=ACCOUNT, region=REGION
    )
    poller.start()
    try:
        deadline = time.monotonic() + 15
        while not until() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        poller.stop()


def send(sqs: Any, name: str, *bodies: str) -> None:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)


def left(sqs: Any, name: str) -> int:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_the_messages_a_batch_names_as_failed_come_back_and_the_rest_are_deleted(queues: tuple[Any, str, str]) -> None:
    sqs, name, _ = queues
    send(sqs, name, "a", "b", "c")
    seen: list[list[str]] = []

    def invoke(function: str, event: Any) -> Any:
        bodies = [record["body"] for record in event["Records"]]
        seen.append(sorted(bodies))
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "b" and len(seen) == 1]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}

    run_poller(name, invoke, until=lambda: left(sqs, name) == 0 and len(seen) >= 2)

    assert seen == [["a", "b", "c"], ["b"]]  # b alone came back, after the visibility timeout
    assert left(sqs, name) == 0


def test_a_batch_that_keeps_raising_ends_in_the_dead_letter_queue_with_every_message(
    queues: tuple[Any, str, str],
) -> None:
    sqs, name, dead_name = queues
    send(sqs, name, "x", "y")
    calls: list[int] = []

    def invoke(function: str, event: Any) -> Any:
        calls.append(len(event["Records"]))
        raise RuntimeError("the table is unreachable")

    run_poller(name, invoke, until=lambda: left(sqs, dead_name) == 2)

    assert left(sqs, dead_name) == 2 and left(sqs, name) == 0
    assert sum(calls) == 4  # each message received twice (maxReceiveCount), then moved
