"""Accounts: a corporate email domain links its leads into one account (the buying committee), created on first
sight; a free-mail lead joins an account only when its company name names a known company exactly."""

from __future__ import annotations

import uuid
from typing import Any

from infra.local.runtime import LocalRuntime
from tests.http_client import Client


def submit(client: Client, runtime: LocalRuntime, document: dict[str, Any]) -> dict[str, Any]:
    reply = client.post_lead(document)
    assert reply.status == 202, reply.body
    runtime.wait_for_executions()
    lead_id = client.get(f"/v1/submissions/{reply.json()['submission_id']}").json()["lead_id"]
    lead: dict[str, Any] = client.get(f"/v1/leads/{lead_id}").json()
    return lead


def test_colleagues_at_one_domain_form_one_account_with_both_leads(client: Client, runtime: LocalRuntime) -> None:
    domain = f"acme-{uuid.uuid4().hex[:6]}.com"
    cto = submit(
        client,
        runtime,
        {"email": f"cto@{domain}", "first_name": "Ines", "last_name": "Duarte", "title": "CTO", "company": "Acme"},
    )
    buyer = submit(
        client,
        runtime,
        {"email": f"procurement.lead@{domain}", "first_name": "Tom", "last_name": "Reyes", "title": "Procurement Lead"},
    )

    account = client.get(f"/v1/accounts/{domain}").json()

    assert cto["account_id"] == buyer["account_id"] == domain
    assert account["name"] == "Acme"
    assert {m["lead_id"] for m in account["leads"]} == {cto["lead_id"], buyer["lead_id"]}


def test_a_free_mail_lead_joins_an_account_only_by_an_exact_known_company_name(
    client: Client, runtime: LocalRuntime
) -> None:
    known = submit(client, runtime, {"email": f"sam.{uuid.uuid4().hex[:6]}@gmail.com", "company": "Snowflake Inc."})
    vague = submit(client, runtime, {"email": f"kai.{uuid.uuid4().hex[:6]}@gmail.com", "company": "Snow"})

    assert known["account_id"] == "snowflake.com"
    assert vague["account_id"] is None


def test_an_unknown_account_is_404_naming_it(client: Client) -> None:
    reply = client.get("/v1/accounts/nobody-here.example")

    assert reply.status == 404 and "nobody-here.example" in reply.json()["message"]
