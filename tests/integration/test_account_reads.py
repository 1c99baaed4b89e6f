"""Routing a lead of a big account costs what it costs for a small one: the account-owner lookup reads the first
few leads filed under the account, never the whole account (DynamoDB bills a Query by what it reads), and reads those
leads together, in one round trip."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoLeadStore
from leadflow.models.account import Account
from leadflow.models.lead import Assignment, Lead, Stage
from leadflow.services.routing import ACCOUNT_LEADS_READ, account_owner
from moto import mock_aws

from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ACCOUNT = "bigcorp.example"


def member(n: int, owner: str | None) -> Lead:
    email = f"buyer{n}@{ACCOUNT}"
    assignment = None
    if owner is not None:
        assignment = Assignment(rep_id=owner, rep_name=owner, rule="r", pool="p", ruleset_version=1, assigned_at=NOW)
    return Lead(lead_id=f"lead_{n:026d}", email=email, email_canonical=email, created_at=NOW, updated_at=NOW,
                stage=Stage.MQL, account_id=ACCOUNT, owner_id=owner, assignment=assignment)  # fmt: skip


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The leads table, as the template declares it, on moto."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws(config=MOTO_CONFIG):
        yield create_tables(boto3.resource("dynamodb", region_name="us-east-1")).leads


def test_the_account_owner_of_a_500_lead_account_is_found_reading_20_of_them(table: Any) -> None:
    store = DynamoLeadStore(table)
    account = Account(account_id=ACCOUNT, created_at=NOW)
    for n in range(500):  # the third lead filed has an owner; the rest do not
        lead = member(n, "ana" if n == 2 else None)
        store.save_lead(lead, expected_version=None)
        store.link_account(account, lead.lead_id)
    member_items_read: list[int] = []
    requests: list[str] = []

    def count_read(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        requests.append(model.name)
        if model.name == "Query":
            member_items_read.append(parsed["ScannedCount"])

    table.meta.client.meta.events.register("after-call.dynamodb", count_read)
    owner = account_owner(store, member(500, None))

    assert owner == "ana"
    assert sum(member_items_read) == ACCOUNT_LEADS_READ
    assert requests == ["GetItem", "Query", "BatchGetItem"]  # the account, its first leads' ids, those leads at once


def test_the_first_leads_of_an_account_are_those_filed_first_and_all_without_a_bound(table: Any) -> None:
    store = DynamoLeadStore(table)
    account = Account(account_id=ACCOUNT, created_at=NOW)
    ids = [f"lead_{n:026d}" for n in range(30)]
    for lead_id in reversed(ids):  # filed in any order: the ids say which came first
        store.link_account(account, lead_id)

    assert store.account_lead_ids(ACCOUNT, first=20) == ids[:20]
    assert store.account_lead_ids(ACCOUNT) == ids
    assert store.account_lead_ids("nobody.example", first=20) == []


def test_filing_a_lead_under_its_account_sends_both_writes_at_once(table: Any) -> None:
    store = DynamoLeadStore(table)
    account = Account(account_id=ACCOUNT, created_at=NOW)
    both_sent = threading.Barrier(2, timeout=10)  # one write after the other would never get past it

    def wait_for_the_other(**_: Any) -> None:  # returning None lets the request go on
        both_sent.wait()

    table.meta.client.meta.events.register("before-send.dynamodb.PutItem", wait_for_the_other)
    created = store.link_account(account, "lead_a")
    created_again = store.link_account(account, "lead_b")

    assert (created, created_again) == (True, False)
    assert store.account_lead_ids(ACCOUNT) == ["lead_a", "lead_b"]
