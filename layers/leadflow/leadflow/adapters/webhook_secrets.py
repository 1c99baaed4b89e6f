"""Where webhook signing secrets come from: SSM Parameter Store in AWS, or a fixed mapping given at start (the local
runtime's LEADFLOW_WEBHOOK_SECRETS)."""

from __future__ import annotations

import time
from collections.abc import Mapping

from botocore.exceptions import ClientError


class StaticWebhookSecrets:
    """Each webhook provider's secret from a mapping of provider to secret, fixed for the life of the process."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        self._secrets = dict(secrets)

    def secret(self, provider: str) -> str | None:
        return self._secrets.get(provider)


class ParameterStoreWebhookSecrets:
    """Each webhook provider's secret from the SecureString parameter `<path><provider>`, through Powertools'
    cache: a warm function asks SSM at most once per provider per SECRET_MAX_AGE, and a rotated secret is in use
    within that time. Unknown providers are remembered as long, so requests naming random providers cannot spend
    the account's SSM throughput."""

    SECRET_MAX_AGE = 300
    MAX_REMEMBERED_UNKNOWN = 1000

    def __init__(self, path: str) -> None:
        self._prefix = path.rstrip("/") + "/" if path else ""
        self._unknown: dict[str, float] = {}

    def secret(self, provider: str) -> str | None:
        # Imported here: only the webhooks function needs it, and every function imports this module (via wiring).
        from aws_lambda_powertools.utilities.parameters import get_parameter
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        if not self._prefix or self._unknown.get(provider, 0.0) > time.monotonic():
            return None
        try:
            return get_parameter(f"{self._prefix}{provider}", decrypt=True, max_age=self.SECRET_MAX_AGE)
        except GetParameterError as exc:
            # Powertools wraps every error; only a missing parameter means "no such provider", the rest propagate.
            cause = exc.__context__
            if not (isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ParameterNotFound"):
                raise
        if len(self._unknown) >= self.MAX_REMEMBERED_UNKNOWN:
            self._unknown.clear()
        self._unknown[provider] = time.monotonic() + self.SECRET_MAX_AGE
        return None


__all__ = ["ParameterStoreWebhookSecrets", "StaticWebhookSecrets"]
