"""The store contract's fixtures: every test of this package runs once against the DynamoDB adapters (under moto)
and once against their in-memory twins, so a twin that drifts from DynamoDB fails here first; and the records the
tests store."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoConfigStore, DynamoLeadStore, DynamoOutbox
from leadflow.adapters.memory import InMemoryConfigStore, InMemoryLeadStore, InMemoryOutbox
from leadflow.models.lead import (
    Activity,
    Assignment,
    Contribution,
    Firmographics,
    Lead,
    Score,
    ScoreLine,
    Stage,
)
from leadflow.models.submission import Source, StoredSubmission, SubmissionIn
from leadflow.ports import ConfigStore, LeadStore, Notification, Outbox
from moto import mock_aws

from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables

T = TypeVar("T")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Stores:
    leads: LeadStore
    config: ConfigStore
    outbox: Outbox


@pytest.fixture(params=["dynamodb", "memory"])
def stores(request: pytest.FixtureRequest, aws_credentials: None) -> Iterator[Stores]:
    if request.param == "memory":
        yield Stores(InMemoryLeadStore(), InMemoryConfigStore(), InMemoryOutbox())
        return
    with mock_aws(config=MOTO_CONFIG):  # the runtime fixture may share this process's moto
        # DynamoDB applies conditional writes atomically; moto needs the runtime's write lock to do the same.
        serialise_dynamodb_writes()
        query_partitions_not_tables()  # the local runtime's Query: these tests hold it to DynamoDB's behaviour
        tables = create_tables(boto3.resource("dynamodb", region_name="us-east-1"))
        yield Stores(DynamoLeadStore(tables.leads), DynamoConfigStore(tables.config), DynamoOutbox(tables.outbox))


def all_at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run work(0..count-1) on `count` threads released together, to make races as likely as possible."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T:
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def submission(submission_id: str = "sub-1", **data: Any) -> StoredSubmission:
    body = {"email": "ada@example.com", "form_id": "demo-request", **data}
    return StoredSubmission(submission_id=submission_id, received_at=NOW, data=SubmissionIn.model_validate(body))


def lead(
    lead_id: str = "lead-1",
    *,
    stage: Stage = Stage.NEW,
    updated_at: datetime = NOW,
    owner_id: str | None = None,
    assigned_at: datetime = NOW,
) -> Lead:
    assignment = None
    if owner_id is not None:
        assignment = Assignment(
            rep_id=owner_id,
            rep_name=owner_id.title(),
            rule="round_robin",
            pool="default",
            cursor=3,
            candidates=[owner_id, "rep-z"],
            ruleset_version=2,
            assigned_at=assigned_at,
        )
    return Lead(
        lead_id=lead_id,
        email=f"{lead_id}@example.com",
        email_canonical=f"{lead_id}@example.com",
        created_at=NOW - timedelta(days=1),
        updated_at=updated_at,
        stage=stage,
        owner_id=owner_id,
        assignment=assignment,
    )


def whole_lead(
    lead_id: str = "lead-1",
    *,
    stage: Stage = Stage.NEW,
    updated_at: datetime = NOW,
    owner_id: str | None = None,
) -> Lead:
    """A lead with every kind of field filled in (numbers of each type, nested models, lists, due times), so that a
    store or a listing that loses or changes any of them shows it."""
    return lead(lead_id, stage=stage, owner_id=owner_id, updated_at=updated_at).model_copy(
        update={
            "first_name": "Ada",
            "company": "Example",
            "fields": {"seats": 25, "budget": 1250.5, "trial": True, "note": None},
            "submission_ids": ["sub-1", "sub-2"],
            "form_ids": ["demo-request", "demo-request"],
            "first_source": Source(form_id="demo-request", utm_source="google"),
            "last_source": Source(form_id="demo-request", utm_campaign="q4"),
            "firmographics": Firmographics(domain="example.com", employees=1200, size_band="1001-5000", known=True),
            "score": Score(
                fit=40,
                engagement=31.75,
                total=71.75,
                grade="B",
                level=2,
                qualifies=True,
                next_change_at=NOW + timedelta(days=3, minutes=7),
                ruleset_version=2,
                scored_at=NOW,
                lines=[ScoreLine(rule_id="size", kind="fit", points=40, reason="1001-5000 employees")],
                contributions=[Contribution(rule_id="demo", event_id="sub-1", at=NOW, points=40, half_life_days=30.5)],
            ),
            "activity": [
                Activity(
                    event_id="sub-1",
                    type="form_submitted",
                    occurred_at=NOW,
                    source="form",
                    properties={"form_id": "demo-request", "seats": 25, "ratio": 0.5, "trial": True},
                )
            ],
            "due_at": NOW + timedelta(days=3, minutes=7),
            "due_job": "decay",
        }
    )


def every_page(fetch: Callable[[str | None], Any]) -> tuple[list[Lead], list[int]]:
    """All leads of a listing, following cursors to the end, and the size of each page."""
    leads: list[Lead] = []
    sizes: list[int] = []
    cursor: str | None = None
    for _ in range(100):
        page = fetch(cursor)
        leads.extend(page.items)
        sizes.append(len(page.items))
        cursor = page.cursor
        if cursor is None:
            return leads, sizes
    raise AssertionError("the listing never ended")


def notification(notification_id: str = "assigned#lead-1#2026-11-23T09:00:00Z", **changes: Any) -> Notification:
    fields: dict[str, Any] = {
        "notification_id": notification_id,
        "rep_id": "rep-ana",
        "lead_id": "lead-1",
        "channel": "email",
        "subject": "New MQL: Ada Lovelace",
        "body": "Ada from Example scored 72.",
        "created_at": NOW,
        "payload": {"score": 72, "ratio": 0.25, "tags": ["mql"], "nested": {"ok": True, "none": None}},
    }
    return Notification(**{**fields, **changes})
