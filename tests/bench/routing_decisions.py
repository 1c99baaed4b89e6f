"""Routing decisions per second: the pure decision (leadflow.domain.routing.decide, counters in a dict) and the
whole service (assign_lead: read the lead, claim capacity, save, history, events) on the DynamoDB adapters under
moto. Run: .venv/bin/python -m tests.bench.routing_decisions"""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from itertools import count

import boto3
from leadflow.adapters.dynamodb import DynamoConfigStore, DynamoLeadStore
from leadflow.adapters.memory import InMemoryEventBus, InMemoryMatchIndex, InMemoryOutbox
from leadflow.clock import FixedClock
from leadflow.domain.enrichment import DirectoryProvider, DomainDirectory
from leadflow.domain.routing import RoutingInputs, decide
from leadflow.models.lead import Firmographics, Lead, Stage
from leadflow.models.rules import Rep, parse_ruleset
from leadflow.services.pipeline_deps import PipelineDeps
from leadflow.services.routing import assign_lead
from moto import mock_aws

from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables
from tests.unit.conftest import load_config

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def lead(n: int) -> Lead:
    email = f"buyer{n}@example.org"
    firmographics = Firmographics(domain="example.org", employees=5000 if n % 3 == 0 else 80, country="DE")
    return Lead(lead_id=f"lead_{n:026d}", email=email, email_canonical=email, created_at=NOW, updated_at=NOW,
                stage=Stage.MQL, country="DE", firmographics=firmographics)  # fmt: skip


def domain_rate(decisions: int) -> float:
    roster = parse_ruleset("reps", load_config("reps.yaml"), version=1)
    routing = parse_ruleset("routing", load_config("routing.yaml"), version=1)
    sequences: Counter[str] = Counter()
    turns = count(1)

    def claim(rep: Rep) -> str | None:
        return None

    def next_sequence(name: str) -> int:
        sequences[name] += 1
        return next(turns)

    leads = [lead(n) for n in range(decisions)]
    started = time.perf_counter()
    for item in leads:
        decide(item, RoutingInputs(routing=routing, roster=roster, at=NOW, next_sequence=next_sequence, claim=claim))
    return decisions / (time.perf_counter() - started)


def service_rate(leads: int, threads: int) -> float:
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    with mock_aws(config=MOTO_CONFIG):
        serialise_dynamodb_writes()
        query_partitions_not_tables()
        tables = create_tables(boto3.resource("dynamodb", region_name="us-east-1"))
        config = DynamoConfigStore(tables.config)
        config.publish("reps", load_config("reps.yaml"))
        config.publish("routing", load_config("routing.yaml"))
        deps = PipelineDeps(
            store=DynamoLeadStore(tables.leads), index=InMemoryMatchIndex(), config=config, bus=InMemoryEventBus(),
            outbox=InMemoryOutbox(), clock=FixedClock(NOW), directory=DomainDirectory.bundled(),
            enrichment=DirectoryProvider(DomainDirectory.bundled()),
        )  # fmt: skip
        ids = [deps.store.save_lead(lead(n), expected_version=None).lead_id for n in range(leads)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda lead_id: assign_lead(lead_id, deps), ids))
        return leads / (time.perf_counter() - started)


def main() -> None:
    print(f"domain decide(): {domain_rate(20_000):,.0f} decisions/s (default rules and roster, 20,000 leads)")
    print(f"service assign_lead() on moto DynamoDB, 1 thread: {service_rate(300, 1):,.0f} leads/s (300 leads)")
    print(f"service assign_lead() on moto DynamoDB, 16 threads: {service_rate(300, 16):,.0f} leads/s (300 leads)")


if __name__ == "__main__":
    main()
