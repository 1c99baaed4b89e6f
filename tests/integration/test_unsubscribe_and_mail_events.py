"""One-click unsubscribe and SES's delivery events on the local runtime: the link's page, the one-click post that
withdraws consent and suppresses the address (once, however often it is posted), bad links that say nothing more,
a person who comes back without ticking consent staying unmailed, and SES bounces and clicks reaching the lead."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from typing import Any

from leadflow.domain.unsubscribe_token import issue
from leadflow.wiring import mail as mail_wiring

from infra.local.runtime import LocalRuntime
from tests.events import load_event
from tests.http_client import Client, Reply
from tests.names import unique_surname

SECRET = "local-unsubscribe-secret"  # what the local runtime signs links with
FORM = {"content-type": "application/x-www-form-urlencoded"}


def a_subscriber(client: Client, *, consent: bool = True) -> tuple[str, dict[str, Any]]:
    surname = unique_surname()
    person = {
        "email": f"ivy.{surname.lower()}@example.org",
        "first_name": "Ivy",
        "last_name": surname,
        "form_id": "newsletter",
        "consent": consent,
        "consent_text_version": "2026-01",
    }
    reply = client.post_lead(person, {"idempotency-key": f"key-{uuid.uuid4().hex}"})
    assert reply.status == 202, reply.body
    return str(client.wait_for_submission(reply.json()["submission_id"])["lead_id"]), person


def link(runtime: LocalRuntime, lead_id: str, *, days: int = 365) -> str:
    return issue(lead_id, "marketing", expires_at=runtime.clock.now() + timedelta(days=days), secret=SECRET)


def one_click(client: Client, token: str) -> Reply:
    return client.request("POST", f"/v1/unsubscribe?token={token}", b"List-Unsubscribe=One-Click", FORM)


def lead_of(client: Client, lead_id: str) -> dict[str, Any]:
    return dict(client.get(f"/v1/leads/{lead_id}").json())


def test_the_link_shows_a_confirmation_page_with_a_one_click_form(client: Client, runtime: LocalRuntime) -> None:
    lead_id, _ = a_subscriber(client)

    reply = client.request("GET", f"/v1/unsubscribe?token={link(runtime, lead_id)}")

    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    page = reply.body.decode()
    assert '<form method="post"' in page and "List-Unsubscribe" in page
    assert lead_of(client, lead_id)["consent"] is True  # showing the page changes nothing


def test_one_click_withdraws_consent_suppresses_and_announces_once(client: Client, runtime: LocalRuntime) -> None:
    lead_id, person = a_subscriber(client)
    token = link(runtime, lead_id)

    first = one_click(client, token)
    runtime.wait_for_executions()
    after_first = lead_of(client, lead_id)
    second = one_click(client, token)
    runtime.wait_for_executions()
    after_second = lead_of(client, lead_id)

    assert (first.status, second.status) == (200, 200)
    assert "You are unsubscribed" in first.body.decode() and "You are unsubscribed" in second.body.decode()
    assert after_first["consent"] is False
    assert [(r["consent"], r["source"]) for r in after_first["consent_ledger"]] == [
        (True, "form:newsletter"),
        (False, "email-link"),
    ]
    assert after_first["consent_ledger"][0]["text_version"] == "2026-01"
    entry = mail_wiring.mail_suppressions().entry(person["email"])
    assert entry is not None and entry.reason == "unsubscribed"
    announced = [h for h in after_first["history"] if h["kind"] == "consent_changed"]
    assert len(announced) == 1 and announced[0]["detail"]["source"] == "email-link"
    assert after_second["consent_ledger"] == after_first["consent_ledger"]
    assert [h for h in after_second["history"] if h["kind"] == "consent_changed"] == announced


def test_a_bad_or_expired_link_is_a_400_page_that_names_nothing(client: Client, runtime: LocalRuntime) -> None:
    lead_id, _ = a_subscriber(client)
    expired = issue(lead_id, "marketing", expires_at=runtime.clock.now() - timedelta(seconds=1), secret=SECRET)
    forged = issue(lead_id, "marketing", expires_at=runtime.clock.now() + timedelta(days=1), secret="guessed")

    replies = [
        client.request("GET", f"/v1/unsubscribe?token={expired}"),
        one_click(client, expired),
        one_click(client, forged),
        one_click(client, "not-a-token"),
        client.request("POST", "/v1/unsubscribe", b"", FORM),
    ]

    for reply in replies:
        assert reply.status == 400
        assert reply.headers["Content-Type"].startswith("text/html")
        page = reply.body.decode()
        assert "invalid or has expired" in page and lead_id not in page
    assert lead_of(client, lead_id)["consent"] is True


def test_a_returning_person_without_consent_stays_unmailed_until_a_fresh_opt_in(
    client: Client, runtime: LocalRuntime
) -> None:
    lead_id, person = a_subscriber(client)
    assert one_click(client, link(runtime, lead_id)).status == 200
    runtime.clock.advance(timedelta(minutes=5))  # the opt-in that follows is newer than the unsubscribe

    again, _ = a_subscriber_again(client, person, consent=False)
    assert again == lead_id
    assert mail_wiring.marketing_blocked(_stored(lead_id)) == "suppressed: unsubscribed"

    a_subscriber_again(client, person, consent=True)
    assert mail_wiring.marketing_blocked(_stored(lead_id)) is None


def a_subscriber_again(client: Client, person: dict[str, Any], *, consent: bool) -> tuple[str, dict[str, Any]]:
    document = {**person, "consent": consent}
    reply = client.post_lead(document, {"idempotency-key": f"key-{uuid.uuid4().hex}"})
    assert reply.status == 202, reply.body
    return str(client.wait_for_submission(reply.json()["submission_id"])["lead_id"]), document


def _stored(lead_id: str) -> Any:
    from leadflow import wiring

    lead = wiring.lead_store().get_lead(lead_id)
    assert lead is not None
    return lead


def ses_event(runtime: LocalRuntime, sample: str, lead_id: str, email: str) -> None:
    event = load_event(f"mail_events/{sample}")
    detail = event["detail"]
    detail["mail"]["messageId"] = f"0100{uuid.uuid4().hex}-000000"
    detail["mail"]["destination"] = [email]
    detail["mail"]["tags"]["lead_id"] = [lead_id]
    for section, recipients in (("bounce", "bouncedRecipients"), ("complaint", "complainedRecipients")):
        for recipient in detail.get(section, {}).get(recipients, []):
            recipient["emailAddress"] = email
    stamp = runtime.clock.now().isoformat().replace("+00:00", "Z")
    for section in ("click", "open", "bounce", "complaint"):
        if section in detail:
            detail[section]["timestamp"] = stamp
    assert runtime.session is not None
    runtime.session.client("events").put_events(
        Entries=[
            {
                "Source": "aws.ses",
                "DetailType": event["detail-type"],
                "Detail": json.dumps(detail),
                "EventBusName": "default",
            }
        ]
    )
    runtime.wait_for_executions()


def wait_until(client: Client, lead_id: str, check: Any, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        lead = lead_of(client, lead_id)
        if check(lead) or time.monotonic() > deadline:
            return lead
        time.sleep(0.1)


def test_a_permanent_bounce_suppresses_the_address_and_withdraws_consent(client: Client, runtime: LocalRuntime) -> None:
    lead_id, person = a_subscriber(client)

    ses_event(runtime, "email_bounced.json", lead_id, person["email"])

    lead = wait_until(client, lead_id, lambda lead: lead["consent"] is False)
    assert (lead["consent"], lead["consent_record"]["source"]) == (False, "ses:bounce")
    entry = mail_wiring.mail_suppressions().entry(person["email"])
    assert entry is not None and entry.reason == "bounced"
    assert mail_wiring.transactional_blocked(_stored(lead_id)) == "suppressed: bounced"


def test_a_click_is_engagement_on_the_lead(client: Client, runtime: LocalRuntime) -> None:
    lead_id, person = a_subscriber(client)

    ses_event(runtime, "email_clicked.json", lead_id, person["email"])

    lead = wait_until(client, lead_id, lambda lead: any(a["type"] == "email_click" for a in lead["activity"]))
    (click,) = [a for a in lead["activity"] if a["type"] == "email_click"]
    assert click["properties"]["url"] == "https://www.example.com/pricing"
    assert (click["properties"]["track"], click["properties"]["step"], click["properties"]["variant"]) == (
        "welcome",
        "intro",
        "a",
    )
    assert click["source"] == "ses"
