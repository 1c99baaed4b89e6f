"""The conditional and transactional writes every DynamoDB adapter of leadflow shares, and what their failures
mean: a lost race is an answer (False, re-read and retry), anything else propagates."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from leadflow.adapters import layout

CONDITION_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CANCELED = "TransactionCanceledException"
MAX_ATTEMPTS = 5  # for transactions that lose a race: each attempt re-reads, so a few suffice
deserialize = TypeDeserializer().deserialize


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def lost_race(error: ClientError) -> set[str]:
    """The reasons a transaction was cancelled if it lost a race (a condition or a conflict); otherwise re-raise."""
    if error_code(error) != TRANSACTION_CANCELED:
        raise error
    codes = {str(reason.get("Code")) for reason in error.response.get("CancellationReasons", [])} - {"None"}
    if not codes or not codes <= {"ConditionalCheckFailed", "TransactionConflict"}:
        raise error  # e.g. ValidationError or ItemCollectionSizeLimitExceeded: retrying cannot help
    return codes


def put_if_absent(table: Any, item: layout.Item) -> bool:
    """Put an item only if its key is new; False (and no change) when it exists. The idempotent write of leadflow."""
    try:
        # On the Table's client (thread-safe, where the Table is not), so it may be sent beside another request.
        table.meta.client.put_item(
            TableName=table.name, Item=layout.to_dynamo(item), ConditionExpression="attribute_not_exists(pk)"
        )
    except ClientError as exc:
        if error_code(exc) == CONDITION_FAILED:
            return False
        raise
    return True
