"""The leadflow tables as the build contract defines them, for tests that run DynamoDB under moto.

Keep in step with template.yaml: keys, GSI names, key attributes and projections must match it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Tables:
    leads: Any
    config: Any
    outbox: Any
    idempotency: Any


def _strings(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


def _keys(partition: str, sort: str | None = None) -> list[dict[str, str]]:
    keys = [{"AttributeName": partition, "KeyType": "HASH"}]
    if sort is not None:
        keys.append({"AttributeName": sort, "KeyType": "RANGE"})
    return keys


def _index(name: str, partition: str, sort: str) -> dict[str, Any]:
    return {"IndexName": name, "KeySchema": _keys(partition, sort), "Projection": {"ProjectionType": "ALL"}}


def create_tables(dynamodb: Any, prefix: str = "leadflow-test") -> Tables:
    """Create the leads, config, outbox and idempotency tables on a boto3 DynamoDB resource; return Table resources."""
    leads = dynamodb.create_table(
        TableName=f"{prefix}-leads",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=_keys("pk", "sk"),
        AttributeDefinitions=_strings("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"),
        GlobalSecondaryIndexes=[_index("by_stage", "gsi1pk", "gsi1sk"), _index("by_owner", "gsi2pk", "gsi2sk")],
    )
    config = dynamodb.create_table(
        TableName=f"{prefix}-config",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=_keys("pk", "sk"),
        AttributeDefinitions=_strings("pk", "sk"),
    )
    outbox = dynamodb.create_table(
        TableName=f"{prefix}-outbox",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=_keys("pk", "sk"),
        AttributeDefinitions=_strings("pk", "sk", "gsi1pk", "gsi1sk"),
        GlobalSecondaryIndexes=[_index("by_created", "gsi1pk", "gsi1sk")],
    )
    idempotency = dynamodb.create_table(
        TableName=f"{prefix}-idempotency",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=_keys("id"),
        AttributeDefinitions=_strings("id"),
    )
    dynamodb.meta.client.update_time_to_live(
        TableName=idempotency.name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
    )
    return Tables(leads=leads, config=config, outbox=outbox, idempotency=idempotency)
