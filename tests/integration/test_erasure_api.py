"""`DELETE /v1/leads/{id}` and `GET /v1/leads/{id}/export` in the local runtime: behind the API key, audited without
personal data, announced as `lead.erased`, and after an erase no table of the runtime names the person."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from leadflow.adapters import layout
from leadflow.domain.webhook_signature import signed_headers

from infra.local.runtime import LocalRuntime
from tests.http_client import Client, Reply
from tests.names import unique_surname

TABLES = ("LeadsTable", "ConfigTable", "OutboxTable", "IdempotencyTable")


def delete(client: Client, lead_id: str, **headers: str) -> Reply:
    return client.request("DELETE", f"/v1/leads/{lead_id}", headers={"x-api-key": client.api_key, **headers})


def a_person(client: Client) -> tuple[str, dict[str, Any]]:
    """A demo request that becomes an MQL, is routed and notified, plus a signed webhook event about it."""
    surname = unique_surname()
    person = {
        "email": f"mira.{surname.lower()}@datadoghq.com",
        "first_name": "Mira",
        "last_name": surname,
        "phone": f"+1 415 555 {uuid.uuid4().int % 10000:04d}",
        "title": "Chief Revenue Officer",
        "form_id": "demo-request",
        "consent": True,
    }
    reply = client.post_lead(person, {"idempotency-key": f"key-{surname}"})
    assert reply.status == 202, reply.body
    lead_id = str(client.wait_for_submission(reply.json()["submission_id"])["lead_id"])
    client.wait_for_lead(lead_id, lambda lead: any(h["kind"] == "notified" for h in lead["history"]))
    assert post_event(client, person["email"]).status == 202
    return lead_id, person


def post_event(client: Client, email: str) -> Reply:
    event = {
        "event_id": f"evt-{uuid.uuid4().hex}",
        "type": "page_visit",
        "email": email,
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    }
    body = json.dumps(event).encode()
    headers = {"content-type": "application/json", **signed_headers("local-webhook-secret", body, datetime.now(UTC))}
    return client.request("POST", "/v1/webhooks/generic", body, headers)


def every_item(runtime: LocalRuntime) -> str:
    return json.dumps([runtime.table_items(table) for table in TABLES], default=str).lower()


def lead_erased_events(runtime: LocalRuntime, lead_id: str) -> Any:
    """Subscribe an SQS queue to the bus for the lead's lead.erased events; returns (receive, cleanup)."""
    assert runtime.session is not None
    events, sqs = runtime.session.client("events"), runtime.session.client("sqs")
    bus, name = os.environ["EVENT_BUS_NAME"], f"erased-{uuid.uuid4().hex[:12]}"
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {"source": ["leadflow"], "detail-type": ["lead.erased"], "detail": {"lead_id": [lead_id]}}
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])

    def receive() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"])["detail"] for message in messages]

    def cleanup() -> None:
        events.remove_targets(Rule=name, EventBusName=bus, Ids=["queue"])
        events.delete_rule(Name=name, EventBusName=bus)
        sqs.delete_queue(QueueUrl=queue_url)

    return receive, cleanup


def test_an_erased_person_is_in_no_table_but_the_suppression_hash(client: Client, runtime: LocalRuntime) -> None:
    # Given a person who went through the pipeline, was notified to a rep and sent engagement
    lead_id, person = a_person(client)
    needles = [person["email"], person["last_name"], person["phone"].replace(" ", "")]
    assert all(needle.lower() in every_item(runtime) for needle in needles)
    receive, cleanup = lead_erased_events(runtime, lead_id)
    try:
        # When they are erased
        reply = delete(client, lead_id, **{"x-leadflow-actor": "dpo-ticket-42"})
        runtime.wait_for_executions()

        # ... and their marketing tool still reports on the address
        tracked = post_event(client, person["email"])

        # Then the event is not kept, and every table of the runtime is scanned and names them nowhere
        assert reply.status == 200, reply.body
        assert tracked.json()["results"][0]["status"] == "suppressed"
        held = every_item(runtime)
        assert [needle for needle in needles if needle.lower() in held] == []
        # ... and the bus carried lead.erased with ids and counts only
        deadline = time.monotonic() + 5
        while not (details := receive()) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        cleanup()
    [detail] = details
    assert detail["lead_id"] == lead_id and detail["counts"]["submission"] == 1
    assert person["last_name"].lower() not in json.dumps(detail).lower()


def test_both_requests_are_audited_with_who_and_never_what(client: Client, runtime: LocalRuntime) -> None:
    lead_id, person = a_person(client)

    assert (
        client.request(
            "GET", f"/v1/leads/{lead_id}/export", headers={"x-api-key": client.api_key, "x-leadflow-actor": "dpo"}
        ).status
        == 200
    )
    assert delete(client, lead_id, **{"x-leadflow-actor": "dpo"}).status == 200

    audit = [i for i in runtime.table_items("LeadsTable") if str(i["pk"]).startswith(layout.AUDIT_PREFIX)]
    mine = sorted((i["action"], i["actor"], i["api_key_id"]) for i in audit if i["lead_id"] == lead_id)
    assert mine == [("erase", "dpo", "local-api-key"), ("export", "dpo", "local-api-key")]
    assert person["email"] not in json.dumps(audit, default=str)


def test_an_erase_asked_again_answers_the_same_and_the_export_is_gone(client: Client) -> None:
    lead_id, _ = a_person(client)

    first, second = delete(client, lead_id), delete(client, lead_id)

    assert (first.status, second.status) == (200, 200) and first.json() == second.json()
    assert first.json()["status"] == "done"
    gone = client.get(f"/v1/leads/{lead_id}/export")
    assert gone.status == 404 and "erased" in gone.json()["message"]


def test_erasure_and_export_need_the_api_key_and_a_known_lead(client: Client) -> None:
    unknown = "lead_" + "0" * 26

    assert delete(client, unknown).status == 404
    assert client.get(f"/v1/leads/{unknown}/export").status == 404
    assert client.request("DELETE", f"/v1/leads/{unknown}").status == 403
    assert client.get(f"/v1/leads/{unknown}/export", api_key="").status == 403
    assert delete(client, "not-a-lead").status == 422
