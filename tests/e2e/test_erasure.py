"""A person is forgotten everywhere: driven through every path (form, a duplicate merged in, a signed webhook, an
outcome, a rep's notification), erased, and then found nowhere in the runtime's tables nor in any file of its data
folder (journal and snapshot included); only the salted hash of their email stays, on the suppression list."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from leadflow.adapters import layout
from leadflow.domain.webhook_signature import signed_headers
from leadflow.ids import idempotency_record_id

from infra.local.journal import Journal
from infra.local.persistence import LOCAL_SUPPRESSION_SALT
from tests.e2e.local_process import RuntimeProcess
from tests.http_client import Client, Reply
from tests.names import unique_surname

pytestmark = pytest.mark.e2e

WEBHOOK_SECRET = "local-webhook-secret"


def post_event(client: Client, event: dict[str, Any]) -> Reply:
    body = json.dumps(event).encode()
    headers = {"content-type": "application/json", **signed_headers(WEBHOOK_SECRET, body, datetime.now(UTC))}
    return client.request("POST", "/v1/webhooks/generic", body, headers)


def page_visit(email: str) -> dict[str, Any]:
    return {
        "event_id": f"evt-{uuid.uuid4().hex}",
        "type": "page_visit",
        "email": email,
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "properties": {"url": "https://www.example.com/pricing"},
    }


def processed(client: Client, reply: Reply) -> str:
    assert reply.status == 202, reply.body
    submission = client.wait_for_submission(reply.json()["submission_id"])
    assert submission["status"] == "processed", submission
    return str(submission["lead_id"])


def files_holding(folder: Path, needles: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace").lower()
            hits = [needle for needle in needles if needle.lower() in text]
            if hits:
                found[str(path.relative_to(folder))] = hits
    return found


def test_an_erased_person_is_found_in_no_table_and_no_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    surname = unique_surname()
    work, private = f"priya.{surname.lower()}@stripe.com", f"priya.{surname.lower()}@gmail.com"
    phone, phone_e164 = "+49 30 5550 1987", "+4930555019 87".replace(" ", "")
    person = {"first_name": "Priya", "last_name": surname, "phone": phone, "country": "DE"}
    with RuntimeProcess(data) as runtime:
        client = runtime.client
        # Given engagement that arrives before the person (parked), then a demo request (an MQL, routed, notified)
        assert post_event(client, page_visit(work)).json()["results"][0]["status"] == "parked"
        demo = {**person, "email": work, "title": "VP Engineering", "company": "Stripe", "form_id": "demo-request"}
        lead_id = processed(client, client.post_lead({**demo, "consent": True}, {"idempotency-key": f"k-{surname}"}))
        lead = client.wait_for_lead(
            lead_id, lambda lead: lead["owner_id"] is not None and any(h["kind"] == "notified" for h in lead["history"])
        )
        assert lead["stage"] == "mql"
        # ... a second form from a private address with the same phone, joined (or merged) into the same person
        other_id = processed(client, client.post_lead({**person, "email": private, "form_id": "ebook-download"}))
        if other_id != lead_id:
            merged = client.request(
                "POST",
                f"/v1/leads/{lead_id}/duplicates/{other_id}",
                json.dumps({"action": "merge", "actor": "test"}).encode(),
                {"x-api-key": client.api_key, "content-type": "application/json"},
            )
            assert merged.status == 200, merged.body
        # ... a signed webhook event about the lead, and the deal won
        assert post_event(client, page_visit(work)).json()["results"][0]["status"] == "recorded"
        outcome = {"result": "won", "amount": 12000, "currency": "EUR", "closed_at": datetime.now(UTC).isoformat()}
        won = client.request(
            "POST",
            f"/v1/leads/{lead_id}/outcome",
            json.dumps({**outcome, "actor": "rep"}).encode(),
            {"x-api-key": client.api_key, "content-type": "application/json"},
        )
        assert won.status == 200, won.body
        # ... and a third form whose run fails (an injected fault) and waits in the dead-letter queue
        faults = json.dumps({"EnrichFunction": {"rate": 1, "kind": "raise"}}).encode()
        assert client.request("POST", "/_local/faults", faults).status == 200
        failing = client.post_lead({**demo, "form_id": "contact-sales"})
        assert client.wait_for_submission(failing.json()["submission_id"])["status"] == "failed"
        assert client.request("POST", "/_local/faults", b"{}").status == 200
        runtime_state_before = client.request("GET", "/_local/state").json()
        assert any(n["lead_id"] == lead_id for n in runtime_state_before["outbox"])
        exported = client.get(f"/v1/leads/{lead_id}/export")
        assert exported.status == 200, exported.body
        document = exported.json()
        assert {s["data"]["email"] for s in document["submissions"]} == {work, private}
        assert document["notifications"] and document["outcomes"] and document["engagement"]

        held = files_holding(data, [work, phone_e164])
        assert any(name.startswith("sqs-") for name in held), f"the dead letter is kept in a file: {held}"
        record_id = idempotency_record_id(f"k-{surname}")
        assert any(item.get("id", {}).get("S") == record_id for _, item in Journal(data).recorded_items())

        # When the person is erased (and the request is repeated)
        erased = client.request("DELETE", f"/v1/leads/{lead_id}", headers={"x-api-key": client.api_key})
        again = client.request("DELETE", f"/v1/leads/{lead_id}", headers={"x-api-key": client.api_key})

        # Then the answers agree, and nothing about the lead is served any more
        assert erased.status == 200 and again.status == 200, (erased.body, again.body)
        assert erased.json()["status"] == "done" and again.json() == erased.json()
        assert erased.json()["counts"]["submission"] == 3
        assert client.get(f"/v1/leads/{lead_id}").status == 404
        assert client.get(f"/v1/leads/{lead_id}/export").status == 404
        # Killed, not stopped: the data folder must already be clean, without the compaction of a clean stop.
        runtime.stop(signal.SIGKILL)

    # Then no item of any table names the person: only the erasure records, the audit and the suppression hash
    needles = [work, private, surname, phone_e164, phone.replace(" ", "")]
    items = list(Journal(data).recorded_items())
    assert [item for _, item in items if any(n.lower() in json.dumps(item).lower() for n in needles)] == []
    assert not [item for _, item in items if item.get("id", {}).get("S") == record_id]
    digest = hmac.new(LOCAL_SUPPRESSION_SALT.encode(), work.encode(), hashlib.sha256).hexdigest()
    assert any(item["pk"]["S"] == f"{layout.SUPPRESSION_PREFIX}{digest}" for _, item in items if "pk" in item)
    naming_lead = {item["pk"]["S"].split("#")[0] for _, item in items if "pk" in item and lead_id in json.dumps(item)}
    assert naming_lead <= {"ERASURE", "AUDIT"}, naming_lead
    # ... and no file of the data folder holds the email, the phone or the name
    assert files_holding(data, needles) == {}

    # And a clean restart and stop (replay, then compaction) brings nothing back
    with RuntimeProcess(data) as restarted:
        assert restarted.client.get(f"/v1/leads/{lead_id}").status == 404
    assert files_holding(data, needles) == {}

    # And when the person comes back on their own, their form is kept, without the consent they gave before
    with RuntimeProcess(data) as restarted:
        back = processed(restarted.client, restarted.client.post_lead({"email": work, "form_id": "newsletter"}))
        returned = restarted.client.get(f"/v1/leads/{back}").json()
    assert back != lead_id and returned["consent"] is False
    assert returned["history"][0]["detail"]["returning_after_erasure"] is True
