"""The decay job reads only the leads that are due: with 100,000 leads stored and 100 due, it touches those 100.

The leads table is the template's (with its sparse keys-only `by_due` index) on moto; the job is the real service
on the DynamoDB adapters. Every DynamoDB call the job makes is counted, with the items it returns."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer
from leadflow.adapters import layout
from leadflow.adapters.dynamodb import DynamoConfigStore, DynamoLeadStore, DynamoOutbox
from leadflow.adapters.dynamodb_matching import DynamoMatchIndex
from leadflow.adapters.memory import InMemoryEventBus
from leadflow.clock import FixedClock
from leadflow.domain.enrichment import DirectoryProvider, DomainDirectory
from leadflow.domain.scoring import score_lead
from leadflow.models.events import LeadStageChanged
from leadflow.models.lead import Activity, Firmographics, Lead, Stage
from leadflow.models.rules import ScoringRuleSet, parse_ruleset
from leadflow.services.decay import decay_due_leads
from leadflow.services.pipeline import with_decay_due
from leadflow.services.pipeline_deps import PipelineDeps
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends

from infra.local.deployment import ACCOUNT_ID
from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables
from tests.unit.conftest import load_config

REGION = "us-east-1"
SCORED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STORED = int(os.environ.get("LEADFLOW_DECAY_TEST_LEADS", "100000"))
DUE = 100

pytestmark = pytest.mark.slow


def engaged_vp(lead_id: str, rules: ScoringRuleSet) -> Lead:
    """A VP at a mid-market software company who attended a webinar and looked at pricing: an MQL at SCORED_AT."""
    lead = Lead(
        lead_id=lead_id,
        email=f"{lead_id}@northwind.example",
        email_canonical=f"{lead_id}@northwind.example",
        title="VP Marketing",
        phone="+44 20 7946 0958",
        created_at=SCORED_AT,
        updated_at=SCORED_AT,
        stage=Stage.MQL,
        firmographics=Firmographics(
            domain="northwind.example", industry="software", size_band="201-1000", employees=400, known=True
        ),
        activity=[
            Activity(event_id=f"{lead_id}-webinar", type="webinar_attended", occurred_at=SCORED_AT, source="test"),
            Activity(
                event_id=f"{lead_id}-pricing",
                type="page_visit",
                occurred_at=SCORED_AT,
                source="test",
                properties={"url": "https://leadflow.example/pricing"},
            ),
        ],
    )
    score = score_lead(lead, rules, SCORED_AT)
    assert score.qualifies and score.next_change_at is not None
    return with_decay_due(lead.model_copy(update={"score": score}))


def preload(
    table_name: str, template: Lead, count: int, due_at: datetime | None, prefix: str, *, whole: bool
) -> list[str]:
    """Store `count` leads like `template` under new ids straight into moto's backend: 100,000 PutItem calls through
    boto3 would take many minutes. `whole=False` stores only the keys and index attributes, which is all a job that
    reads only what is due may ever see of them: if the job read one, parsing it as a lead would fail the test."""
    backend = dynamodb_backends[ACCOUNT_ID][REGION]
    serialize = TypeSerializer().serialize
    base = layout.to_dynamo(layout.lead_item(template, 1))
    if not whole:
        base = {name: base[name] for name in ("gsi1pk", "gsi1sk", "stage")}
    ids = []
    for number in range(count):
        lead_id = f"lead_{prefix}{number:0{26 - len(prefix)}d}"
        item = {**base, **layout.lead_key(lead_id), "lead_id": lead_id, "gsi1sk": f"{base['gsi1sk']}{lead_id}"}
        if due_at is not None:
            item["gsi3pk"] = layout.due_partition("decay", layout.due_shard(lead_id))
            item["gsi3sk"] = f"{layout.time_key(due_at)}#{lead_id}"
        else:
            item.pop("gsi3pk", None)
            item.pop("gsi3sk", None)
        backend.put_item(table_name, {name: serialize(value) for name, value in item.items()}, overwrite=True)
        ids.append(lead_id)
    return ids


def test_the_decay_job_reads_only_the_due_leads_among_100_000() -> None:
    rules = parse_ruleset("scoring", load_config("scoring.yaml"), version=1)
    template = engaged_vp("lead_template", rules)
    due_at = template.due_at
    assert due_at is not None and template.due_job == "decay"
    run_at = due_at + timedelta(hours=1)

    with mock_aws(config=MOTO_CONFIG):
        tables = create_tables(boto3.resource("dynamodb", region_name=REGION))
        config = DynamoConfigStore(tables.config)
        config.publish("scoring", load_config("scoring.yaml"))
        not_yet = template.model_copy(update={"due_at": run_at + timedelta(days=30)})
        never = template.model_copy(update={"stage": Stage.NEW, "due_at": None, "due_job": None})
        preload(tables.leads.name, not_yet, STORED // 3, run_at + timedelta(days=30), "later", whole=False)
        preload(tables.leads.name, never, STORED - STORED // 3 - DUE, None, "quiet", whole=False)
        due_ids = preload(tables.leads.name, template, DUE, due_at, "due", whole=True)
        calls: Counter[str] = Counter()
        items_read: Counter[str] = Counter()

        def count_call(event_name: str, **_: Any) -> None:
            calls[event_name.rsplit(".", 1)[-1]] += 1

        def count_items(parsed: dict[str, Any], model: Any, **_: Any) -> None:
            if "Items" in parsed:
                items_read[model.name] += len(parsed["Items"])
            elif "Item" in parsed:
                items_read[model.name] += 1

        client = tables.leads.meta.client
        client.meta.events.register("before-call.dynamodb", count_call)
        client.meta.events.register("after-call.dynamodb", count_items)
        bus = InMemoryEventBus()
        deps = PipelineDeps(
            store=DynamoLeadStore(tables.leads),
            index=DynamoMatchIndex(tables.leads),
            config=config,
            bus=bus,
            outbox=DynamoOutbox(tables.outbox),
            clock=FixedClock(run_at),
            directory=DomainDirectory.bundled(),
            enrichment=DirectoryProvider(DomainDirectory.bundled()),
        )

        run = decay_due_leads(deps)
        calls_by_job, items_by_job = dict(calls), dict(items_read)

        store = DynamoLeadStore(tables.leads)
        demoted = [store.get_lead(lead_id) for lead_id in due_ids]
        untouched = tables.leads.get_item(Key=layout.lead_key(f"lead_later{0:021d}"))["Item"]

    assert run.visited == DUE and run.demoted == DUE
    assert all(lead is not None and lead.stage is Stage.NEW and lead.due_at is None for lead in demoted)
    assert untouched["stage"] == "mql" and "gsi3pk" in untouched, "a lead due later stays as it was"
    assert "Scan" not in calls_by_job
    # Reads: the due index (keys only, one Query per shard until it comes back empty), each due lead once, and the
    # active scoring rules and predictive model once.
    assert items_by_job["Query"] == DUE
    assert calls_by_job["GetItem"] == DUE + 2
    assert calls_by_job["Query"] <= 2 * layout.DUE_SHARDS
    assert len(bus.of_type(LeadStageChanged)) == DUE
