"""SLA timers on the local runtime: the real SlaTimer ASL run by moto's interpreter, started by lead.assigned, its
Wait on the runtime's clock. An A1 lead (5 minutes) left untouched is reassigned at each deadline and then
escalated; a touched lead's timer ends at its deadline without a breach.

The runtime is shared and its clock only moves forward: other tests' timers may fire too, so these tests look
only at their own leads."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from leadflow.domain.webhook_signature import signed_headers

from infra.local.runtime import LocalRuntime
from tests.http_client import Client, Reply
from tests.names import unique_surname

LOCAL_SECRET = "local-webhook-secret"  # the local runtime's `generic` webhook provider


def park_meeting(client: Client, runtime: LocalRuntime, email: str) -> None:
    """A meeting booked before the person fills a form: parked under the email, it joins the lead's first score."""
    event = {
        "event_id": f"evt_{uuid.uuid4().hex}",
        "type": "meeting_booked",
        "email": email,
        "occurred_at": (runtime.clock.now() - timedelta(minutes=1)).isoformat(),
    }
    body = json.dumps(event).encode()
    headers = {"content-type": "application/json", **signed_headers(LOCAL_SECRET, body, datetime.now(UTC))}
    reply = client.request("POST", "/v1/webhooks/generic", body, headers)
    assert reply.status == 202 and reply.json()["results"][0]["status"] == "parked", reply.body


def an_a1_lead(client: Client, runtime: LocalRuntime, domain: str = "snowflake.com") -> dict[str, Any]:
    """A VP of a known company who booked a meeting and asked for a demo: grade A, engagement level 1."""
    surname = unique_surname()
    email = f"dana.{surname}@{domain}".lower()
    park_meeting(client, runtime, email)
    reply = client.post_lead(
        {
            "email": email,
            "first_name": "Dana",
            "last_name": surname,
            "title": "VP of Engineering",
            "company": "Snowflake",
            "form_id": "demo-request",
            "consent": True,
        }
    )
    assert reply.status == 202, reply.body
    runtime.wait_for_executions()
    lead_id = client.get(f"/v1/submissions/{reply.json()['submission_id']}").json()["lead_id"]
    lead: dict[str, Any] = client.get(f"/v1/leads/{lead_id}").json()
    assert lead["score"]["grade"] + str(lead["score"]["level"]) == "A1", lead["score"]
    assert lead["owner_id"] is not None and lead["sla"] is not None
    return lead


def touch(client: Client, lead_id: str, body: dict[str, Any]) -> Reply:
    headers = {"content-type": "application/json", "x-api-key": client.api_key}
    return client.request("POST", f"/v1/leads/{lead_id}/touch", json.dumps(body).encode(), headers)


def history(lead: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [entry for entry in lead["history"] if entry["kind"] == kind]


def execution_status(runtime: LocalRuntime, arn: str) -> str:
    assert runtime.session is not None
    status: str = runtime.session.client("stepfunctions").describe_execution(executionArn=arn)["status"]
    return status


def test_an_untouched_a1_lead_is_reassigned_at_each_deadline_then_escalated_to_the_manager(
    client: Client, runtime: LocalRuntime
) -> None:
    # A mid-market company (900 employees): routed round robin over inside sales, three reps who can take it.
    lead = an_a1_lead(client, runtime, domain="airtable.com")
    lead_id, first_owner = lead["lead_id"], lead["owner_id"]
    assert lead["assignment"]["team"] == "inside-sales"
    assert (lead["sla"]["priority"], lead["sla"]["target"], lead["sla"]["status"]) == ("A1", "5 minutes", "running")

    runtime.advance_clock(minutes=6)
    second = client.get(f"/v1/leads/{lead_id}").json()

    assert second["owner_id"] != first_owner and second["assignment"]["previous_owner"] == first_owner
    assert [b["rep_id"] for b in second["sla"]["breaches"]] == [first_owner]
    assert [h["detail"]["rep_id"] for h in history(second, "sla_breached")] == [first_owner]

    # The next deadline reassigns again (to the one rep who has not had it); the one after that is past
    # max_reassignments (2): the lead is escalated to the team's manager.
    runtime.advance_clock(minutes=6)
    third = client.get(f"/v1/leads/{lead_id}").json()
    assert third["owner_id"] not in (first_owner, second["owner_id"]) and third["sla"]["reassignments"] == 2
    assert third["sla"]["status"] == "running"
    runtime.advance_clock(minutes=6)
    escalated = client.get(f"/v1/leads/{lead_id}").json()
    sla = escalated["sla"]
    assert sla["status"] == "escalated" and sla["escalated_to"]
    breached = [b["rep_id"] for b in sla["breaches"]]
    assert len(set(breached)) == len(breached)  # never back to an earlier owner in the same SLA
    assert [b["action"] for b in sla["breaches"]] == ["reassigned", "reassigned", "escalated"]
    assert breached == [first_owner, second["owner_id"], third["owner_id"]] and sla["reassignments"] == 2
    assert sla["escalated_to"] == "dana-whitfield" or third["owner_id"] == "dana-whitfield"  # the team's manager
    assert [h["detail"]["rep_id"] for h in history(escalated, "sla_breached")] == breached
    assert history(escalated, "escalated")[0]["detail"]["to"] == sla["escalated_to"]
    outbox = {item.get("notification_id") for item in runtime.notifications()}
    assert f"escalated#{lead_id}#{sla['timer_id']}" in outbox
    assert execution_status(runtime, sla["timer_id"]) == "SUCCEEDED"


def test_a_touched_lead_keeps_its_owner_and_its_timer_ends_at_the_deadline_without_a_breach(
    client: Client, runtime: LocalRuntime
) -> None:
    lead = an_a1_lead(client, runtime)
    lead_id, owner = lead["lead_id"], lead["owner_id"]

    reply = touch(client, lead_id, {"type": "call", "actor": owner})

    assert reply.status == 200, reply.body
    touched = reply.json()
    assert touched["first_touch"]["type"] == "call" and touched["speed_to_lead_seconds"] > 0
    assert touched["sla"]["status"] == "met"
    runtime.advance_clock(minutes=6)
    after = client.get(f"/v1/leads/{lead_id}").json()
    assert after["owner_id"] == owner and history(after, "sla_breached") == []
    assert execution_status(runtime, after["sla"]["timer_id"]) == "SUCCEEDED"


def test_a_later_touch_goes_to_history_only(client: Client, runtime: LocalRuntime) -> None:
    lead = an_a1_lead(client, runtime)
    lead_id = lead["lead_id"]
    first = touch(client, lead_id, {"type": "email", "actor": lead["owner_id"]}).json()

    later = touch(client, lead_id, {"type": "meeting", "actor": lead["owner_id"]})

    assert later.status == 200
    assert later.json()["first_touch"] == first["first_touch"]
    assert later.json()["speed_to_lead_seconds"] == first["speed_to_lead_seconds"]
    kinds = [h["detail"]["type"] for h in history(client.get(f"/v1/leads/{lead_id}").json(), "touched")]
    assert kinds == ["email", "meeting"]


def test_a_second_delivery_of_lead_assigned_starts_no_second_timer(client: Client, runtime: LocalRuntime) -> None:
    lead = an_a1_lead(client, runtime)
    assert runtime.session is not None
    events = runtime.session.client("events")
    detail = {"lead_id": lead["lead_id"], "rep_id": lead["owner_id"], "rule": "round_robin", "pool": "default"}
    entry = {
        "Source": "leadflow",
        "DetailType": "lead.assigned",
        "Detail": json.dumps({**detail, "ruleset_version": 1}),
        "EventBusName": runtime.deployment.names.refs["LeadflowBus"] if runtime.deployment else "",
    }

    assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    runtime.wait_for_executions()

    after = client.get(f"/v1/leads/{lead['lead_id']}").json()
    assert after["sla"]["timer_id"] == lead["sla"]["timer_id"]
    assert after["sla"]["deadline"] == lead["sla"]["deadline"]


def test_a_touch_on_an_unknown_lead_is_404_and_a_bad_type_is_422(client: Client) -> None:
    missing = touch(client, "lead_00000000000000000000000000", {"type": "call", "actor": "dana-whitfield"})
    bad_type = touch(client, "lead_00000000000000000000000000", {"type": "fax", "actor": "dana-whitfield"})

    assert missing.status == 404
    assert bad_type.status == 422 and bad_type.json()["errors"][0]["field"] == "type"
