"""Consent, an owned MQL's demotion and a duplicate's merge on the local runtime, over HTTP: an unsubscribe webhook
withdraws consent and sends an unaccepted MQL back to marketing with its owner released; the consent API records a
decision from an email link, and bad requests are 4xx naming the field; a free-mail duplicate leaves a corporate
MQL as it was."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from leadflow.domain.webhook_signature import signed_headers

from infra.local.runtime import LocalRuntime
from tests.http_client import Client
from tests.integration.test_lifecycle_api import an_mql
from tests.names import unique_surname

LOCAL_SECRET = "local-webhook-secret"  # what the local runtime configures for the `generic` provider
MISSING = "lead_00000000000000000000000000"


def an_owned_mql(client: Client, runtime: LocalRuntime) -> dict[str, Any]:
    lead = an_mql(client, runtime)
    assert lead["consent"] is True and lead["owner_id"] is not None
    return lead


def test_an_unsubscribe_webhook_withdraws_consent_and_releases_the_unaccepted_mql(
    client: Client, runtime: LocalRuntime
) -> None:
    mql = an_owned_mql(client, runtime)
    event = {
        "event_id": f"unsub-{uuid.uuid4().hex[:8]}",
        "type": "unsubscribe",
        "lead_id": mql["lead_id"],
        # After the opt-in on the form, which the runtime stamped on its own clock (other tests may have moved it
        # ahead of the wall clock): an older decision would not count. Signatures stay on the wall clock.
        "occurred_at": runtime.clock.now().isoformat(),
    }
    body = json.dumps(event).encode()
    headers = {"content-type": "application/json", **signed_headers(LOCAL_SECRET, body, datetime.now(UTC))}

    reply = client.request("POST", "/v1/webhooks/generic", body, headers)
    runtime.wait_for_executions()

    assert reply.status == 202, reply.body
    lead = client.get(f"/v1/leads/{mql['lead_id']}").json()
    assert (lead["consent"], lead["consent_record"]["source"]) == (False, "unsubscribe:generic")
    assert (lead["stage"], lead["owner_id"], lead["assignment"]) == ("new", None, None)
    listed = client.get(f"/v1/leads?owner={mql['owner_id']}&limit=100").json()
    assert mql["lead_id"] not in json.dumps(listed)  # off the rep's list of open leads
    kinds = [entry["kind"] for entry in lead["history"]]
    assert "consent_changed" in kinds and "unassigned" in kinds
    (demotion,) = [e for e in lead["history"] if e["kind"] == "stage_changed" and e["detail"]["to"] == "new"]
    assert demotion["detail"]["reason"].startswith(f"unsubscribe event generic:{event['event_id']} (-40")


def test_the_consent_api_records_an_email_link_unsubscribe(client: Client, runtime: LocalRuntime) -> None:
    mql = an_owned_mql(client, runtime)

    reply = client.post(f"/v1/leads/{mql['lead_id']}/consent", {"consent": False, "source": "email-link"})

    assert reply.status == 200, reply.body
    assert reply.json()["consent"] is False
    assert reply.json()["consent_record"]["source"] == "email-link"
    lead = client.get(f"/v1/leads/{mql['lead_id']}").json()
    assert [e["detail"]["source"] for e in lead["history"] if e["kind"] == "consent_changed"] == ["email-link"]


def test_the_consent_api_needs_the_api_key_a_known_lead_and_a_valid_source(client: Client) -> None:
    without_key = client.post(f"/v1/leads/{MISSING}/consent", {"consent": False, "source": "crm"}, api_key="")
    unknown = client.post(f"/v1/leads/{MISSING}/consent", {"consent": False, "source": "crm"})
    bad_source = client.post(f"/v1/leads/{MISSING}/consent", {"consent": False, "source": "Email Link!"})
    missing = client.post(f"/v1/leads/{MISSING}/consent", {"source": "crm"})

    assert without_key.status == 403
    assert unknown.status == 404 and "lead_id" in unknown.json()["message"]
    assert bad_source.status == 422 and "source" in json.dumps(bad_source.json())
    assert missing.status == 422 and "consent" in json.dumps(missing.json())


def test_a_free_mail_duplicate_leaves_the_corporate_mql_as_it_was(client: Client, runtime: LocalRuntime) -> None:
    surname = unique_surname()
    person = {"first_name": "Priya", "last_name": surname, "phone": "+31 6 1234 5678", "country": "NL"}
    demo = client.post_lead(
        {"email": f"priya.{surname}@adyen.com", "title": "Director of Payments", "form_id": "demo-request", **person}
    )
    runtime.wait_for_executions()
    lead_id = client.get(f"/v1/submissions/{demo.json()['submission_id']}").json()["lead_id"]
    before = client.get(f"/v1/leads/{lead_id}").json()
    assert (before["stage"], before["score"]["cell"]) == ("mql", "A2") and before["owner_id"] is not None

    ebook = client.post_lead({"email": f"priya.{surname}+webinar@gmail.com", "form_id": "ebook-download", **person})
    runtime.wait_for_executions()

    assert client.get(f"/v1/submissions/{ebook.json()['submission_id']}").json()["lead_id"] == lead_id
    after = client.get(f"/v1/leads/{lead_id}").json()
    assert after["email"] == f"priya.{surname}@adyen.com"
    assert after["emails"] == [f"priya.{surname}@adyen.com", f"priya.{surname}+webinar@gmail.com"]
    assert after["firmographics"] == before["firmographics"] and after["firmographics"]["known"] is True
    assert (after["score"]["fit"], after["score"]["grade"]) == (before["score"]["fit"], "A")
    assert (after["stage"], after["owner_id"]) == ("mql", before["owner_id"])
    assert after["sla"]["status"] == "running"
