"""The local archive of every event on the bus (the folder the template's Firehose stream keeps in S3): a real
pipeline run lands in the day's file as JSON lines in EventBridge's envelope, exactly the events the bus carried, and
an erased person's lines leave it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from infra.local.runtime import LocalRuntime
from tests.http_client import Client
from tests.names import unique_surname

ENVELOPE = ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]


@pytest.fixture
def bus_observer(runtime: LocalRuntime) -> Iterator[Any]:
    """A queue that a rule of its own fills with every leadflow event on the bus: what the bus saw, through moto's
    own delivery, to compare the archive with."""
    assert runtime.session is not None and runtime.deployment is not None
    events, sqs = runtime.session.client("events"), runtime.session.client("sqs")
    bus = runtime.deployment.names.refs["LeadflowBus"]
    name = f"archive-observer-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": ["leadflow"]}))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "observer", "Arn": arn}])

    def seen() -> list[dict[str, Any]]:
        found = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            found += [json.loads(message["Body"]) for message in messages]
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in messages]
            )
        return found

    yield seen
    events.remove_targets(Rule=name, EventBusName=bus, Ids=["observer"])
    events.delete_rule(Name=name, EventBusName=bus)
    sqs.delete_queue(QueueUrl=url)


def demo_request(surname: str) -> dict[str, Any]:
    return {
        "email": f"dana.{surname.lower()}@snowflake.com",
        "first_name": "Dana",
        "last_name": surname,
        "title": "VP of Engineering",
        "company": "Snowflake",
        "country": "US",
        "form_id": "demo-request",
        "consent": True,
        "utm_source": "google",
    }


def submit(client: Client, document: dict[str, Any]) -> dict[str, Any]:
    reply = client.post_lead(document)
    assert reply.status == 202, reply.body
    return client.wait_for_submission(reply.json()["submission_id"])


def about(events: list[dict[str, Any]], *ids: str) -> list[dict[str, Any]]:
    return [event for event in events if any(i in json.dumps(event["detail"]) for i in ids)]


def test_a_pipeline_run_lands_in_the_days_file_as_the_events_the_bus_carried(
    runtime: LocalRuntime, client: Client, bus_observer: Any
) -> None:
    assert runtime.archive is not None
    before = runtime.clock.now()

    submission = submit(client, demo_request(unique_surname()))
    runtime.wait_for_executions()

    ids = (submission["submission_id"], submission["lead_id"])
    seen = about(bus_observer(), *ids)
    archived = about(runtime.archive.events(), *ids)
    # Nothing lost, nothing added: the same events, by the ids EventBridge gave them
    assert sorted(e["id"] for e in archived) == sorted(e["id"] for e in seen)
    assert sorted(e["detail-type"] for e in archived) == sorted(e["detail-type"] for e in seen)
    assert {"lead.submitted", "lead.created", "lead.scored", "lead.assigned", "notification.queued"} <= {
        e["detail-type"] for e in archived
    }
    for event in archived:
        # EventBridge's envelope, nothing of moto's own; the detail as published
        assert list(event) == ENVELOPE
        assert (event["source"], event["account"], event["region"]) == ("leadflow", "123456789012", "us-east-1")
        assert event["detail"] == next(e["detail"] for e in seen if e["id"] == event["id"])
        # The day folder is the event's day on the runtime's clock, which is the day the lead came in
        day = event["time"][:10]
        assert day in {f"{before:%Y-%m-%d}", f"{runtime.clock.now():%Y-%m-%d}"}
        (path,) = [p for p in runtime.archive.files() if f'"id":"{event["id"]}"' in p.read_text(encoding="utf-8")]
        assert path.relative_to(runtime.archive.folder).parts == (f"dt={day}", f"events-{event['time'][11:13]}.jsonl")


def test_the_days_file_is_one_json_document_per_line(runtime: LocalRuntime, client: Client) -> None:
    assert runtime.archive is not None
    submit(client, demo_request(unique_surname()))
    runtime.wait_for_executions()

    for path in runtime.archive.files():
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n")
        assert all(json.loads(line)["source"] == "leadflow" for line in text.splitlines())


def test_an_erased_person_leaves_the_archive_but_their_erasure_stays(runtime: LocalRuntime, client: Client) -> None:
    assert runtime.archive is not None
    surname = unique_surname()
    submission = submit(client, demo_request(surname))
    runtime.wait_for_executions()
    lead_id = submission["lead_id"]
    assert about(runtime.archive.events(), lead_id)

    reply = client.request("DELETE", f"/v1/leads/{lead_id}", headers={"x-api-key": client.api_key})
    assert reply.status == 200, reply.body
    runtime.wait_for_executions()

    text = "".join(path.read_text(encoding="utf-8") for path in runtime.archive.files())
    assert surname.lower() not in text.lower()  # their name and email, in lead.submitted and lead.created
    assert submission["submission_id"] not in text
    archived = {e["detail-type"] for e in about(runtime.archive.events(), lead_id)}
    assert "lead.erased" in archived
    assert not archived & {"lead.created", "lead.scored", "lead.assigned", "notification.queued"}
