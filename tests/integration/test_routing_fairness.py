"""Concurrent routing on the DynamoDB adapters under moto: turns and capacity come from conditional writes, so many
routers at once stay fair and never exceed a rep's limit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoConfigStore, DynamoLeadStore
from leadflow.adapters.memory import InMemoryEventBus, InMemoryMatchIndex, InMemoryOutbox
from leadflow.clock import FixedClock
from leadflow.domain.enrichment import DirectoryProvider, DomainDirectory
from leadflow.models.lead import Lead, Stage
from leadflow.services.pipeline_deps import PipelineDeps
from leadflow.services.routing import assign_lead
from moto import mock_aws

from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
REPS = ["ana", "ben", "cleo", "dev", "eve"]


@pytest.fixture
def deps(monkeypatch: pytest.MonkeyPatch) -> Iterator[PipelineDeps]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws(config=MOTO_CONFIG):
        serialise_dynamodb_writes()
        query_partitions_not_tables()
        tables = create_tables(boto3.resource("dynamodb", region_name="us-east-1"))
        yield PipelineDeps(
            store=DynamoLeadStore(tables.leads),
            index=InMemoryMatchIndex(),
            config=DynamoConfigStore(tables.config),
            bus=InMemoryEventBus(),
            outbox=InMemoryOutbox(),
            clock=FixedClock(NOW),
            directory=DomainDirectory.bundled(),
            enrichment=DirectoryProvider(DomainDirectory.bundled()),
        )


def publish(deps: PipelineDeps, **limits: int) -> None:
    reps = [{"rep_id": r, "name": r.title(), "email": f"{r}@example.com", **limits} for r in REPS]
    team = {"id": "sales", "name": "Sales", "members": [{"rep": r} for r in REPS]}
    deps.config.publish("reps", {"reps": reps, "teams": [team]})
    rule = {"id": "all", "assign": {"team": "sales", "strategy": "round_robin"}}
    deps.config.publish("routing", {"account_owner_first": False, "rules": [rule]})


def mqls(deps: PipelineDeps, count: int) -> list[str]:
    ids = []
    for n in range(count):
        email = f"buyer{n}@example.org"
        lead = Lead(lead_id=f"lead_{n:026d}", email=email, email_canonical=email, created_at=NOW, updated_at=NOW,
                    stage=Stage.MQL)  # fmt: skip
        ids.append(deps.store.save_lead(lead, expected_version=None).lead_id)
    return ids


def assign_all(deps: PipelineDeps, lead_ids: list[str], threads: int = 32) -> Counter[str | None]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return Counter(lead.owner_id for lead in pool.map(lambda lead_id: assign_lead(lead_id, deps), lead_ids))


@pytest.mark.slow
def test_1000_concurrent_assignments_over_5_equal_reps_differ_by_at_most_one(deps: PipelineDeps) -> None:
    publish(deps)

    counts = assign_all(deps, mqls(deps, 1000))

    assert set(counts) == set(REPS)
    assert max(counts.values()) - min(counts.values()) <= 1, counts
    assert sum(deps.config.counter(f"open#{r}") for r in REPS) == 1000


def test_concurrent_routing_never_exceeds_a_reps_capacity_and_the_rest_is_queued(deps: PipelineDeps) -> None:
    publish(deps, max_open=4)

    counts = assign_all(deps, mqls(deps, 30), threads=16)

    assert {r: counts[r] for r in REPS} == dict.fromkeys(REPS, 4)
    assert counts["queue:unassigned"] == 10
