"""DynamoDB adapters for the LeadStore, ConfigStore and Outbox ports, on the tables the build contract describes.

Conditional-write failures become domain answers (False, the current owner, ConcurrentUpdate); the domain never sees
botocore. Other AWS errors (throttling, outages) propagate unchanged, so the Lambda fails and its caller retries.
"""

from leadflow.adapters.dynamodb.config import DynamoConfigStore
from leadflow.adapters.dynamodb.lead_store import DynamoLeadStore
from leadflow.adapters.dynamodb.mail_log import DynamoMailLog
from leadflow.adapters.dynamodb.outbox import DynamoOutbox
from leadflow.adapters.dynamodb.report_projection import DynamoReportProjection
from leadflow.adapters.dynamodb.track_counters import DynamoTrackCounters

__all__ = [
    "DynamoConfigStore",
    "DynamoLeadStore",
    "DynamoMailLog",
    "DynamoOutbox",
    "DynamoReportProjection",
    "DynamoTrackCounters",
]
