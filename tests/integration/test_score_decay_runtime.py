"""Scoring over time in the local runtime, with its clock fast-forwarded: engagement posted by webhook makes a lead an
MQL (and routes it) at once, and the hourly decay schedule demotes it once the points have halved enough."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from leadflow.models.events import EVENT_SOURCE, LeadRescoreRequested

from infra.local.runtime import LocalRuntime
from tests.http_client import Client
from tests.integration.test_webhooks_api import post_events
from tests.names import unique_surname


def vp_at_a_midmarket_software_company(client: Client) -> dict[str, Any]:
    """A VP who signed up for the newsletter with a work address at a known mid-market software company."""
    reply = client.post_lead(
        {
            "email": f"dana.{uuid.uuid4().hex[:8]}@atlassian.com",
            "first_name": "Dana",
            "last_name": unique_surname(),
            "title": "VP Marketing",
            "phone": "+1 415 555 0100",
            "form_id": "newsletter",
        }
    )
    assert reply.status == 202, reply.body
    submission = client.wait_for_submission(reply.json()["submission_id"])
    assert submission["status"] == "processed", submission
    lead: dict[str, Any] = client.get(f"/v1/leads/{submission['lead_id']}").json()
    return lead


def test_webinar_and_pricing_make_an_mql_that_the_decay_job_demotes_after_the_half_lives(
    client: Client, runtime: LocalRuntime
) -> None:
    lead = vp_at_a_midmarket_software_company(client)
    assert lead["stage"] == "new", "a newsletter alone does not qualify"
    assert lead["score"]["grade"] == "A", lead["score"]["lines"]
    now = runtime.clock.now()
    events = [
        {"event_id": f"web-{uuid.uuid4().hex}", "type": "webinar_attended", "lead_id": lead["lead_id"]},
        {
            "event_id": f"web-{uuid.uuid4().hex}",
            "type": "page_visit",
            "email": lead["email"],
            "properties": {"url": "https://leadflow.example/pricing"},
        },
    ]
    for event in events:
        event["occurred_at"] = (now - timedelta(minutes=1)).isoformat()

    reply = post_events(client, {"events": events})  # signed now by the wall clock, as a sender would

    assert reply.status == 202, reply.body
    runtime.wait_for_executions()
    mql = client.get(f"/v1/leads/{lead['lead_id']}").json()
    assert mql["stage"] == "mql" and mql["score"]["qualifies"]
    assert mql["owner_id"], "an MQL made by engagement is routed like any other"
    assert {"webinar-attended", "pricing-page"} <= {line["rule_id"] for line in mql["score"]["lines"]}
    due_at = mql["due_at"]
    assert due_at is not None

    runtime.advance_clock(days=5)  # well before the points have decayed: the hourly job leaves it alone
    assert client.get(f"/v1/leads/{lead['lead_id']}").json()["stage"] == "mql"

    runtime.advance_clock(days=30)
    demoted = client.get(f"/v1/leads/{lead['lead_id']}").json()
    assert demoted["stage"] == "new", demoted["score"]
    assert not demoted["score"]["qualifies"] and demoted["due_at"] is None
    changes = [entry["detail"] for entry in demoted["history"] if entry["kind"] == "stage_changed"]
    assert [(change["from"], change["to"]) for change in changes] == [("new", "mql"), ("mql", "new")]
    explained = client.get(f"/v1/leads/{lead['lead_id']}/score").json()
    assert explained["cell"] not in explained["mql_cells"]


def test_a_rescore_request_runs_the_lead_pipeline_from_score(client: Client, runtime: LocalRuntime) -> None:
    """What the decay job publishes when a fading penalty makes a lead qualify: the real ASL takes the request to
    the Score step (and on to Route and Notify for a new MQL)."""
    lead = vp_at_a_midmarket_software_company(client)
    assert runtime.session is not None and runtime.deployment is not None
    request = LeadRescoreRequested(lead_id=lead["lead_id"], reason="decay", requested_at=runtime.clock.now())
    entry = {
        "Source": EVENT_SOURCE,
        "DetailType": request.detail_type,
        "Detail": request.model_dump_json(),
        "EventBusName": runtime.deployment.names.refs["LeadflowBus"],
    }

    assert runtime.session.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0
    runtime.wait_for_executions()

    rescored = client.get(f"/v1/leads/{lead['lead_id']}").json()
    refs = [entry["ref"] for entry in rescored["history"] if entry["kind"] == "scored"]
    assert f"rescore:decay@{request.requested_at.isoformat()}" in refs
    assert rescored["stage"] == "new" and rescored["owner_id"] is None  # a newsletter reader: scored, not routed
