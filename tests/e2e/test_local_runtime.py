"""The README's promise, checked over HTTP against `leadflow run` in its own process: post a lead, read it back
scored, MQL and assigned with a notification queued; stop the runtime; start it again and the lead is still there."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.local_process import RuntimeProcess

pytestmark = pytest.mark.e2e

DEMO_REQUEST = {
    "email": "maria.gonzalez@datadoghq.com",
    "first_name": "Maria",
    "last_name": "Gonzalez",
    "title": "Chief Revenue Officer",
    "company": "Datadog",
    "form_id": "demo-request",
    "consent": True,
    "utm_source": "google",
}


def test_posted_lead_is_routed_and_survives_a_restart(tmp_path: Path) -> None:
    with RuntimeProcess(tmp_path / "data") as runtime:
        reply = runtime.client.post_lead(DEMO_REQUEST)
        assert reply.status == 202
        submission = runtime.client.wait_for_submission(reply.json()["submission_id"])
        # Routed, and its SLA timer (started by lead.assigned, after the pipeline) has claimed it and is waiting.
        lead = runtime.client.wait_for_lead(
            submission["lead_id"], lambda lead: lead["owner_id"] is not None and lead["sla"] is not None
        )
        state = runtime.client.request("GET", "/_local/state").json()
        port = runtime.port

    assert lead["stage"] == "mql" and lead["score"]["total"] > 0
    assert [n["lead_id"] for n in state["outbox"]] == [lead["lead_id"]]
    # the demo request was answered (a transactional auto-response: the dashboard's emails to leads)
    assert [(m["lead_id"], m["kind"]) for m in state["emails"]] == [(lead["lead_id"], "transactional")]

    with RuntimeProcess(tmp_path / "data", port) as restarted:
        again = restarted.client.get(f"/v1/leads/{lead['lead_id']}").json()

    assert again == lead


def test_a_nurture_enrolment_goes_on_after_a_restart(tmp_path: Path) -> None:
    reader = {"email": "sam.reader@gmail.com", "form_id": "ebook-download", "consent": True, "country": "GB"}
    with RuntimeProcess(tmp_path / "data") as runtime:
        reply = runtime.client.post_lead(reader)
        lead_id = runtime.client.wait_for_submission(reply.json()["submission_id"])["lead_id"]
        # its first run has done what it could (sent the intro, or deferred it to a send window) and sleeps
        lead = runtime.client.wait_for_lead(
            lead_id, lambda lead: bool(lead["nurture"] and lead["nurture"][0]["wake_at"])
        )
        port = runtime.port

    [enrolment] = lead["nurture"]
    with RuntimeProcess(tmp_path / "data", port) as restarted:
        state = restarted.client.request("GET", "/_local/state").json()
        again = restarted.client.get(f"/v1/leads/{lead_id}").json()

    assert [e["status"] for e in state["executions"] if e["name"] == enrolment["enrolment_id"]] == ["RUNNING"]
    assert again["nurture"] == lead["nurture"]  # resumed where it stood: nothing repeated, nothing skipped


def test_a_killed_runtime_keeps_every_accepted_submission(tmp_path: Path) -> None:
    runtime = RuntimeProcess(tmp_path / "data").start()
    try:
        replies = [
            runtime.client.post_lead({"email": f"reader{i}@gmail.com", "form_id": "newsletter"}) for i in range(5)
        ]
    finally:
        runtime.stop(signal.SIGKILL)
    assert [r.status for r in replies] == [202] * 5
    accepted = [r.json()["submission_id"] for r in replies]

    with RuntimeProcess(tmp_path / "data") as restarted:
        statuses = [restarted.client.get(f"/v1/submissions/{sid}").status for sid in accepted]

    assert statuses == [200] * 5


def test_a_clock_moved_forward_stays_forward_across_a_restart(tmp_path: Path) -> None:
    with RuntimeProcess(tmp_path / "data") as runtime:
        moved = runtime.client.request("POST", "/_local/clock?hours=720")
        ahead = datetime.fromisoformat(runtime.client.request("GET", "/_local/state").json()["clock"])
    assert moved.status == 200

    with RuntimeProcess(tmp_path / "data") as restarted:
        after = datetime.fromisoformat(restarted.client.request("GET", "/_local/state").json()["clock"])

    assert after >= ahead > datetime.now(UTC) + timedelta(days=29)
