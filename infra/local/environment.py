"""The one process environment the local runtime's handlers share: what Lambda sets for every function, and the
variables the template gives each, merged (a variable two functions set differently is refused)."""

from __future__ import annotations

import os

from infra.local.deployment import REGION, FunctionSpec
from infra.local.persistence import LOCAL_SUPPRESSION_SALT

LOCAL_UNSUBSCRIBE_SECRET = "local-unsubscribe-secret"  # noqa: S105 - the local runtime's own; AWS reads SSM


def set_process_environment() -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    os.environ.setdefault("LEADFLOW_WEBHOOK_SECRETS", '{"generic": "local-webhook-secret"}')  # no SSM locally
    os.environ.setdefault("LEADFLOW_SUPPRESSION_SALT", LOCAL_SUPPRESSION_SALT)
    # Signs the one-click unsubscribe links; on AWS a SecureString parameter (UNSUBSCRIBE_SECRET_PARAMETER).
    os.environ.setdefault("LEADFLOW_UNSUBSCRIBE_SECRET", LOCAL_UNSUBSCRIBE_SECRET)


def export_function_environment(functions: dict[str, FunctionSpec], log_level: str, api_base_url: str) -> None:
    """Handlers share this process, so they share one environment: refuse a template that gives two functions
    different values for one variable, rather than run one of them with the other's."""
    merged: dict[str, str] = {}
    for spec in functions.values():
        for key, value in spec.environment.items():
            if key in merged and merged[key] != str(value):
                raise RuntimeError(f"{key} differs between functions; the local runtime needs one value per variable")
            merged[key] = str(value)
    merged["POWERTOOLS_LOG_LEVEL"] = log_level
    merged["API_BASE_URL"] = api_base_url
    os.environ.update(merged)
