"""The LeadPipeline end to end inside the local runtime: the real template, ASL file and handlers on moto."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from infra.local.runtime import LocalRuntime
from tests.http_client import Client
from tests.names import unique_surname


def unique_email(local: str, domain: str) -> str:
    return f"{local}.{uuid.uuid4().hex[:8]}@{domain}"


def vp_demo_request(email: str, **extra: Any) -> dict[str, Any]:
    return {
        "email": email,
        "first_name": "Dana",
        "last_name": "Whitfield",
        "title": "VP of Engineering",
        "company": "Snowflake",
        "country": "US",
        "form_id": "demo-request",
        "consent": True,
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "q4-data-platform",
        **extra,
    }


def submit_and_wait(client: Client, document: dict[str, Any]) -> dict[str, Any]:
    reply = client.post_lead(document)
    assert reply.status == 202, reply.body
    return client.wait_for_submission(reply.json()["submission_id"])


def test_corporate_vp_demo_request_is_scored_mql_assigned_and_notified(client: Client, runtime: LocalRuntime) -> None:
    # a surname no other lead has: the shared runtime holds other tests' Dana Whitfields, which would make this one a
    # possible duplicate of theirs
    document = vp_demo_request(unique_email("dana", "snowflake.com"), last_name=unique_surname())
    submission = submit_and_wait(client, document)

    lead = client.get(f"/v1/leads/{submission['lead_id']}").json()
    assert lead["stage"] == "mql"
    assert lead["score"]["total"] >= 1 and lead["score"]["lines"]
    assert lead["owner_id"] and lead["assignment"]["rule"]
    assert lead["firmographics"]["company_name"] and not lead["firmographics"]["free_mail"]
    assert lead["first_source"]["utm_campaign"] == "q4-data-platform"
    assert [h["kind"] for h in lead["history"]] == [
        "submission",
        "enriched",
        "scored",
        "stage_changed",
        "assigned",
        "notified",
    ]
    notifications = [n for n in runtime.notifications() if n.get("lead_id") == lead["lead_id"]]
    assert [n["rep_id"] for n in notifications] == [lead["owner_id"]]


def test_free_mail_newsletter_signup_is_not_an_mql_and_not_routed(client: Client) -> None:
    submission = submit_and_wait(
        client, {"email": unique_email("sam", "gmail.com"), "form_id": "newsletter", "consent": True}
    )

    lead = client.get(f"/v1/leads/{submission['lead_id']}").json()
    assert lead["stage"] == "new"
    assert lead["owner_id"] is None
    assert lead["firmographics"]["free_mail"] is True


def test_same_person_posted_concurrently_in_two_spellings_is_one_lead_with_two_submissions(client: Client) -> None:
    local = f"ada.lovelace{uuid.uuid4().hex[:6]}"
    spellings = [f"{local}@acme-analytics.com", f"{local.upper()}+webinar@ACME-Analytics.com"]
    replies: list[Any] = [None, None]

    def post(index: int) -> None:
        replies[index] = client.post_lead(vp_demo_request(spellings[index]))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    submissions = [client.wait_for_submission(r.json()["submission_id"]) for r in replies]
    assert submissions[0]["lead_id"] == submissions[1]["lead_id"]
    lead = client.get(f"/v1/leads/{submissions[0]['lead_id']}").json()
    assert sorted(lead["submission_ids"]) == sorted(s["submission_id"] for s in submissions)
    assert len([h for h in lead["history"] if h["kind"] == "assigned"]) == 1


def test_form_encoded_post_from_a_website_is_accepted_with_custom_fields(client: Client) -> None:
    email = unique_email("lee", "gmail.com")
    body = f"email={email.replace('@', '%40')}&form_id=ebook-download&consent=on&fields%5Bebook%5D=routing-101"
    reply = client.request("POST", "/v1/leads", body.encode(), {"content-type": "application/x-www-form-urlencoded"})
    assert reply.status == 202, reply.body

    submission = client.wait_for_submission(reply.json()["submission_id"])
    lead = client.get(f"/v1/leads/{submission['lead_id']}").json()
    assert lead["consent"] is True
    assert lead["fields"] == {"ebook": "routing-101"}


def test_honeypot_submission_is_answered_like_success_but_stored_as_spam_and_never_routed(
    client: Client, runtime: LocalRuntime
) -> None:
    email = unique_email("bot", "snowflake.com")
    reply = client.post_lead(vp_demo_request(email, hp="http://spam.example"))

    assert reply.status == 202
    assert reply.json()["status"] == "accepted"
    submission = client.get(f"/v1/submissions/{reply.json()['submission_id']}").json()
    assert submission["status"] == "spam" and submission["lead_id"] is None
    runtime.wait_for_executions()
    assert client.get(f"/v1/leads?email={email}").json()["items"] == []


def test_repeated_idempotency_key_returns_the_first_answer_and_stores_one_submission(client: Client) -> None:
    key = str(uuid.uuid4())
    document = vp_demo_request(unique_email("kim", "snowflake.com"))

    first = client.post_lead(document, {"idempotency-key": key})
    second = client.post_lead(document, {"idempotency-key": key})

    assert first.status == second.status == 202
    assert first.json()["submission_id"] == second.json()["submission_id"]
    submission = client.wait_for_submission(first.json()["submission_id"])
    lead = client.get(f"/v1/leads/{submission['lead_id']}").json()
    assert lead["submission_ids"] == [first.json()["submission_id"]]


def test_idempotency_key_reused_with_another_body_is_refused(client: Client) -> None:
    key = str(uuid.uuid4())
    client.post_lead(vp_demo_request(unique_email("a", "snowflake.com")), {"idempotency-key": key})

    reply = client.post_lead(vp_demo_request(unique_email("b", "snowflake.com")), {"idempotency-key": key})

    assert reply.status == 422
    assert "idempotency-key" in reply.json()["message"]


def test_a_failing_step_keeps_the_lead_in_the_dead_letter_path_and_redrive_completes_it(
    client: Client, runtime: LocalRuntime
) -> None:
    runtime.wait_for_executions()
    runtime.redrive()  # start from an empty dead-letter queue
    assert runtime.runner is not None
    runtime.runner.inject_fault("ScoreFunction", RuntimeError("scoring rules unavailable"))
    try:
        reply = client.post_lead(vp_demo_request(unique_email("ravi", "snowflake.com")))
        failed = client.wait_for_submission(reply.json()["submission_id"])
        runtime.wait_for_executions()
    finally:
        runtime.runner.inject_fault("ScoreFunction", None)

    assert failed["status"] == "failed" and "scoring rules unavailable" in failed["error"]
    # Other tests share this runtime, and its schedules may dead-letter their own leads meanwhile: count ours.
    assert sum(failed["submission_id"] in body for body in runtime.dead_letter_bodies()) == 1
    assert failed["lead_id"] is not None  # dedupe ran before the fault: the lead is kept
    kept = client.get(f"/v1/leads/{failed['lead_id']}").json()
    assert kept["owner_id"] is None and kept["submission_ids"] == [failed["submission_id"]]

    assert runtime.redrive() >= 1
    runtime.wait_for_executions()

    assert not any(failed["submission_id"] in body for body in runtime.dead_letter_bodies())
    assert client.get(f"/v1/submissions/{failed['submission_id']}").json()["status"] == "processed"
    lead = client.get(f"/v1/leads/{failed['lead_id']}").json()
    assert lead["stage"] == "mql" and lead["owner_id"] is not None
    assert lead["submission_ids"] == [failed["submission_id"]]
