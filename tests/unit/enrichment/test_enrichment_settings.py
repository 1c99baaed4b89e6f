"""External enrichment's settings: off by default, configured from the environment, refused at cold start when
misconfigured."""

from __future__ import annotations

import pytest
from leadflow.settings import Settings

BASE_ENV = {
    "LEADS_TABLE": "leads",
    "CONFIG_TABLE": "config",
    "IDEMPOTENCY_TABLE": "idempotency",
    "OUTBOX_TABLE": "outbox",
    "EVENT_BUS_NAME": "leadflow",
}


def test_external_enrichment_is_off_by_default() -> None:
    settings = Settings.from_environ(BASE_ENV)

    assert not settings.enrichment_enabled
    assert (settings.enrichment_url, settings.enrichment_api_key_parameter) == ("", "")
    assert settings.enrichment_timeout_seconds == 1.5


def test_external_enrichment_is_configured_from_the_environment() -> None:
    settings = Settings.from_environ(
        {
            **BASE_ENV,
            "ENRICHMENT_URL": "https://firmographics.example/v1/companies/",
            "ENRICHMENT_API_KEY_PARAMETER": "/leadflow/prod/enrichment-api-key",
            "ENRICHMENT_TIMEOUT_SECONDS": "0.8",
        }
    )

    assert settings.enrichment_enabled
    assert settings.enrichment_url == "https://firmographics.example/v1/companies"
    assert settings.enrichment_api_key_parameter == "/leadflow/prod/enrichment-api-key"
    assert settings.enrichment_timeout_seconds == 0.8


@pytest.mark.parametrize(
    "env",
    [
        {"ENRICHMENT_URL": "firmographics.example"},
        {"ENRICHMENT_TIMEOUT_SECONDS": "0"},
        {"ENRICHMENT_TIMEOUT_SECONDS": "x"},
    ],
)
def test_misconfigured_external_enrichment_fails_at_cold_start(env: dict[str, str]) -> None:
    with pytest.raises(RuntimeError, match="misconfigured"):
        Settings.from_environ({**BASE_ENV, **env})
