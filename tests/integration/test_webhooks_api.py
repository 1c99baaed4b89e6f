"""`POST /v1/webhooks/{provider}` in the local runtime: signed engagement events are accepted once each, published as
engagement.recorded for known leads and parked for unknown emails; unsigned, stale or malformed requests are refused.

The end of the module holds the SSM secrets lookup and the store contract for the webhook records, which DynamoDB
(moto) and the in-memory twin must both keep."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoLeadStore
from leadflow.adapters.memory import InMemoryLeadStore
from leadflow.adapters.webhook_secrets import ParameterStoreWebhookSecrets
from leadflow.domain.webhook_signature import sign, signed_headers
from leadflow.models.lead import Activity
from leadflow.ports import LeadStore
from moto import mock_aws

from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG, LocalRuntime
from tests.events import load_event
from tests.http_client import Client, Reply
from tests.integration.tables import create_tables
from tests.names import unique_surname

LOCAL_SECRET = "local-webhook-secret"  # what the local runtime configures for the `generic` provider


def unique_email(local: str = "dana", domain: str = "snowflake.com") -> str:
    return f"{local}.{uuid.uuid4().hex[:8]}@{domain}"


def engagement(event_id: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": event_id or f"evt_{uuid.uuid4().hex}",
        "type": "page_visit",
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "properties": {"url": "https://www.example.com/pricing", "seconds": 42},
        **fields,
    }


def post_events(
    client: Client,
    document: Any,
    *,
    provider: str = "generic",
    secret: str = LOCAL_SECRET,
    signed_at: datetime | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    body = json.dumps(document).encode()
    signed = signed_headers(secret, body, signed_at or datetime.now(UTC))
    all_headers = {"content-type": "application/json", **signed, **(headers or {})}
    return client.request("POST", f"/v1/webhooks/{provider}", body, all_headers)


def known_lead(client: Client) -> tuple[str, str]:
    """A lead created through the form endpoint: (lead_id, email)."""
    email = unique_email()
    reply = client.post_lead({"email": email, "last_name": unique_surname(), "form_id": "newsletter"})
    assert reply.status == 202, reply.body
    submission = client.wait_for_submission(reply.json()["submission_id"])
    assert submission["status"] == "processed", submission
    return submission["lead_id"], email


@contextmanager
def engagement_recorded_for(runtime: LocalRuntime, lead_id: str) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Subscribe an SQS queue to the runtime's bus for the lead's engagement.recorded events, as a consumer would."""
    assert runtime.session is not None
    events, sqs = runtime.session.client("events"), runtime.session.client("sqs")
    bus = os.environ["EVENT_BUS_NAME"]  # the runtime exports the functions' environment
    name = f"engagement-{uuid.uuid4().hex[:12]}"
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {"source": ["leadflow"], "detail-type": ["engagement.recorded"], "detail": {"lead_id": [lead_id]}}
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])

    def received() -> list[dict[str, Any]]:
        details = []
        while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
            details.extend(json.loads(message["Body"])["detail"] for message in batch)
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": m["MessageId"], "ReceiptHandle": m["ReceiptHandle"]} for m in batch],
            )
        return details

    try:
        yield received
    finally:
        events.remove_targets(Rule=name, EventBusName=bus, Ids=["queue"])
        events.delete_rule(Name=name, EventBusName=bus)
        sqs.delete_queue(QueueUrl=queue_url)


def error_fields(reply: Reply) -> set[str]:
    return {error["field"] for error in reply.json().get("errors", [])}


# --- accepted ----------------------------------------------------------------------------------------------------


def test_a_signed_event_for_a_known_lead_is_accepted_and_published_as_engagement_recorded(
    client: Client, runtime: LocalRuntime
) -> None:
    lead_id, email = known_lead(client)
    event = engagement(email=email.upper(), type="content_download", properties={"asset": "state-of-data.pdf"})

    with engagement_recorded_for(runtime, lead_id) as received:
        reply = post_events(client, event)

        assert reply.status == 202, reply.body
        assert reply.json() == {
            "received": 1,
            "results": [{"event_id": event["event_id"], "status": "recorded", "lead_id": lead_id}],
        }
        (detail,) = received()
    assert (detail["lead_id"], detail["provider"]) == (lead_id, "generic")
    assert detail["activity"]["event_id"] == f"generic:{event['event_id']}"
    assert detail["activity"]["type"] == "content_download"
    assert detail["activity"]["properties"] == {"asset": "state-of-data.pdf"}


def test_a_redelivered_batch_reports_duplicates_and_publishes_only_the_new_events(
    client: Client, runtime: LocalRuntime
) -> None:
    lead_id, _ = known_lead(client)
    first, second, third = (engagement(lead_id=lead_id) for _ in range(3))
    with engagement_recorded_for(runtime, lead_id) as received:
        assert post_events(client, {"events": [first, second]}).status == 202

        reply = post_events(client, {"events": [first, second, third]})

        assert reply.status == 202, reply.body
        assert [(r["event_id"], r["status"]) for r in reply.json()["results"]] == [
            (first["event_id"], "duplicate"),
            (second["event_id"], "duplicate"),
            (third["event_id"], "recorded"),
        ]
        published = [detail["activity"]["event_id"] for detail in received()]
    assert sorted(published) == sorted(f"generic:{e['event_id']}" for e in (first, second, third))


def test_an_event_for_an_unknown_email_is_parked_and_creates_no_lead(client: Client, runtime: LocalRuntime) -> None:
    email = unique_email("grace", "navy.example")

    reply = post_events(client, engagement(email=email))

    assert reply.status == 202, reply.body
    assert [(r["status"], r.get("lead_id")) for r in reply.json()["results"]] == [("parked", None)]
    assert client.get(f"/v1/leads?email={email}").json()["items"] == []
    parked = [item for item in runtime.table_items("LeadsTable") if item["pk"] == f"PARKED#{email}"]
    assert len(parked) == 1


def test_an_event_for_an_unknown_lead_id_is_answered_unknown_lead(client: Client) -> None:
    reply = post_events(client, engagement(lead_id="lead_" + "0" * 26))

    assert reply.status == 202, reply.body
    assert reply.json()["results"][0]["status"] == "unknown_lead"


def test_the_sample_event_is_verified_exactly_as_received_even_base64_encoded(runtime: LocalRuntime) -> None:
    sample = load_event("webhooks/generic_event.json")
    raw = sample["body"].encode("utf-8")
    timestamp = int(time.time())
    # Header names as a sender spells them (API Gateway passes them on unchanged).
    headers = {
        "Content-Type": "application/json",
        "X-Leadflow-Timestamp": str(timestamp),
        "X-Leadflow-Signature": sign(LOCAL_SECRET, timestamp, raw),
    }
    event = {**sample, "headers": headers, "body": base64.b64encode(raw).decode("ascii"), "isBase64Encoded": True}

    response = runtime.invoke("WebhooksFunction", event)

    assert response["statusCode"] == 202, response["body"]
    assert json.loads(response["body"])["received"] == 1


# --- refused -----------------------------------------------------------------------------------------------------


def test_a_body_signed_with_another_secret_is_401_and_nothing_is_kept(client: Client, runtime: LocalRuntime) -> None:
    event = engagement(email=unique_email())

    reply = post_events(client, event, secret="not-the-secret")

    assert reply.status == 401
    assert "X-Leadflow-Signature" in reply.json()["message"]
    assert not [item for item in runtime.table_items("LeadsTable") if event["event_id"] in str(item["pk"])]


def test_missing_signature_headers_are_401(client: Client) -> None:
    body = json.dumps(engagement(email=unique_email())).encode()

    reply = client.request("POST", "/v1/webhooks/generic", body, {"content-type": "application/json"})

    assert reply.status == 401
    assert "X-Leadflow-Timestamp: required" in reply.json()["message"]


def test_a_request_signed_ten_minutes_ago_is_401_as_stale(client: Client) -> None:
    reply = post_events(client, engagement(email=unique_email()), signed_at=datetime.now(UTC) - timedelta(minutes=10))

    assert reply.status == 401
    assert "too old" in reply.json()["message"]


def test_the_signature_is_checked_before_the_body_is_parsed(client: Client) -> None:
    reply = client.request(
        "POST",
        "/v1/webhooks/generic",
        b"{not json",
        {
            "content-type": "application/json",
            "x-leadflow-timestamp": str(int(time.time())),
            "x-leadflow-signature": "v1=" + "0" * 64,
        },
    )

    assert reply.status == 401


@pytest.mark.parametrize("provider", ["hubspot", "Generic", "a" * 64])
def test_an_unknown_provider_is_404_naming_it(client: Client, provider: str) -> None:
    reply = post_events(client, engagement(email=unique_email()), provider=provider)

    assert reply.status == 404
    assert provider in reply.json()["message"]


def test_a_provider_name_longer_than_any_provider_is_422(client: Client) -> None:
    reply = post_events(client, engagement(email=unique_email()), provider="a" * 65)

    assert reply.status == 422
    assert {error["field"] for error in reply.json()["errors"]} == {"provider"}


def test_a_malformed_event_is_422_naming_the_event_and_the_field(client: Client) -> None:
    good, bad = engagement(email=unique_email()), engagement("evt-bad-type", email=unique_email(), type="tweet")

    reply = post_events(client, {"events": [good, bad]})

    assert reply.status == 422
    assert error_fields(reply) == {"events[1].type"}
    assert "events[1] (evt-bad-type).type:" in reply.json()["message"]
    assert reply.json()["errors"][0]["event_id"] == "evt-bad-type"


def test_a_batch_with_one_malformed_event_keeps_none_of_them(client: Client, runtime: LocalRuntime) -> None:
    good = engagement(email=unique_email())

    reply = post_events(client, {"events": [good, {**engagement(), "email": "not-an-email"}]})

    assert reply.status == 422
    assert error_fields(reply) == {"events[1].email"}
    assert not [item for item in runtime.table_items("LeadsTable") if good["event_id"] in str(item["pk"])]


def test_an_event_more_than_five_minutes_in_the_future_is_422(client: Client, runtime: LocalRuntime) -> None:
    # Future by the runtime's clock, which other tests may have moved forward (the signature reads the wall clock).
    later = (runtime.clock.now() + timedelta(hours=1)).isoformat()

    reply = post_events(client, engagement(email=unique_email(), occurred_at=later))

    assert reply.status == 422
    assert error_fields(reply) == {"occurred_at"}


def test_malformed_json_is_422(client: Client) -> None:
    body = b'{"event_id": '
    headers = {"content-type": "application/json", **signed_headers(LOCAL_SECRET, body, datetime.now(UTC))}

    reply = client.request("POST", "/v1/webhooks/generic", body, headers)

    assert reply.status == 422
    assert error_fields(reply) == {"body"}


def test_a_body_over_256_kib_is_413(client: Client) -> None:
    events = [engagement(email=unique_email(), properties={"note": "x" * 1000}) for _ in range(100)]
    padded = {"events": events, "padding": "y" * 200_000}

    reply = post_events(client, padded)

    assert reply.status == 413


def test_a_form_encoded_body_is_415(client: Client) -> None:
    reply = post_events(
        client, engagement(email=unique_email()), headers={"content-type": "application/x-www-form-urlencoded"}
    )

    assert reply.status == 415


# --- secrets on AWS ----------------------------------------------------------------------------------------------


def test_on_aws_each_providers_secret_is_its_securestring_parameter_under_the_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    path = f"/stack-{uuid.uuid4().hex[:8]}/webhooks/"
    with mock_aws(config=MOTO_CONFIG):
        ssm = boto3.client("ssm", region_name="us-east-1")
        ssm.put_parameter(Name=f"{path}generic", Value="s3cret", Type="SecureString")
        secrets = ParameterStoreWebhookSecrets(path)

        assert secrets.secret("generic") == "s3cret"
        assert secrets.secret("acme") is None
        ssm.put_parameter(Name=f"{path}acme", Value="late", Type="SecureString")
        assert secrets.secret("acme") is None  # an unknown provider is remembered for a while, not asked again


# --- store contract: the webhook records in DynamoDB and in the in-memory twin ----------------------------------


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[LeadStore]:
    if request.param == "memory":
        yield InMemoryLeadStore()
        return
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws(config=MOTO_CONFIG):  # the runtime fixture may share this process's moto
        serialise_dynamodb_writes()
        query_partitions_not_tables()
        yield DynamoLeadStore(create_tables(boto3.resource("dynamodb", region_name="us-east-1")).leads)


NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def activity(event_id: str, minutes_ago: int, **properties: Any) -> Activity:
    return Activity(
        event_id=event_id,
        type="email_click",
        occurred_at=NOW - timedelta(minutes=minutes_ago),
        source="generic",
        properties=properties,
    )


def test_an_engagement_event_is_recorded_once(store: LeadStore) -> None:
    assert not store.engagement_event_recorded("generic", "evt-1")

    first = store.record_engagement_event("generic", "evt-1", status="recorded", lead_id="lead-1", received_at=NOW)
    again = store.record_engagement_event("generic", "evt-1", status="parked", lead_id=None, received_at=NOW)

    assert (first, again) == (True, False)
    assert store.engagement_event_recorded("generic", "evt-1")
    assert not store.engagement_event_recorded("website", "evt-1")


def test_parked_activity_reads_back_oldest_first_with_its_properties(store: LeadStore) -> None:
    store.park_activity("ada@example.com", activity("generic:b", 1, url="https://x.example/a", ratio=0.25, on=True))
    store.park_activity("ada@example.com", activity("generic:a", 60, count=3))
    store.park_activity("ada@example.com", activity("generic:a", 60, count=3))  # a retried park changes nothing
    store.park_activity("bob@example.com", activity("generic:c", 5))

    parked = store.parked_activity("ada@example.com")

    assert parked == [
        activity("generic:a", 60, count=3),
        activity("generic:b", 1, url="https://x.example/a", ratio=0.25, on=True),
    ]


def test_clearing_parked_activity_removes_only_the_named_events(store: LeadStore) -> None:
    store.park_activity("ada@example.com", activity("generic:a", 3))
    store.park_activity("ada@example.com", activity("generic:b", 2))

    store.clear_parked_activity("ada@example.com", ["generic:a", "generic:unknown"])

    assert [a.event_id for a in store.parked_activity("ada@example.com")] == ["generic:b"]
