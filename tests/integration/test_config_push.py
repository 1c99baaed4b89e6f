"""`leadflow config-push` publishes the default rule sets to a deployed stack's config table (here moto's)."""

from __future__ import annotations

import boto3
import pytest
from leadflow.adapters.dynamodb import DynamoConfigStore
from leadflow.models.rules import RULESET_KINDS, parse_ruleset
from moto import mock_aws

from infra.cli.main import CONFIG_DIR_DEFAULT, main
from infra.local.runtime import MOTO_CONFIG
from tests.integration.tables import create_tables


@pytest.fixture(autouse=True)
def _aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")


def test_config_push_publishes_every_rule_set_and_each_one_validates(capsys: pytest.CaptureFixture[str]) -> None:
    with mock_aws(config=MOTO_CONFIG):
        tables = create_tables(boto3.resource("dynamodb"))

        assert main(["config-push", "--table", tables.config.name, "--folder", str(CONFIG_DIR_DEFAULT)]) == 0

        store = DynamoConfigStore(tables.config)
        for kind in RULESET_KINDS:
            found = store.active(kind)
            assert found is not None, f"{kind} was not published"
            version, body = found
            parse_ruleset(kind, body, version=version)
    printed = capsys.readouterr().out
    assert all(f"{kind}: version 1 active" in printed for kind in RULESET_KINDS)


def test_config_push_of_named_kinds_publishes_only_those() -> None:
    with mock_aws(config=MOTO_CONFIG):
        tables = create_tables(boto3.resource("dynamodb"))

        main(["config-push", "--table", tables.config.name, "--folder", str(CONFIG_DIR_DEFAULT), "scoring"])

        store = DynamoConfigStore(tables.config)
        assert store.active("scoring") is not None and store.active("reps") is None
