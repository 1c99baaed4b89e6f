"""The local runtime's index Query reads one index partition (infra/local/moto_hooks/dynamodb_indexes.py): it must
answer exactly what moto's walk of the whole table answers, whatever writes came before, and walk none of the table
once the index is filed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.table import Table

from infra.local import moto_hooks
from infra.local.moto_hooks.dynamodb_indexes import query_index_partitions
from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables

STAGES = ("new", "mql", "sql")


@pytest.fixture
def leads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws(config=MOTO_CONFIG):
        moto_hooks.serialise_dynamodb_writes()
        moto_hooks.query_partitions_not_tables()
        query_index_partitions()
        yield create_tables(boto3.resource("dynamodb", region_name="us-east-1")).leads


def lead(n: int, stage: str, due: bool = False) -> dict[str, Any]:
    item = {
        "pk": f"LEAD#{n:04d}",
        "sk": "PROFILE",
        "gsi1pk": f"STAGE#{stage}",
        "gsi1sk": f"2026-11-{n % 28 + 1:02d}#{n}",
        "gsi2pk": f"OWNER#rep-{n % 2}",
        "gsi2sk": f"2026-11-{n % 28 + 1:02d}#{n}",
        "stage": stage,
        "company": f"Company {n}",  # projected by no index: an index Query never answers it
    }
    if due:
        item |= {"gsi3pk": f"DUE#decay#{n % 2}", "gsi3sk": f"2026-12-01#{n:04d}"}
    return item


def by_index(table: Any, index: str, attribute: str, value: str, **extra: Any) -> list[dict[str, Any]]:
    """Every page of an index Query, three items a page."""
    request: dict[str, Any] = {
        "IndexName": index,
        "KeyConditionExpression": boto3.dynamodb.conditions.Key(attribute).eq(value),
        "Limit": 3,
        **extra,
    }
    found: list[dict[str, Any]] = []
    while True:
        page = table.query(**request)
        found += page["Items"]
        if "LastEvaluatedKey" not in page:
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def projected(table: Any, attribute: str) -> set[str]:
    """The attributes an entry of the index keyed on `attribute` holds, as the table declares its projection (the
    template's: every index of the leads table projects keys, by_owner the stage too)."""
    index = next(i for i in table.global_secondary_indexes if i["KeySchema"][0]["AttributeName"] == attribute)
    assert index["Projection"]["ProjectionType"] in ("KEYS_ONLY", "INCLUDE")
    keys = {key["AttributeName"] for key in [*table.key_schema, *index["KeySchema"]]}
    return keys | set(index["Projection"].get("NonKeyAttributes", []))


def expected(table: Any, attribute: str, value: str, sort: str, *, reverse: bool = False) -> list[dict[str, Any]]:
    """What DynamoDB answers, worked out from every item of the table (a Scan reads them all): the entries hold only
    what the index projects."""
    wanted = projected(table, attribute)
    items = [
        {name: item[name] for name in wanted if name in item}
        for item in table.scan()["Items"]
        if item.get(attribute) == value and sort in item
    ]
    return sorted(items, key=lambda item: (item[sort], item["pk"], item["sk"]), reverse=reverse)


def all_answers(table: Any) -> dict[str, tuple[list[Any], list[Any]]]:
    answers = {}
    for stage in STAGES:
        partition = f"STAGE#{stage}"
        answers[partition] = (
            by_index(table, "by_stage", "gsi1pk", partition),
            expected(table, "gsi1pk", partition, "gsi1sk"),
        )
        newest_first = by_index(table, "by_stage", "gsi1pk", partition, ScanIndexForward=False)
        answers[f"{partition} newest first"] = (
            newest_first,
            expected(table, "gsi1pk", partition, "gsi1sk", reverse=True),
        )
    for shard in ("DUE#decay#0", "DUE#decay#1"):
        answers[shard] = (by_index(table, "by_due", "gsi3pk", shard), expected(table, "gsi3pk", shard, "gsi3sk"))
    for owner in ("OWNER#rep-0", "OWNER#rep-1"):
        answers[owner] = (by_index(table, "by_owner", "gsi2pk", owner), expected(table, "gsi2pk", owner, "gsi2sk"))
    return answers


def test_an_index_query_answers_what_the_whole_table_answers_after_every_kind_of_write(leads: Any) -> None:
    client = leads.meta.client  # a resource's client: plain values, as the adapters pass them
    for n in range(40):
        leads.put_item(Item=lead(n, STAGES[n % 3], due=n % 4 == 0))
    assert by_index(leads, "by_stage", "gsi1pk", "STAGE#mql")  # filed now: the writes below must keep it right
    leads.put_item(Item=lead(1, "sql"))  # moved to another partition by a put
    leads.update_item(Key={"pk": "LEAD#0002", "sk": "PROFILE"}, UpdateExpression="SET gsi1pk = :s",
                      ExpressionAttributeValues={":s": "STAGE#new"})  # fmt: skip
    leads.update_item(Key={"pk": "LEAD#0004", "sk": "PROFILE"}, UpdateExpression="REMOVE gsi3pk, gsi3sk")
    leads.update_item(Key={"pk": "LEAD#0099", "sk": "PROFILE"}, UpdateExpression="SET gsi1pk = :s, gsi1sk = :k",
                      ExpressionAttributeValues={":s": "STAGE#mql", ":k": "2026-11-30#99"})  # fmt: skip
    leads.delete_item(Key={"pk": "LEAD#0005", "sk": "PROFILE"})
    with leads.batch_writer() as batch:
        batch.put_item(Item=lead(100, "mql", due=True))
        batch.delete_item(Key={"pk": "LEAD#0006", "sk": "PROFILE"})
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": leads.name, "Item": lead(101, "new", due=True)}},
            {"Delete": {"TableName": leads.name, "Key": {"pk": "LEAD#0007", "sk": "PROFILE"}}},
        ]
    )
    with pytest.raises(ClientError, match="TransactionCanceled"):  # rolled back: nothing of it may show
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": leads.name, "Item": lead(102, "mql")}},
                {"Delete": {"TableName": leads.name, "Key": {"pk": "LEAD#0008", "sk": "PROFILE"}}},
                {
                    "Put": {
                        "TableName": leads.name,
                        "Item": lead(9, "mql"),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        leads.put_item(Item=lead(10, "sql"), ConditionExpression="attribute_not_exists(pk)")

    answers = all_answers(leads)

    for partition, (answered, wanted) in answers.items():
        assert answered == wanted, partition
    mql, sql = ({item["pk"] for item in answers[f"STAGE#{stage}"][0]} for stage in ("mql", "sql"))
    assert {"LEAD#0099", "LEAD#0100"} <= mql and "LEAD#0102" not in mql
    assert {"LEAD#0001", "LEAD#0008"} <= sql  # moved by a put; put back by the cancelled transaction


def test_writes_the_hook_did_not_see_are_never_missed(leads: Any) -> None:
    for n in range(12):
        leads.put_item(Item=lead(n, "mql"))
    assert len(by_index(leads, "by_stage", "gsi1pk", "STAGE#mql")) == 12
    moto_hooks.serialise_dynamodb_writes()  # puts its own write methods back: the next writes go unseen
    leads.put_item(Item=lead(50, "mql"))
    unseen = by_index(leads, "by_stage", "gsi1pk", "STAGE#mql")
    query_index_partitions()  # back in place: everything filed afresh
    leads.put_item(Item=lead(51, "mql"))

    assert len(unseen) == 13
    assert all_answers(leads)["STAGE#mql"][0] == expected(leads, "gsi1pk", "STAGE#mql", "gsi1sk")


def test_an_index_query_walks_none_of_the_table_once_the_index_is_filed(
    leads: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(300):
        leads.put_item(Item=lead(n, STAGES[n % 3]))
    by_index(leads, "by_stage", "gsi1pk", "STAGE#sql")  # the first query files the index
    walks = []
    walk = Table.all_items

    def counted(self: Table) -> Any:
        walks.append(self.name)
        return walk(self)

    monkeypatch.setattr(Table, "all_items", counted)
    leads.put_item(Item=lead(300, "sql"))
    answered = by_index(leads, "by_stage", "gsi1pk", "STAGE#sql")

    assert walks == []
    assert len(answered) == 101


def test_an_index_query_answers_only_what_the_index_projects_and_filters_on_it(leads: Any) -> None:
    for n in range(12):
        leads.put_item(Item=lead(n, STAGES[n % 3]))
    by_stage = by_index(leads, "by_stage", "gsi1pk", "STAGE#mql")  # filed now: the answers below come from the hook
    by_owner = by_index(leads, "by_owner", "gsi2pk", "OWNER#rep-1")
    sql_of_rep_1 = by_index(
        leads, "by_owner", "gsi2pk", "OWNER#rep-1", FilterExpression=boto3.dynamodb.conditions.Attr("stage").eq("sql")
    )

    assert {frozenset(entry) for entry in by_stage} == {frozenset({"pk", "sk", "gsi1pk", "gsi1sk"})}
    assert {frozenset(entry) for entry in by_owner} == {frozenset({"pk", "sk", "gsi2pk", "gsi2sk", "stage"})}
    assert [entry["pk"] for entry in sql_of_rep_1] == ["LEAD#0005", "LEAD#0011"]
