"""The function's environment as a validated model, read once per cold start (never at import time)."""

from __future__ import annotations

import json
import os
from functools import cache

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator


class Settings(BaseModel):
    leads_table: str = Field(min_length=1)
    config_table: str = Field(min_length=1)
    idempotency_table: str = Field(min_length=1)
    outbox_table: str = Field(min_length=1)
    # The report projections; empty where a function neither keeps nor reads them.
    reports_table: str = ""
    event_bus_name: str = Field(min_length=1)
    allowed_origins: list[str] = Field(default_factory=list)
    api_base_url: str = ""
    max_body_bytes: int = Field(default=65_536, gt=0)
    # An external firmographics API asked before the bundled directory; empty (the default) = the directory only.
    enrichment_url: str = ""
    # Name of an SSM SecureString parameter holding the provider's API key (sent as a Bearer token); empty = no key.
    enrichment_api_key_parameter: str = ""
    enrichment_timeout_seconds: float = Field(default=1.5, gt=0, le=10)
    # SSM path prefix of the webhook signing secrets: one SecureString parameter per provider, `<path><provider>`.
    webhook_secrets_path: str = ""
    # Provider -> secret from LEADFLOW_WEBHOOK_SECRETS (JSON), for the local runtime; None reads SSM instead.
    webhook_secrets: dict[str, SecretStr] | None = None
    # Verified SES identity notifications are emailed from; empty (the default) = no email, Slack and outbox only.
    ses_from_address: str = ""
    # The SES configuration set marketing mail is sent with (reports deliveries, opens, clicks, bounces, complaints).
    ses_configuration_set: str = ""
    # The suppression list's salt: an SSM SecureString parameter's name on AWS (SUPPRESSION_SALT_PARAMETER), or the
    # value itself from LEADFLOW_SUPPRESSION_SALT (the local runtime sets a fixed one). Without either, no erasure.
    suppression_salt_parameter: str = ""
    suppression_salt: SecretStr | None = None
    # The one-click unsubscribe links' signing secret: an SSM SecureString parameter's name on AWS
    # (UNSUBSCRIBE_SECRET_PARAMETER), or the value itself from LEADFLOW_UNSUBSCRIBE_SECRET (the local runtime).
    unsubscribe_secret_parameter: str = ""
    unsubscribe_secret: SecretStr | None = None
    # The NurtureTrack state machine (its executions are the enrolments); empty where a function starts none.
    nurture_state_machine_arn: str = ""
    # Seconds a warm function keeps a rule set before reading it again: a published change applies everywhere within
    # this time (at once in the function that published it); 0 reads the config table on every use.
    rule_sets_max_age_seconds: float = Field(default=60, ge=0, le=3600)

    @field_validator("enrichment_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("ENRICHMENT_URL must start with https:// (or http://), or be empty")
        return value

    @property
    def enrichment_enabled(self) -> bool:
        return bool(self.enrichment_url)

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        try:
            return cls(
                leads_table=env.get("LEADS_TABLE", ""),
                config_table=env.get("CONFIG_TABLE", ""),
                idempotency_table=env.get("IDEMPOTENCY_TABLE", ""),
                outbox_table=env.get("OUTBOX_TABLE", ""),
                reports_table=env.get("REPORTS_TABLE", "").strip(),
                event_bus_name=env.get("EVENT_BUS_NAME", ""),
                allowed_origins=[o.strip() for o in env.get("ALLOWED_ORIGINS", "").split(",") if o.strip()],
                api_base_url=env.get("API_BASE_URL", "").rstrip("/"),
                max_body_bytes=int(env.get("MAX_BODY_BYTES", "65536")),
                enrichment_url=env.get("ENRICHMENT_URL", "").strip().rstrip("/"),
                enrichment_api_key_parameter=env.get("ENRICHMENT_API_KEY_PARAMETER", "").strip(),
                enrichment_timeout_seconds=float(env.get("ENRICHMENT_TIMEOUT_SECONDS", "") or "1.5"),
                webhook_secrets_path=env.get("WEBHOOK_SECRETS_PATH", "").strip(),
                webhook_secrets=json.loads(env.get("LEADFLOW_WEBHOOK_SECRETS") or "null"),
                ses_from_address=env.get("SES_FROM_ADDRESS", "").strip(),
                ses_configuration_set=env.get("SES_CONFIGURATION_SET", "").strip(),
                suppression_salt_parameter=env.get("SUPPRESSION_SALT_PARAMETER", "").strip(),
                nurture_state_machine_arn=env.get("NURTURE_STATE_MACHINE_ARN", "").strip(),
                suppression_salt=env.get("LEADFLOW_SUPPRESSION_SALT") or None,
                unsubscribe_secret_parameter=env.get("UNSUBSCRIBE_SECRET_PARAMETER", "").strip(),
                unsubscribe_secret=env.get("LEADFLOW_UNSUBSCRIBE_SECRET") or None,
                rule_sets_max_age_seconds=float(env.get("RULE_SETS_MAX_AGE_SECONDS", "").strip() or "60"),
            )
        except (ValidationError, ValueError) as exc:
            raise RuntimeError(f"leadflow is misconfigured; check the function's environment: {exc}") from exc


@cache
def settings() -> Settings:
    """Settings of this cold start; `settings.cache_clear()` re-reads them (tests, the local runtime)."""
    return Settings.from_environ()
