"""The scale benchmarks write stored leads straight into moto's tables, without a request: what they store must be
exactly what a PutItem of the same items stores, or the benchmarks would measure another table than a user's."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from leadflow.adapters import layout
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends

from infra.local.deployment import ACCOUNT_ID, REGION
from infra.local.runtime import MOTO_CONFIG
from tests.bench.dedupe_data import generate
from tests.bench.stored_leads import PipelineRules, pipeline_items, put_straight, stored_lead
from tests.integration.tables import create_tables


def stored_items(table_name: str) -> dict[tuple[str, str], dict[str, Any]]:
    table = dynamodb_backends[ACCOUNT_ID][REGION].get_table(table_name)
    found = {}
    for item in table.all_items():
        attrs = item.to_json()["Attributes"]
        found[(attrs["pk"]["S"], attrs["sk"]["S"])] = attrs
    return found


def test_leads_written_straight_into_moto_read_back_as_put_item_stored_them(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    rules = PipelineRules.demo()
    built = [lead for n, labelled in enumerate(generate(60, 3)) if (lead := stored_lead(labelled.record, n, rules))]
    items = [item for lead, submission in built for item in pipeline_items(lead, submission, rules)]
    assert any(lead.owner_id for lead, _ in built), "an MQL with an owner among them"
    with mock_aws(config=MOTO_CONFIG):
        tables = create_tables(boto3.resource("dynamodb", region_name=REGION))
        for item in items:
            tables.leads.put_item(Item=layout.to_dynamo(item))
        through_requests = stored_items(tables.leads.name)
        dynamodb_backends[ACCOUNT_ID][REGION].get_table(tables.leads.name).items.clear()
        put_straight(tables.leads.name, items)
        written_straight = stored_items(tables.leads.name)

    assert len(written_straight) == len(items)  # no stored lead overwrites another's item
    assert written_straight == through_requests
