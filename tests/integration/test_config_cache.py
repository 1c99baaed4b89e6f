"""A warm function keeps the active rule sets for RULE_SETS_MAX_AGE_SECONDS of its own running time: a lead's steps
read each one about once a minute instead of on every use, a change published elsewhere applies within that time,
and a change published through the same store applies at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoConfigStore
from leadflow.adapters.dynamodb.config_cache import RuleSetCache, Stored
from moto import mock_aws

from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables

MAX_AGE = 60.0


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def config_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws(config=MOTO_CONFIG):
        yield create_tables(boto3.resource("dynamodb")).config


def count_reads(table: Any) -> list[str]:
    """Every read of a rule set's body on the table's client from now on, by its key's sort key (a publish's read
    of the active version number alone is not one)."""
    reads: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        if "ProjectionExpression" not in params:
            reads.append(str(params["Key"]["sk"]))

    table.meta.client.meta.events.register("provide-client-params.dynamodb.GetItem", record)
    return reads


def test_a_rule_set_is_read_once_per_max_age_and_again_after_it(config_table: Any) -> None:
    ticks = Ticks()
    elsewhere = DynamoConfigStore(config_table)  # another function (or the CLI) publishing
    store = DynamoConfigStore(config_table, max_age=MAX_AGE, now=ticks)
    elsewhere.publish("scoring", {"mql_threshold": 60})
    reads = count_reads(config_table)

    first = [store.active("scoring") for _ in range(5)]
    elsewhere.publish("scoring", {"mql_threshold": 50})
    ticks.now += MAX_AGE - 1
    still = store.active("scoring")
    ticks.now += 1
    changed = store.active("scoring")

    assert first == [(1, {"mql_threshold": 60})] * 5
    assert still == (1, {"mql_threshold": 60}), "a change made elsewhere applies once the max age has passed"
    assert changed == (2, {"mql_threshold": 50})
    assert reads == ["ACTIVE", "ACTIVE"]  # the first use, and the first after the max age


def test_a_publish_through_the_same_store_applies_at_once(config_table: Any) -> None:
    store = DynamoConfigStore(config_table, max_age=MAX_AGE, now=Ticks())
    store.publish("routing", {"rules": []})
    assert store.active("routing") == (1, {"rules": []})

    store.publish("routing", {"rules": [{"name": "emea"}]})

    assert store.active("routing") == (2, {"rules": [{"name": "emea"}]})


def test_a_kind_never_published_is_kept_as_missing_until_a_publish(config_table: Any) -> None:
    store = DynamoConfigStore(config_table, max_age=MAX_AGE, now=Ticks())
    assert store.active("spend") is None

    store.publish("spend", {"months": {}})

    assert store.active("spend") == (1, {"months": {}})


def test_each_reader_gets_its_own_copy_of_a_kept_rule_set(config_table: Any) -> None:
    store = DynamoConfigStore(config_table, max_age=MAX_AGE, now=Ticks())
    store.publish("reps", {"reps": [{"id": "dana"}]})
    found = store.active("reps")
    assert found is not None

    found[1]["reps"].clear()

    assert store.active("reps") == (1, {"reps": [{"id": "dana"}]})


def test_with_no_max_age_every_use_reads_the_table(config_table: Any) -> None:
    store = DynamoConfigStore(config_table, max_age=0)
    store.publish("sla", {"hours": 4})
    reads = count_reads(config_table)

    for _ in range(3):
        store.active("sla")

    assert len(reads) == 3


def test_a_published_version_is_read_once_and_a_missing_one_every_time(config_table: Any) -> None:
    store = DynamoConfigStore(config_table, max_age=MAX_AGE, now=Ticks())
    store.publish("nurture", {"tracks": ["welcome"]})
    reads = count_reads(config_table)

    kept = [store.version("nurture", 1) for _ in range(3)]
    missing = [store.version("nurture", 2) for _ in range(2)]

    assert kept == [{"tracks": ["welcome"]}] * 3
    assert missing == [None, None]
    assert len(reads) == 1 + 2


def test_a_read_that_began_before_a_publish_is_not_kept_after_it() -> None:
    cache = RuleSetCache(MAX_AGE, now=Ticks())
    old: Stored = (1, '{"mql_threshold": 60}')
    new: Stored = (2, '{"mql_threshold": 50}')

    def read_racing_a_publish() -> Stored:
        cache.forget("scoring")  # another thread of this function published while this read was on its way
        return old

    assert cache.active("scoring", read_racing_a_publish) == old
    assert cache.active("scoring", lambda: new) == new
