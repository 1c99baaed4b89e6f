"""The erasure adapters' contract: DynamoDB (under moto) and the in-memory twins find the same items of a person,
in the same order, and delete them the same way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoLeadStore, DynamoMailLog, DynamoOutbox
from leadflow.adapters.dynamodb_erasure import DynamoAuditLog, DynamoPersonalDataStore, DynamoSuppressionList
from leadflow.adapters.dynamodb_matching import DynamoMatchIndex
from leadflow.adapters.memory import InMemoryLeadStore, InMemoryMailLog, InMemoryMatchIndex, InMemoryOutbox
from leadflow.adapters.memory_erasure import (
    InMemoryAuditLog,
    InMemoryIdempotencyTable,
    InMemoryPersonalDataStore,
    InMemorySuppressionList,
)
from leadflow.ids import idempotency_record_id
from leadflow.models.account import Account
from leadflow.models.lead import Activity, HistoryEntry, Lead, Outcome
from leadflow.models.submission import StoredSubmission, SubmissionIn
from leadflow.ports import (
    AuditEntry,
    AuditLog,
    DuplicateLink,
    EmailMessage,
    ErasureRecord,
    Footprint,
    LeadStore,
    MailLog,
    MatchIndex,
    Notification,
    Outbox,
    PersonalDataStore,
    SuppressionList,
)
from moto import mock_aws

from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EMAIL = "ada@lovelace.example"
PHONE = "+4930123456"


@dataclass(frozen=True)
class Adapters:
    store: LeadStore
    index: MatchIndex
    outbox: Outbox
    personal: PersonalDataStore
    mail_log: MailLog
    suppression: SuppressionList
    audit: AuditLog
    put_idempotency_record: Callable[[str], None]


@pytest.fixture(params=["dynamodb", "memory"])
def adapters(request: pytest.FixtureRequest, aws_credentials: None) -> Iterator[Adapters]:
    if request.param == "memory":
        store, index, outbox, idempotency = (
            InMemoryLeadStore(),
            InMemoryMatchIndex(),
            InMemoryOutbox(),
            InMemoryIdempotencyTable(),
        )
        personal = InMemoryPersonalDataStore(store, index, outbox, idempotency)
        yield Adapters(
            store,
            index,
            outbox,
            personal,
            InMemoryMailLog(outbox._table),  # the same table, as on DynamoDB
            InMemorySuppressionList(),
            InMemoryAuditLog(),
            lambda key: idempotency.put(key, '{"submission_id": "sub-1"}'),
        )
        return
    with mock_aws(config=MOTO_CONFIG):
        serialise_dynamodb_writes()
        query_partitions_not_tables()
        tables = create_tables(boto3.resource("dynamodb", region_name="us-east-1"))

        def put_record(key: str) -> None:
            tables.idempotency.put_item(Item={"id": idempotency_record_id(key), "data": "{}"})

        yield Adapters(
            DynamoLeadStore(tables.leads),
            DynamoMatchIndex(tables.leads),
            DynamoOutbox(tables.outbox),
            DynamoPersonalDataStore(tables.leads, tables.outbox, tables.idempotency),
            DynamoMailLog(tables.outbox),
            DynamoSuppressionList(tables.leads),
            DynamoAuditLog(tables.leads),
            put_record,
        )


def a_lead(lead_id: str, email: str, **changes: Any) -> Lead:
    return Lead(
        lead_id=lead_id,
        email=email,
        email_canonical=email,
        phone=PHONE,
        created_at=NOW,
        updated_at=NOW,
        **changes,
    )


def store_person(a: Adapters) -> Footprint:
    """Ada's lead with one of everything, a lead merged into it, and a colleague's lead with a link to hers."""
    activity = Activity(event_id="generic:evt-1", type="page_visit", occurred_at=NOW, source="generic")
    ada = a_lead("lead-ada", EMAIL, account_id="lovelace.example", match_keys=["ln:lovelace"], activity=[activity])
    merged = a_lead("lead-ada2", "ada@gmail.example", merged_into="lead-ada")
    bob = a_lead("lead-bob", "bob@lovelace.example")
    for lead in (ada, merged, bob):
        a.store.save_lead(lead, expected_version=None)
    body = SubmissionIn(email=EMAIL, phone=PHONE)
    a.store.put_submission(
        StoredSubmission(submission_id="sub-1", received_at=NOW, data=body, lead_id="lead-ada", idempotency_key="k-1")
    )
    a.put_idempotency_record("k-1")
    a.store.claim_identity("email", EMAIL, "lead-ada")
    a.store.claim_identity("phone", PHONE, "lead-bob")  # the switchboard: Bob's lead gave it first
    a.store.link_account(Account(account_id="lovelace.example", created_at=NOW), "lead-ada")
    a.store.link_account(Account(account_id="lovelace.example", created_at=NOW), "lead-bob")
    a.store.add_history("lead-ada", HistoryEntry(at=NOW, kind="notified", ref="n-1", detail={"rep_id": "rep-1"}))
    a.store.add_history("lead-ada2", HistoryEntry(at=NOW, kind="submission", ref="sub-0"))
    a.store.add_history("lead-bob", HistoryEntry(at=NOW, kind="possible_duplicate", ref="lead-ada"))
    a.store.add_history("lead-bob", HistoryEntry(at=NOW, kind="submission", ref="sub-9"))
    a.store.record_engagement_event("generic", "evt-1", status="recorded", lead_id="lead-ada", received_at=NOW)
    parked = Activity(event_id="generic:evt-2", type="email_open", occurred_at=NOW, source="generic")
    a.store.park_activity(EMAIL, parked)
    a.store.put_outcome("lead-ada", Outcome(result="won", closed_at=NOW, actor="rep-1"))
    a.index.file("lead-ada", ["ln:lovelace"], {"email": EMAIL}, [])
    a.index.file("lead-bob", ["ln:lovelace"], {"email": "bob@lovelace.example"}, [])
    a.index.link_possible_duplicate(DuplicateLink("lead-bob", "lead-ada", 0.7, [], NOW))
    a.outbox.queue(Notification("n-1", "rep-1", "lead-ada", "slack", "Ada", "Ada Lovelace", NOW, {}))
    for lead_id, to in (("lead-ada", EMAIL), ("lead-ada2", "ada@gmail.example"), ("lead-bob", "bob@lovelace.example")):
        a.mail_log.record(EmailMessage(f"m-{lead_id}", lead_id, to, "marketing", "Hi", "Hello", None, NOW))
    return Footprint(
        lead_ids=("lead-ada", "lead-ada2"),
        submission_ids=("sub-1",),
        emails=(EMAIL, "ada@gmail.example"),
        phones=(PHONE,),
        match_keys=(("lead-ada", "ln:lovelace"),),
        accounts=(("lovelace.example", "lead-ada"),),
        engagement_events=(("generic", "evt-1"), ("generic", "evt-2")),
        notifications=(("rep-1", "n-1"),),
        idempotency_keys=("k-1",),
    )


def test_a_person_is_found_in_every_table_and_their_profiles_come_last(adapters: Adapters) -> None:
    # Given a person stored with one of everything
    footprint = store_person(adapters)

    # When their items are looked up
    items = adapters.personal.items_of_person(footprint)

    # Then every kind is found, once, and the survivor's profile is the last item, after the merged-away one
    kinds = [item.kind for item in items]
    assert sorted(set(kinds)) == sorted(
        {
            "idempotency_record",
            "notification",
            "email",
            "webhook_event",
            "outcome",
            "possible_duplicate",
            "history",
            "parked_engagement",
            "identity",
            "match_index",
            "account_membership",
            "submission",
            "lead",
        }
    )
    assert len(items) == len(set(items))
    assert [item.key for item in items if item.kind == "lead"] == [
        ("LEAD#lead-ada2", "PROFILE"),
        ("LEAD#lead-ada", "PROFILE"),
    ]
    assert items[-1].key == ("LEAD#lead-ada", "PROFILE")


def test_deleting_a_persons_items_leaves_the_colleague_and_their_switchboard_claim(adapters: Adapters) -> None:
    # Given Ada and a colleague whose lead claimed the shared phone number first
    footprint = store_person(adapters)

    # When every item of Ada is deleted (twice: deleting what is gone is no error)
    items = adapters.personal.items_of_person(footprint)
    for item in items + items:
        adapters.personal.delete(item)

    # Then nothing of Ada is found, and Bob keeps his lead, his claim of the phone, his own history and account entry
    assert adapters.personal.items_of_person(footprint) == []
    assert adapters.store.get_lead("lead-ada") is None
    assert adapters.mail_log.sent_to("lead-ada", NOW) == [] and adapters.mail_log.sent_to("lead-ada2", NOW) == []
    assert [m.to for m in adapters.mail_log.sent_to("lead-bob", NOW)] == ["bob@lovelace.example"]
    assert adapters.store.lead_for_identity("email", EMAIL) is None
    assert adapters.store.lead_for_identity("phone", PHONE) == "lead-bob"
    assert adapters.store.parked_activity(EMAIL) == []
    assert adapters.store.outcomes().items == []
    assert adapters.outbox.recent() == []
    assert adapters.index.possible_duplicates("lead-bob") == []
    assert [e.ref for e in adapters.store.history("lead-bob")] == ["sub-9"]
    assert adapters.store.account_lead_ids("lovelace.example") == ["lead-bob"]
    assert adapters.store.get_account("lovelace.example") is not None  # Bob's company still
    assert [r.lead_id for r in adapters.index.candidates(["ln:lovelace"], 10)] == ["lead-bob"]


def test_an_erasure_record_reads_back_as_written(adapters: Adapters) -> None:
    record = ErasureRecord(
        lead_id="lead-ada2",
        person_id="lead-ada",
        lead_ids=("lead-ada", "lead-ada2"),
        status="done",
        started_at=NOW,
        erased_at=NOW + timedelta(seconds=2),
        counts={"submission": 2, "lead": 2},
    )
    assert adapters.personal.erasure("lead-ada2") is None
    adapters.personal.put_erasure(record)
    assert adapters.personal.erasure("lead-ada2") == record


def test_an_erasure_is_started_once(adapters: Adapters) -> None:
    record = ErasureRecord(
        lead_id="lead-ada", person_id="lead-ada", lead_ids=("lead-ada",), status="in_progress", started_at=NOW
    )
    later = ErasureRecord(
        lead_id="lead-ada",
        person_id="lead-ada",
        lead_ids=("lead-ada",),
        status="in_progress",
        started_at=NOW + timedelta(seconds=1),
    )

    assert adapters.personal.start_erasure(record) is True
    assert adapters.personal.start_erasure(later) is False
    assert adapters.personal.erasure("lead-ada") == record


def test_a_suppressed_hash_is_found_and_another_is_not(adapters: Adapters) -> None:
    adapters.suppression.suppress("ab" * 32, NOW)
    assert adapters.suppression.is_suppressed("ab" * 32)
    assert not adapters.suppression.is_suppressed("cd" * 32)


def test_a_suppression_keeps_its_reason_and_a_weaker_one_never_replaces_a_stronger_one(adapters: Adapters) -> None:
    adapters.suppression.suppress("ab" * 32, NOW, "unsubscribed")
    adapters.suppression.suppress("ab" * 32, NOW, "bounced")
    adapters.suppression.suppress("ab" * 32, NOW, "unsubscribed")
    entry = adapters.suppression.entry("ab" * 32)
    assert entry is not None and (entry.reason, entry.at) == ("bounced", NOW)
    adapters.suppression.suppress("ab" * 32, NOW, "erased")
    adapters.suppression.suppress("ab" * 32, NOW, "complained")
    entry = adapters.suppression.entry("ab" * 32)
    assert entry is not None and entry.reason == "erased"
    assert adapters.suppression.entry("cd" * 32) is None


def test_recording_an_audit_entry_twice_is_harmless(adapters: Adapters) -> None:
    entry = AuditEntry(at=NOW, action="erase", lead_id="lead-ada", actor="dpo", api_key_id="key-1", request_id="r-1")
    adapters.audit.record(entry)
    adapters.audit.record(entry)


def test_an_account_of_the_person_alone_goes_with_them(adapters: Adapters) -> None:
    # Given a one-person company's account, whose only lead is the person's
    adapters.store.save_lead(a_lead("lead-solo", "ada@ada-consulting.example"), expected_version=None)
    adapters.store.link_account(Account(account_id="ada-consulting.example", created_at=NOW), "lead-solo")
    footprint = Footprint(lead_ids=("lead-solo",), accounts=(("ada-consulting.example", "lead-solo"),))

    # When the person's items are deleted
    items = adapters.personal.items_of_person(footprint)
    for item in items:
        adapters.personal.delete(item)

    # Then the account is gone with its membership
    assert {item.kind for item in items} == {"account", "account_membership", "lead"}
    assert adapters.store.get_account("ada-consulting.example") is None
