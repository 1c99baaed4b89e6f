"""Nurture on the local runtime: the real NurtureTrack ASL run by moto's interpreter, one execution per enrolment,
its Wait states on the runtime's clock, started and stopped by the nurture function as the template wires it.

The demo nurture document (infra/config/nurture.yaml) is the active one: a lead that raises a hand below MQL enters
`welcome` (an A/B intro, a click branch after 3 days, four emails over four weeks, weekdays 08:00-20:00 in the
lead's zone). The runtime is shared and its clock only moves forward, so these tests look at their own leads."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from leadflow.domain.webhook_signature import signed_headers
from leadflow.ports import EmailMessage
from leadflow.wiring import nurture as nurture_wiring

from infra.local.runtime import LocalRuntime
from tests.http_client import Client
from tests.names import unique_surname

LOCAL_SECRET = "local-webhook-secret"  # the local runtime's `generic` webhook provider
WELCOME_EMAILS = 4
FORM = {"content-type": "application/x-www-form-urlencoded"}


def to_monday_morning(runtime: LocalRuntime) -> None:
    """Move the clock on to the next Monday, 09:00 UTC: inside a British lead's send window, so that the daily steps
    of a test land inside it too, whatever the hour the runtime started at (the clock only moves forward)."""
    now = runtime.clock.now()
    monday = (now + timedelta(days=7 - now.weekday())).replace(hour=9, minute=0, second=0, microsecond=0)
    runtime.advance_clock(seconds=(monday - now).total_seconds())


def a_nurtured_lead(client: Client, runtime: LocalRuntime, **fields: Any) -> dict[str, Any]:
    """A student on a free-mail address in Britain who downloaded an ebook and agreed to marketing email, on a
    Monday morning: far below MQL, so the welcome track takes it."""
    to_monday_morning(runtime)
    surname = unique_surname()
    document = {
        "email": f"sam.{surname.lower()}@gmail.com",
        "first_name": "Sam",
        "last_name": surname,
        "title": "Student",
        "country": "GB",
        "form_id": "ebook-download",
        "consent": True,
        **fields,
    }
    reply = client.post_lead(document)
    assert reply.status == 202, reply.body
    runtime.wait_for_executions()
    submission = client.wait_for_submission(reply.json()["submission_id"])
    lead = client.wait_for_lead(submission["lead_id"], until=lambda lead: bool(lead.get("nurture")))
    [enrolment] = lead["nurture"]
    assert (enrolment["track_id"], enrolment["status"]) == ("welcome", "active"), enrolment
    return lead


def mails(lead_id: str, kind: str = "marketing") -> list[EmailMessage]:
    sent = nurture_wiring.mail_log().sent_to(lead_id, datetime(2000, 1, 1, tzinfo=UTC))
    return sorted((m for m in sent if m.kind == kind), key=lambda m: m.created_at)


def enrolment_of(client: Client, lead_id: str) -> dict[str, Any]:
    lead = client.get(f"/v1/leads/{lead_id}").json()
    enrolment: dict[str, Any] = lead["nurture"][-1]
    return enrolment


def execution_status(runtime: LocalRuntime, enrolment_id: str) -> str:
    assert runtime.session is not None and runtime.deployment is not None
    arn = runtime.deployment.state_machines["NurtureTrack"].replace(":stateMachine:", ":execution:")
    status: str = runtime.session.client("stepfunctions").describe_execution(executionArn=f"{arn}:{enrolment_id}")[
        "status"
    ]
    return status


def days(runtime: LocalRuntime, count: int) -> None:
    """Let `count` days pass a day at a time, as they would: each day's wake-ups, sends and schedules run."""
    for _ in range(count):
        runtime.advance_clock(days=1)


def engagement(client: Client, runtime: LocalRuntime, email: str, kind: str, **properties: Any) -> None:
    event = {
        "event_id": f"evt_{uuid.uuid4().hex}",
        "type": kind,
        "email": email,
        "occurred_at": runtime.clock.now().isoformat(),
        "properties": properties,
    }
    body = json.dumps(event).encode()
    headers = {"content-type": "application/json", **signed_headers(LOCAL_SECRET, body, datetime.now(UTC))}
    reply = client.request("POST", "/v1/webhooks/generic", body, headers)
    assert reply.status == 202, reply.body
    runtime.wait_for_executions()


def test_a_lead_that_never_engages_gets_the_whole_welcome_track_and_its_execution_ends(
    client: Client, runtime: LocalRuntime
) -> None:
    lead = a_nurtured_lead(client, runtime)
    enrolment_id = lead["nurture"][0]["enrolment_id"]

    days(runtime, 35)

    enrolment = enrolment_of(client, lead["lead_id"])
    assert enrolment["status"] == "completed", enrolment
    sent = mails(lead["lead_id"])
    assert [m.tags["step"] for m in sent] == ["intro", "use-cases", "case-study", "check-in"]
    assert execution_status(runtime, enrolment_id) == "SUCCEEDED"
    assert all(m.unsubscribe_url for m in sent)


def test_a_click_after_the_intro_takes_the_branchs_other_arm(client: Client, runtime: LocalRuntime) -> None:
    lead = a_nurtured_lead(client, runtime)
    days(runtime, 1)
    engagement(client, runtime, lead["email"], "email_click", url="https://leadflow.example/pricing")

    days(runtime, 5)

    steps = [m.tags["step"] for m in mails(lead["lead_id"])]
    assert steps[:2] == ["intro", "offer-call"], steps
    assert client.get(f"/v1/leads/{lead['lead_id']}").json()["fields"]["nurture_interest"] == "high"


def test_a_lead_that_becomes_an_mql_on_day_9_leaves_at_once_and_gets_no_email_after(
    client: Client, runtime: LocalRuntime
) -> None:
    # a VP at a known company who downloaded an ebook: a good fit, not engaged enough to be an MQL yet
    surname = unique_surname().lower()
    lead = a_nurtured_lead(
        client, runtime, email=f"vp.{surname}@snowflake.com", title="VP of Engineering", company="Snowflake"
    )
    enrolment_id = lead["nurture"][0]["enrolment_id"]
    days(runtime, 9)

    for kind in ("demo_request", "meeting_booked", "webinar_attended"):
        engagement(client, runtime, lead["email"], kind)
    became_mql = runtime.clock.now()
    current = client.get(f"/v1/leads/{lead['lead_id']}").json()
    assert current["stage"] == "mql", current["score"]

    enrolment = enrolment_of(client, lead["lead_id"])
    assert (enrolment["status"], enrolment["exit_reason"]) == ("exited", "became_mql")
    assert execution_status(runtime, enrolment_id) == "ABORTED"
    days(runtime, 30)
    assert [m for m in mails(lead["lead_id"]) if m.created_at >= became_mql] == []


def test_the_form_is_answered_within_the_pipeline_and_a_retried_submission_is_not_answered_twice(
    client: Client, runtime: LocalRuntime
) -> None:
    surname = unique_surname()
    document = {"email": f"ann.{surname.lower()}@gmail.com", "last_name": surname, "form_id": "demo-request"}
    key = {"Idempotency-Key": f"retry-{uuid.uuid4().hex}"}

    first = client.post_lead(document, key)
    again = client.post_lead(document, key)
    runtime.wait_for_executions()

    lead_id = client.wait_for_submission(first.json()["submission_id"])["lead_id"]
    assert again.json()["submission_id"] == first.json()["submission_id"]
    answers = mails(lead_id, "transactional")
    assert [m.tags.get("form") for m in answers] == ["demo-request"]  # no consent needed: it answers the request


def test_a_lead_lost_to_a_competitor_enters_the_recapture_track(client: Client, runtime: LocalRuntime) -> None:
    lead = a_nurtured_lead(client, runtime)

    reply = client.post(
        f"/v1/leads/{lead['lead_id']}/stage",
        {"action": "disqualify", "reason_code": "lost_to_competitor", "actor": "rep:dana-whitfield"},
    )
    assert reply.status == 200, reply.body
    runtime.wait_for_executions()

    enrolments = client.get(f"/v1/leads/{lead['lead_id']}").json()["nurture"]
    assert [(e["track_id"], e["status"], e.get("exit_reason")) for e in enrolments] == [
        ("welcome", "exited", "stage_disqualified"),
        ("competitive-recapture", "active", None),
    ]


def test_a_removed_lead_leaves_its_track_and_its_execution_stops(client: Client, runtime: LocalRuntime) -> None:
    lead = a_nurtured_lead(client, runtime)
    enrolment_id = lead["nurture"][0]["enrolment_id"]

    headers = {"x-api-key": client.api_key}
    reply = client.request("DELETE", f"/v1/leads/{lead['lead_id']}/nurture", headers=headers)
    runtime.wait_for_executions()

    assert reply.status == 200, reply.body
    assert [e["exit_reason"] for e in reply.json()["enrolments"]] == ["removed"]
    assert execution_status(runtime, enrolment_id) == "ABORTED"
    before = len(mails(lead["lead_id"]))
    days(runtime, 10)
    assert len(mails(lead["lead_id"])) == before


def test_a_tracks_stats_count_what_its_leads_did(client: Client, runtime: LocalRuntime) -> None:
    before = client.get("/v1/nurture/tracks/welcome/stats").json()
    a_nurtured_lead(client, runtime)
    runtime.advance_clock(hours=1)

    after = client.get("/v1/nurture/tracks/welcome/stats").json()

    assert after["enrolled"] == before["enrolled"] + 1
    assert client.get("/v1/nurture/tracks/no-such-track/stats").status == 404


def test_the_one_click_link_in_an_email_stops_every_track_of_the_lead(client: Client, runtime: LocalRuntime) -> None:
    lead = a_nurtured_lead(client, runtime)
    refused = client.post(f"/v1/leads/{lead['lead_id']}/nurture", {"track": "re-engagement"})
    assert refused.status == 409, refused.body  # one active enrolment per lead, unless a track runs beside others
    with_webinars(client)
    second = client.post(f"/v1/leads/{lead['lead_id']}/nurture", {"track": "webinar-series"})
    assert second.status == 201, second.body
    days(runtime, 4)  # the intro went out (whatever the weekday and hour the runtime started at)
    [intro, *_] = mails(lead["lead_id"])
    assert intro.unsubscribe_url is not None
    path = intro.unsubscribe_url.split("://", 1)[1].split("/", 1)[1]

    reply = client.request("POST", f"/{path}", b"List-Unsubscribe=One-Click", FORM)
    runtime.wait_for_executions()

    assert reply.status == 200, reply.body
    enrolments = client.get(f"/v1/leads/{lead['lead_id']}").json()["nurture"]
    assert [(e["status"], e["exit_reason"]) for e in enrolments] == [("exited", "unsubscribed")] * 2
    assert {execution_status(runtime, e["enrolment_id"]) for e in enrolments} == {"ABORTED"}
    sent = len(mails(lead["lead_id"]))
    days(runtime, 30)
    assert len(mails(lead["lead_id"])) == sent


def with_webinars(client: Client) -> None:
    """The active nurture document plus a hand-enrolled track that runs beside the others (once per runtime)."""
    active = client.get("/v1/config/nurture").json()["body"]
    if any(track["id"] == "webinar-series" for track in active["tracks"]):
        return
    webinars = {
        "id": "webinar-series",
        "name": "Webinar series",
        "priority": 1,
        "concurrent": True,
        "entry": {"cause": "manual"},
        "steps": [
            {"id": "invite", "type": "email", "template": "welcome-case-study"},
            {"id": "wait-a-week", "type": "wait", "days": 7},
            {"id": "reminder", "type": "email", "template": "welcome-check-in"},
        ],
    }
    reply = client.request(
        "PUT",
        "/v1/config/nurture",
        json.dumps({**active, "tracks": [*active["tracks"], webinars]}).encode(),
        {"content-type": "application/json", "x-api-key": client.api_key},
    )
    assert reply.status == 200, reply.body


def test_a_recycled_lead_enters_the_re_engagement_track_and_its_owner_is_named(
    client: Client, runtime: LocalRuntime
) -> None:
    lead = a_nurtured_lead(client, runtime)
    reply = client.post(
        f"/v1/leads/{lead['lead_id']}/stage",
        {"action": "disqualify", "reason_code": "bad_timing", "actor": "rep:dana-whitfield"},
    )
    assert reply.status == 200, reply.body
    recycle_at = reply.json()["disqualification"]["recycle_at"]
    runtime.wait_for_executions()

    runtime.advance_clock(days=(datetime.fromisoformat(recycle_at) - runtime.clock.now()).days + 2)

    current = client.get(f"/v1/leads/{lead['lead_id']}").json()
    assert current["stage"] == "recycled"
    assert [(e["track_id"], e["status"]) for e in current["nurture"]][-1] == ("re-engagement", "active")
