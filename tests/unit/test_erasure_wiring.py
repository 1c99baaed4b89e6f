"""Where the suppression salt comes from, and what happens before it exists: erasure refuses (503) rather than keep
no hash, and the dedupe step's check answers "not suppressed" (nothing can have been erased without a salt)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.parameters import exceptions as parameter_errors
from botocore.exceptions import ClientError
from leadflow.services.erasure import ErasureNotConfigured
from leadflow.settings import Settings
from leadflow.wiring import erasure as erasure_wiring

ENV = {
    "LEADS_TABLE": "leads",
    "CONFIG_TABLE": "config",
    "IDEMPOTENCY_TABLE": "idempotency",
    "OUTBOX_TABLE": "outbox",
    "EVENT_BUS_NAME": "bus",
}


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Any:
    def use(**env: str) -> None:
        settings = Settings.from_environ({**ENV, **env})
        monkeypatch.setattr(erasure_wiring, "settings", lambda: settings)
        erasure_wiring.suppression_salt.cache_clear()

    yield use
    erasure_wiring.suppression_salt.cache_clear()


def missing_parameter(name: str, **_: Any) -> str:
    try:
        raise ClientError({"Error": {"Code": "ParameterNotFound", "Message": name}}, "GetParameter")
    except ClientError as exc:
        raise parameter_errors.GetParameterError(str(exc)) from exc


def test_the_local_salt_is_used_as_given(configured: Any) -> None:
    configured(LEADFLOW_SUPPRESSION_SALT="s3cret")
    assert erasure_wiring.suppression_salt() == "s3cret"


def test_erasure_refuses_until_the_salt_parameter_exists(configured: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    configured(SUPPRESSION_SALT_PARAMETER="/leadflow/erasure/salt")
    monkeypatch.setattr("aws_lambda_powertools.utilities.parameters.get_parameter", missing_parameter)

    with pytest.raises(ErasureNotConfigured, match="/leadflow/erasure/salt"):
        erasure_wiring.suppression_salt()
    assert erasure_wiring.SuppressionCheck()("ada@example.com") is False


def test_without_any_salt_setting_erasure_refuses(configured: Any) -> None:
    configured()
    with pytest.raises(ErasureNotConfigured):
        erasure_wiring.suppression_salt()
