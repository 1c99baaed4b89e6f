"""The match index contract: DynamoDB (under moto) and the in-memory twin file, find and unlink the same way."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoLeadStore
from leadflow.adapters.dynamodb_matching import DynamoMatchIndex
from leadflow.adapters.memory import InMemoryLeadStore, InMemoryMatchIndex
from leadflow.ports import DuplicateLink, LeadStore, MatchIndex
from moto import mock_aws

from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Stores:
    leads: LeadStore
    index: MatchIndex


@pytest.fixture(params=["dynamodb", "memory"])
def stores(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stores]:
    if request.param == "memory":
        yield Stores(InMemoryLeadStore(), InMemoryMatchIndex())
        return
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws(config=MOTO_CONFIG):  # the runtime fixture may share this process's moto
        serialise_dynamodb_writes()
        query_partitions_not_tables()  # the local runtime's Query: these tests hold it to DynamoDB's behaviour
        tables = create_tables(boto3.resource("dynamodb", region_name="us-east-1"))
        yield Stores(DynamoLeadStore(tables.leads), DynamoMatchIndex(tables.leads))


def test_a_filed_lead_is_found_under_each_of_its_keys_once(stores: Stores) -> None:
    stores.index.file("lead-a", ["n:WTFLT:d", "p:+14155550134"], {"last_name": "Whitfield"}, previous_keys=[])

    found = stores.index.candidates(["n:WTFLT:d", "p:+14155550134", "x:unknown"], per_key=10)

    assert [(c.lead_id, c.record) for c in found] == [("lead-a", {"last_name": "Whitfield"})]


def test_candidates_come_in_the_order_of_the_keys_asked_each_lead_once(stores: Stores) -> None:
    stores.index.file("lead-z", ["k:1"], {"n": 1}, previous_keys=[])
    stores.index.file("lead-a", ["k:2", "k:3"], {"n": 2}, previous_keys=[])

    forwards = stores.index.candidates(["k:1", "k:2", "k:3"], per_key=10)
    backwards = stores.index.candidates(["k:3", "k:2", "k:1"], per_key=10)

    assert [c.lead_id for c in forwards] == ["lead-z", "lead-a"]
    assert [c.lead_id for c in backwards] == ["lead-a", "lead-z"]


def test_the_keys_queries_are_in_flight_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A submission's dedupe waits for one round trip for its candidates, not one per blocking key: each query
    waits here until all three are sent, which one query after another never would."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws(config=MOTO_CONFIG):
        tables = create_tables(boto3.resource("dynamodb", region_name="us-east-1"))
        index = DynamoMatchIndex(tables.leads)
        for n, key in enumerate(("k:1", "k:2", "k:3")):
            index.file(f"lead-{n}", [key], {"n": n}, previous_keys=[])
        all_sent = threading.Barrier(3, timeout=10)

        def wait_for_the_others(**_: object) -> None:  # returning None lets the request go on
            all_sent.wait()

        tables.leads.meta.client.meta.events.register("before-send.dynamodb.Query", wait_for_the_others)

        found = index.candidates(["k:1", "k:2", "k:3"], per_key=10)

    assert [(c.lead_id, c.record) for c in found] == [("lead-0", {"n": 0}), ("lead-1", {"n": 1}), ("lead-2", {"n": 2})]


def test_refiling_moves_a_lead_off_keys_it_no_longer_has(stores: Stores) -> None:
    stores.index.file("lead-a", ["k:old", "k:kept"], {"v": 1}, previous_keys=[])
    stores.index.file("lead-a", ["k:kept", "k:new"], {"v": 2}, previous_keys=["k:old", "k:kept"])

    assert stores.index.candidates(["k:old"], per_key=10) == []
    assert [c.record for c in stores.index.candidates(["k:kept", "k:new"], per_key=10)] == [{"v": 2}]


def test_candidates_per_key_are_bounded_whatever_the_block_size(stores: Stores) -> None:
    for n in range(30):
        stores.index.file(f"lead-{n:02d}", ["k:crowded"], {"n": n}, previous_keys=[])

    assert len(stores.index.candidates(["k:crowded"], per_key=7)) == 7


def test_unfiled_lead_is_no_longer_a_candidate(stores: Stores) -> None:
    stores.index.file("lead-a", ["k:1", "k:2"], {}, previous_keys=[])
    stores.index.unfile("lead-a", ["k:1", "k:2"])

    assert stores.index.candidates(["k:1", "k:2"], per_key=10) == []


def test_a_possible_duplicate_is_seen_from_both_leads_until_removed(stores: Stores) -> None:
    link = DuplicateLink("lead-a", "lead-b", 0.81, [{"field": "last_name", "similarity": 1.0}], NOW)
    stores.index.link_possible_duplicate(link)
    stores.index.link_possible_duplicate(link)  # a retry changes nothing

    assert stores.index.possible_duplicates("lead-a") == [link]
    assert [(d.lead_id, d.other_id) for d in stores.index.possible_duplicates("lead-b")] == [("lead-b", "lead-a")]
    stores.index.remove_possible_duplicate("lead-b", "lead-a")
    assert stores.index.possible_duplicates("lead-a") == []


def test_the_queue_lists_each_waiting_pair_once_oldest_first_page_by_page(stores: Stores) -> None:
    # given five pairs found an hour apart, newest first, one of them linked again from its other side
    links = [DuplicateLink(f"lead-{n}a", f"lead-{n}b", 0.8, [], NOW - timedelta(hours=n)) for n in range(5)]
    for link in links:
        stores.index.link_possible_duplicate(link)
    stores.index.link_possible_duplicate(DuplicateLink("lead-2b", "lead-2a", 0.8, [], links[2].found_at))
    stores.index.remove_possible_duplicate("lead-3a", "lead-3b")  # dismissed: no longer waiting

    # when the queue is read two pairs at a time
    seen: list[tuple[str, str]] = []
    page = stores.index.pending_duplicates(2, None)
    pages = 1
    while True:
        seen += [(min(link.lead_id, link.other_id), max(link.lead_id, link.other_id)) for link in page.links]
        if page.cursor is None:
            break
        page = stores.index.pending_duplicates(2, page.cursor)
        pages += 1

    # then every waiting pair comes once, oldest first, and nothing else
    assert seen == [("lead-4a", "lead-4b"), ("lead-2a", "lead-2b"), ("lead-1a", "lead-1b"), ("lead-0a", "lead-0b")]
    assert pages in (2, 3)  # a last full page may name a cursor that reads nothing, as DynamoDB's Query does


def test_the_queue_lists_whole_links_as_each_lead_sees_them(stores: Stores) -> None:
    # The index behind the queue may hold keys alone: the queue reads the links themselves.
    evidence = [{"field": "email", "score": 0.97, "why": "same mailbox"}, {"field": "phone", "score": 1.0}]
    link = DuplicateLink("lead-b", "lead-a", 0.875, evidence, NOW - timedelta(minutes=5))
    stores.index.link_possible_duplicate(link)

    page = stores.index.pending_duplicates(10, None)

    assert page.links == stores.index.possible_duplicates("lead-a")  # listed under the lead with the smaller id
    assert (page.links[0].probability, page.links[0].evidence, page.links[0].found_at) == (
        0.875,
        evidence,
        link.found_at,
    )


def test_the_queue_refuses_a_cursor_it_did_not_hand_out_and_an_unbounded_page(stores: Stores) -> None:
    for cursor in ("not-a-cursor", "bGVhZC1h", ""):
        with pytest.raises(ValueError, match="cursor"):
            stores.index.pending_duplicates(10, cursor)
    for limit in (0, 101):
        with pytest.raises(ValueError, match="limit"):
            stores.index.pending_duplicates(limit, None)


def test_an_identity_moves_only_from_the_lead_it_points_at(stores: Stores) -> None:
    stores.leads.claim_identity("email", "ada@example.com", "lead-new")

    assert stores.leads.move_identity("email", "ada@example.com", "lead-new", "lead-old") is True
    assert stores.leads.move_identity("email", "ada@example.com", "lead-new", "lead-other") is False
    assert stores.leads.lead_for_identity("email", "ada@example.com") == "lead-old"
    assert stores.leads.move_identity("email", "nobody@example.com", "lead-new", "lead-old") is False
