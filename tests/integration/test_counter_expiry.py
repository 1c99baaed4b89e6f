"""A day's capacity counter carries the config table's TTL attribute, so DynamoDB deletes it once it is useless;
the limit it enforces is unchanged."""

from __future__ import annotations

import boto3
import pytest
from leadflow.adapters import layout
from leadflow.adapters.dynamodb import DynamoConfigStore
from moto import mock_aws

from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables


@pytest.fixture(autouse=True)
def _aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")


def test_a_daily_counter_expires_and_still_stops_at_its_limit() -> None:
    with mock_aws(config=MOTO_CONFIG):
        tables = create_tables(boto3.resource("dynamodb"))
        config = DynamoConfigStore(tables.config)

        taken = [config.increment_if_below("daily#dana#2026-11-23", 2, expires_at=1_795_000_000) for _ in range(3)]
        config.increment_if_below("open#dana", 5)

        daily = tables.config.get_item(Key=layout.sequence_key("daily#dana#2026-11-23"))["Item"]
        opened = tables.config.get_item(Key=layout.sequence_key("open#dana"))["Item"]

    assert taken == [True, True, False]
    assert (daily["n"], daily[layout.TTL_ATTRIBUTE]) == (2, 1_795_000_000)
    assert layout.TTL_ATTRIBUTE not in opened, "an open-lead count must never expire"
