"""DynamoDB adapters for the LeadStore, ConfigStore and Outbox ports, on the tables the build contract describes.

Conditional-write failures become domain answers (False, the current owner, ConcurrentUpdate); the domain never sees
botocore. Other AWS errors (throttling, outages) propagate unchanged, so the Lambda fails and its caller retries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadflow.adapters.dynamodb.config import DynamoConfigStore
    from leadflow.adapters.dynamodb.lead_store import DynamoLeadStore
    from leadflow.adapters.dynamodb.mail_log import DynamoMailLog
    from leadflow.adapters.dynamodb.outbox import DynamoOutbox
    from leadflow.adapters.dynamodb.report_projection import DynamoReportProjection
    from leadflow.adapters.dynamodb.track_counters import DynamoTrackCounters

# Each adapter is imported when first asked for: a function loads the adapters of its own tables and no others.
_MODULES = {
    "DynamoConfigStore": "config",
    "DynamoLeadStore": "lead_store",
    "DynamoMailLog": "mail_log",
    "DynamoOutbox": "outbox",
    "DynamoReportProjection": "report_projection",
    "DynamoTrackCounters": "track_counters",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DynamoConfigStore",
    "DynamoLeadStore",
    "DynamoMailLog",
    "DynamoOutbox",
    "DynamoReportProjection",
    "DynamoTrackCounters",
]
