"""Lead listings on DynamoDB read the by_stage and by_owner indexes for keys and the leads by key. An index answers
eventually: what it names may have moved on since. A listing shows each lead as stored now, and only where it is now
(a lead that left the stage or owner asked for, or was erased, is left out of a listing the index has not caught up
with)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoLeadStore
from leadflow.models.lead import Stage
from moto import mock_aws

from infra.local.moto_hooks import query_partitions_not_tables, serialise_dynamodb_writes
from infra.local.runtime import MOTO_CONFIG
from tests.integration.store_contract.conftest import NOW, lead
from tests.integration.tables import create_tables


class LaggingIndex:
    """The leads Table, except that while `frozen` an index Query gets the answer it got when frozen: an index that
    has not caught up with the writes since."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self.frozen = False
        self._answers: dict[tuple[str, int], dict[str, Any]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def query(self, **request: Any) -> dict[str, Any]:
        if "IndexName" not in request:
            response: dict[str, Any] = self._table.query(**request)
            return response
        asked = (request["IndexName"], request["KeyConditionExpression"].get_expression()["values"][1])
        if not self.frozen:
            self._answers[asked] = self._table.query(**request)
        return self._answers[asked]


@pytest.fixture
def lagging(aws_credentials: None) -> Iterator[LaggingIndex]:
    with mock_aws(config=MOTO_CONFIG):
        serialise_dynamodb_writes()
        query_partitions_not_tables()
        yield LaggingIndex(create_tables(boto3.resource("dynamodb", region_name="us-east-1")).leads)


def test_a_listing_shows_leads_as_stored_now_and_only_those_still_in_it(lagging: LaggingIndex) -> None:
    store = DynamoLeadStore(lagging)
    stored = {
        name: store.save_lead(
            lead(name, stage=Stage.MQL, owner_id="rep-ana", updated_at=NOW + timedelta(minutes=n)),
            expected_version=None,
        )
        for n, name in enumerate(["kept", "renamed", "moved", "reassigned", "erased"])
    }
    assert len(store.list_leads(stage=Stage.MQL).items) == 5
    assert len(store.list_leads(owner_id="rep-ana", stage=Stage.MQL).items) == 5
    lagging.frozen = True  # the index answers as it did then, from here on

    def changed(name: str, **update: Any) -> None:
        store.save_lead(stored[name].model_copy(update=update), expected_version=1)

    changed("renamed", company="Renamed Ltd")
    changed("moved", stage=Stage.SAL)
    changed("reassigned", owner_id="rep-bo")
    lagging.delete_item(Key={"pk": "LEAD#erased", "sk": "PROFILE"})

    by_stage = store.list_leads(stage=Stage.MQL).items
    by_owner = store.list_leads(owner_id="rep-ana", stage=Stage.MQL).items

    assert [each.lead_id for each in by_stage] == ["reassigned", "renamed", "kept"]
    assert [each.lead_id for each in by_owner] == ["renamed", "kept"]
    assert by_stage[1] == by_owner[0] == store.get_lead("renamed")
    assert by_owner[0].company == "Renamed Ltd"
