"""Several threads querying through one DynamoDB resource with Key() conditions, as a step's side-by-side reads and
the local runtime's concurrent handlers do: every query keeps its own key names."""

from __future__ import annotations

import sys
import threading
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from leadflow.adapters.dynamodb.conditions import build_conditions_per_thread
from moto import mock_aws

from tests.integration.tables import create_tables

THREADS = 8
QUERIES = 150


def query_from_threads(resource: Any) -> list[BaseException]:
    table = create_tables(resource).leads
    table.put_item(Item={"pk": "LEAD#1", "sk": "A#1"})
    errors: list[BaseException] = []
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads swap often, as on a loaded machine

    def run() -> None:
        for _ in range(QUERIES):
            try:
                found = table.query(KeyConditionExpression=Key("pk").eq("LEAD#1") & Key("sk").begins_with("A#"))
                assert found["Count"] == 1
            except Exception as exc:  # noqa: BLE001 - collected, the test names them
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    return errors


@pytest.fixture
def resource() -> Any:
    with mock_aws():
        yield boto3.resource("dynamodb", region_name="us-east-1")


def test_queries_from_many_threads_on_one_resource_keep_their_key_names(resource: Any) -> None:
    errors = query_from_threads(build_conditions_per_thread(resource))
    assert errors == []
