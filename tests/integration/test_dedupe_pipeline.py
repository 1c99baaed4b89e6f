"""Deduplication in the running pipeline: spellings of one person find one lead, a close match joins it, a grey-zone
match is linked for review, a namesake stays apart."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from infra.local.runtime import LocalRuntime
from tests.http_client import Client
from tests.names import unique_surname

EMAIL_FORMS = ["{l}@{d}", "{L}@{D}", "{l}+webinar@{d}", "Jo Bloggs <{l}@{d}>", "{l}+q4@{D}"]
PHONE_FORMS = ["+1 415 555 {n}", "(415) 555-{n}", "415.555.{n}", "+14155550{n2}", "1-415-555-{n}"]


def person(local: str, domain: str, index: int, phone_tail: str) -> dict[str, Any]:
    email = EMAIL_FORMS[index % len(EMAIL_FORMS)].format(l=local, L=local.upper(), d=domain, D=domain.upper())
    phone = PHONE_FORMS[index % len(PHONE_FORMS)].format(n=phone_tail, n2=phone_tail[1:])
    return {
        "email": email,
        "phone": phone,
        "first_name": "Jo",
        "last_name": "Bloggs",
        "country": "US",
        "company": "Acme Analytics",
        "form_id": "webinar-registration",
    }


def test_fifty_concurrent_submissions_of_one_person_make_one_lead(client: Client, runtime: LocalRuntime) -> None:
    local, tail = f"jo.bloggs.{uuid.uuid4().hex[:6]}", "0199"
    documents = [person(local, "acme-analytics.com", i, tail) for i in range(50)]

    with ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(client.post_lead, documents))
    assert [r.status for r in replies] == [202] * 50
    runtime.wait_for_executions(timeout=120)

    lead_ids = {client.get(f"/v1/submissions/{r.json()['submission_id']}").json()["lead_id"] for r in replies}
    assert len(lead_ids) == 1
    lead = client.get(f"/v1/leads/{lead_ids.pop()}").json()
    assert len(lead["submission_ids"]) == 50
    assert lead["email_canonical"] == f"{local}@acme-analytics.com"


def submit(client: Client, runtime: LocalRuntime, document: dict[str, Any]) -> dict[str, Any]:
    reply = client.post_lead(document)
    assert reply.status == 202, reply.body
    runtime.wait_for_executions()
    submission = client.get(f"/v1/submissions/{reply.json()['submission_id']}").json()
    lead: dict[str, Any] = client.get(f"/v1/leads/{submission['lead_id']}").json()
    return lead


def test_a_job_change_with_the_same_mobile_joins_the_existing_lead(client: Client, runtime: LocalRuntime) -> None:
    surname = unique_surname()
    first = submit(
        client,
        runtime,
        {
            "email": f"chidi.{surname}@gmail.com".lower(),
            "first_name": "Chidi",
            "last_name": surname,
            "phone": "+44 7911 123456",
            "country": "GB",
        },
    )
    second = submit(
        client,
        runtime,
        {
            "email": f"c.{surname}@snowflake.com".lower(),
            "first_name": "Chidi",
            "last_name": surname,
            "phone": "07911 123456",
            "country": "United Kingdom",
            "company": "Snowflake",
        },
    )

    assert second["lead_id"] == first["lead_id"]
    matched = [h for h in second["history"] if h["kind"] == "submission" and "matched" in h["detail"]]
    assert matched and matched[0]["detail"]["matched"]["evidence"]


def test_a_namesake_at_another_company_is_a_different_lead(client: Client, runtime: LocalRuntime) -> None:
    surname = unique_surname()
    first = submit(
        client,
        runtime,
        {
            "email": f"john.{surname}@snowflake.com".lower(),
            "first_name": "John",
            "last_name": surname,
            "company": "Snowflake",
        },
    )
    second = submit(
        client,
        runtime,
        {
            "email": f"john.{surname}@datadoghq.com".lower(),
            "first_name": "John",
            "last_name": surname,
            "company": "Datadog",
        },
    )

    assert second["lead_id"] != first["lead_id"]
